"""The cost of one leaver certificate (PDF), as the evidence pack makes hundreds of them: with the fonts read
once per process (`ordna.core.pdf`, as Ordna makes them) and with fpdf2 reading both font files for every
document (`add_font`, as before), in wall-clock and CPU seconds per certificate; the bytes must be the same.

    .venv/bin/python bench/certificates.py          (BENCH_CERTIFICATES, default 40)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
os.environ.setdefault("ORDNA_DATA_DIR", tempfile.mkdtemp(prefix="ordna-bench-certificates-"))

import django

django.setup()

from fpdf import FPDF  # noqa: E402

from ordna.core import pdf  # noqa: E402
from ordna.lifecycle.certificate import Certificate, CertificateLine, certificate_pdf  # noqa: E402
from ordna.lifecycle.selectors import ClosingCounts  # noqa: E402

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "40"))


def certificate(n: int) -> Certificate:
    """A leaver with twelve lines, as the demo's leavers have."""
    issued = datetime(2026, 11, 16, tzinfo=ZoneInfo("Europe/Stockholm"))
    lines = [
        CertificateLine(
            kind="account",
            subject=f"user{n}.{i}@example.org",
            application=f"app-{i}",
            due=date(2026, 10, 1),
            state="Verified",
            state_code="verified",
            how=f"Import #{100 + i}, export taken 2026-10-02 07:00",
            closed_by="Ordna (import)",
            closed_at=issued - timedelta(days=40),
            override="",
            approved_by="",
            approved_at=None,
            note="",
        )
        for i in range(12)
    ]
    counts = ClosingCounts(total=12, verified=12, attested=0, waived=0, open=0, overrides=0)
    return Certificate(
        person=f"Åsa Öberg-Nyström {n}", employee_id=f"E{n:05}", department="Konsult, Väst", last_day=date(2026, 9, 30),
        status="completed", completed_at=issued - timedelta(days=30), lines=lines, issued_at=issued, counts=counts,
    )  # fmt: skip


@contextmanager
def fonts_read_each_time() -> Iterator[None]:
    """`pdf_document` as it was: fpdf2's add_font for each style of each document."""

    def add(document: FPDF, style: str) -> None:
        document.add_font(pdf.FONT, style, str(pdf.FONT_FILES[style]))

    saved = pdf._font_add
    pdf._font_add = add  # type: ignore[assignment]
    try:
        yield
    finally:
        pdf._font_add = saved


def timed(make: Callable[[int], bytes]) -> tuple[float, float, list[bytes]]:
    make(0)  # the first document of a process reads the fonts
    wall, cpu = time.perf_counter(), time.process_time()
    out = [make(n) for n in range(COUNT)]
    return (time.perf_counter() - wall) / COUNT, (time.process_time() - cpu) / COUNT, out


def main() -> dict[str, Any]:
    def make(n: int) -> bytes:
        return certificate_pdf(certificate(n))

    with fonts_read_each_time():
        before_wall, before_cpu, before = timed(make)
    after_wall, after_cpu, after = timed(make)
    if before != after:
        raise SystemExit("a certificate's bytes changed with the fonts read once")
    result = {
        "certificates": COUNT,
        "before_seconds": round(before_wall, 4),
        "before_cpu_seconds": round(before_cpu, 4),
        "after_seconds": round(after_wall, 4),
        "after_cpu_seconds": round(after_cpu, 4),
        "speed_up": round(before_cpu / after_cpu, 1),
        "load_average": os.getloadavg()[0],
    }
    print(
        f"certificate PDF: {before_wall:.3f} s each (CPU {before_cpu:.3f} s) with fpdf2 reading the fonts per "
        f"document; {after_wall:.3f} s (CPU {after_cpu:.3f} s) with the fonts read once: {result['speed_up']}x "
        f"less CPU; same bytes; {COUNT} certificates, load average {result['load_average']:.1f}"
    )
    return result


if __name__ == "__main__":
    main()
