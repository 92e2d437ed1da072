"""Charts as server-rendered SVG: no JavaScript, no CDN. Pure: values in, markup out.

Each chart is an image with a title and a description (`role="img"`, `aria-labelledby`) for screen readers,
and every page that shows one also shows the table behind it. The same SVG goes into the PDF (fpdf2 draws
SVG), so the web, the printed page and the PDF show one picture.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from ordna.core import formats

# Colours with enough contrast on white, distinguishable by people with the common colour-vision deficits.
PALETTE = ("#1f5fa8", "#c2571a", "#2f7d32", "#7a3f9d", "#8a6d00", "#0f7c86")
WIDTH, HEIGHT = 640, 260


def _chart_id(title: str, desc: str) -> str:
    """A stable id (the same chart renders the same markup), unique enough for the few charts of a page."""
    return "chart-" + hashlib.sha256(f"{title}|{desc}".encode()).hexdigest()[:10]


def _number(value: float) -> str:
    """A chart's figure in the reader's language: whole numbers grouped from 1 000 on, else one decimal."""
    if abs(value) >= 1000:
        return formats.number(value, 0, grouped=True)
    return formats.number(value, 0 if float(value).is_integer() else 1)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _open(title: str, desc: str, height: int, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" font-family="Helvetica, Arial, '
        'sans-serif">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]


def bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    percent: bool = False,
) -> SafeString:
    """Vertical bars, one group per label and one bar per series, with a legend when there are several."""
    chart_id = _chart_id(title, desc)
    left, right, top, bottom = 48, 12, 28 if len(series) > 1 else 12, 36
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    top_value = 1.0 if percent else _nice_max(max((v for _, values in series for v in values), default=0))
    parts = _open(title, desc, HEIGHT, chart_id)
    for step in range(5):
        value = top_value * step / 4
        y = top + plot_h - plot_h * step / 4
        text = formats.percent(value * 100) if percent else _number(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#d9d9d9"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#333">{text}</text>')
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    for index, label in enumerate(labels):
        x0 = left + index * group_w + group_w * 0.1
        for number, (_name, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            height = plot_h * min(max(value / top_value, 0), 1)
            x = x0 + number * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[number % len(PALETTE)]}"/>'
            )
        if groups <= 12 or index % 2 == 0:
            parts.append(
                f'<text x="{left + (index + 0.5) * group_w:.1f}" y="{HEIGHT - bottom + 16}" font-size="11" '
                f'text-anchor="middle" fill="#333">{escape(label)}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" stroke="#333"/>')
    if len(series) > 1:
        x = left
        for number, (name, _values) in enumerate(series):
            parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{PALETTE[number % len(PALETTE)]}"/>')
            parts.append(f'<text x="{x + 14}" y="17" font-size="11" fill="#333">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def hbar_chart(
    *, title: str, desc: str, rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str]
) -> SafeString:
    """Horizontal bars, one row per label (long names such as suppliers fit), one bar per series."""
    chart_id = _chart_id(title, desc)
    row_h = 14 * max(len(series), 1) + 8
    top = 28 if len(series) > 1 else 8
    height = top + max(len(rows), 1) * row_h + 8
    left, right = 210, 60
    plot_w = WIDTH - left - right
    top_value = _nice_max(max((v for _, values in rows for v in values), default=0))
    parts = _open(title, desc, height, chart_id)
    for index, (label, values) in enumerate(rows):
        y0 = top + index * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y0 + row_h / 2 + 2:.1f}" font-size="11" text-anchor="end" '
            f'fill="#333">{escape(label[:34])}</text>'
        )
        for number, value in enumerate(values):
            width = plot_w * min(max(value / top_value, 0), 1)
            y = y0 + 4 + number * 14
            parts.append(
                f'<rect x="{left}" y="{y}" width="{width:.1f}" height="12" fill="{PALETTE[number % len(PALETTE)]}"/>'
            )
            parts.append(
                f'<text x="{left + width + 4:.1f}" y="{y + 10}" font-size="10" fill="#333">{_number(value)}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 8}" stroke="#333"/>')
    if len(series) > 1:
        x = left
        for number, name in enumerate(series):
            parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{PALETTE[number % len(PALETTE)]}"/>')
            parts.append(f'<text x="{x + 14}" y="17" font-size="11" fill="#333">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
