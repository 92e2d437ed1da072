"""`make bench` part `web` (docs/performance.md): every page, list, report and API list of an organisation the size
of a large group, timed through `ordna serve` as the coordinator sees them.

`build DATA`: into the database of this process's environment (ORDNA_DATA_DIR, DATABASE_URL), the generated
organisation of DATA (bench/generate.py: people.csv, accounts-NN.csv): a price list, the HR file, every
application's export, the leaver cases (the generator's end dates lie in 2026-01..10, mostly past the window in
which a case opens by itself, so its last two months' leavers are taken as late news in the HR file: about 2,400
cases, as in issue 24's reference), a coordinator, and the month-end figures (as the daily job
writes them). `measure`: starts `ordna serve` on a free port, signs in as the coordinator, finds the URLs (every
page of the URL configuration that takes no argument, the last page of each list, a detail page of each kind, and
every GET of the API's OpenAPI document that takes no path parameter), requests each BENCH_WEB_ROUNDS times
after a warm-up, then four clients at once on the heaviest pages, sampling the server's memory (the resident set of
its process tree) all along. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")

USERNAME = "coordinator"
PASSWORD = "bench-coordinator-2026"  # noqa: S105 - a throw-away database's user
ROUNDS = int(os.environ.get("BENCH_WEB_ROUNDS", "20"))
# Pages that change something, sign out, or stream a whole table as a file (not a page to answer at once).
SKIP = re.compile(r"logout|export|\.csv|\.xlsx|\.pdf|download|/new/|/add/|language|healthz|readyz|openapi|/docs")


def build(data: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from ordna.accounts.importing import accounts_import
    from ordna.accounts.services import licenses_import
    from ordna.core.actor import Actor
    from ordna.core.clock import today
    from ordna.core.models import Role
    from ordna.core.services import token_create, user_add
    from ordna.lifecycle.services import cases_open_due
    from ordna.people.services import people_import
    from ordna.reports.figures import add_months, month_label

    call_command("migrate", verbosity=0)
    actor, day = Actor.system("bench"), today()
    started = time.perf_counter()
    files = sorted(data.glob("accounts-??.csv"))
    prices = data / "prices.csv"
    with prices.open("w", encoding="utf-8") as out:
        out.write("application,license,monthly_cost,currency,seats\n")
        for path in files:
            app = "app-" + path.stem[-2:]
            for name, cost in (("Standard", Decimal("120")), ("Pro", Decimal("390")), ("Standard+Addon", Decimal(45))):
                out.write(f"{app},{name},{cost},{'EUR' if path.stem.endswith('7') else 'SEK'},\n")
    people = people_import(path=data / "people.csv", actor=actor, today=day, allow_mass_change=True)
    assert people.outcome == "applied", people.errors[:3]  # noqa: S101
    assert licenses_import(path=prices, actor=actor, today=day).outcome == "applied"  # noqa: S101
    for path in files:
        result = accounts_import(
            application_slug="app-" + path.stem[-2:],
            create_application=True,
            path=path,
            actor=actor,
            today=day,
            preset="generic",
            allow_mass_change=True,
        )
        assert result.outcome == "applied", (path, result.errors[:3])  # noqa: S101
    from django.db.models import Max

    from ordna.people.models import Person

    last_end = Person.objects.aggregate(last=Max("end_date"))["last"]
    late = (
        list(Person.objects.filter(end_date__gt=last_end - timedelta(days=61)).values_list("employee_id", flat=True))
        if last_end
        else []
    )
    cases = cases_open_due(actor=actor, today=day, newly_ended=late)
    coordinator = user_add(username=USERNAME, roles=[Role.COORDINATOR], actor=actor, password=PASSWORD)
    (Path(os.environ["ORDNA_DATA_DIR"]) / "bench-token").write_text(
        token_create(user=coordinator, actor=actor, name="bench")
    )
    call_command("report", "rebuild", "--from", month_label(add_months(day.replace(day=1), -12)), verbosity=0)
    from ordna.accounts.models import Account, Finding
    from ordna.lifecycle.models import Case

    built = {
        "build_seconds": time.perf_counter() - started,
        "people": people.counts()["created"],
        "accounts": Account.objects.count(),
        "findings_open": Finding.objects.filter(state="open").count(),
        "cases": Case.objects.count(),
        "cases_opened": len(getattr(cases, "opened", []) or []),
    }
    (Path(os.environ["ORDNA_DATA_DIR"]) / "bench-build.json").write_text(json.dumps(built))
    return built


def commands(data: Path) -> dict[str, Any]:
    """The two command-line budgets (issue 24): `ordna reconcile` of every application with nothing changed
    since the build's reconcile, and a price list with one price changed (`ordna import licenses`), each timed
    in the process as the command runs it."""
    import django

    django.setup()
    from django.core.management import call_command

    from ordna.accounts.services import licenses_import
    from ordna.core.actor import Actor
    from ordna.core.clock import today

    call_command("migrate", verbosity=0)  # a build made by an earlier state of the code: brought to this one's
    call_command("reconcile", verbosity=0)  # the build's imports leave the digests; this one settles them
    started = time.perf_counter()
    call_command("reconcile", verbosity=0)
    unchanged = time.perf_counter() - started
    prices = data / "prices.csv"
    changed = Path(os.environ["ORDNA_DATA_DIR"]) / "prices-changed.csv"
    rows = prices.read_text(encoding="utf-8").splitlines()
    first = rows[1].split(",")
    first[2] = str(Decimal(first[2]) + 1)  # one licence a unit dearer
    changed.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
    started = time.perf_counter()
    outcome = licenses_import(path=changed, actor=Actor.system("bench"), today=today()).outcome
    repriced = time.perf_counter() - started
    assert outcome == "applied", outcome  # noqa: S101
    return {"reconcile_unchanged_seconds": unchanged, "price_change_seconds": repriced}


def reuse() -> dict[str, Any]:
    """A database `build` left in ORDNA_DATA_DIR (BENCH_WEB_DATA_DIR): brought to this code's migrations (an
    index added since is built now), with the figures of its build."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    built = json.loads((Path(os.environ["ORDNA_DATA_DIR"]) / "bench-build.json").read_text())
    return {**built, "reused": os.environ["ORDNA_DATA_DIR"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_rss_mb(pid: int) -> float:
    """The resident memory of `pid` and its descendants, from /proc (MB)."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, AttributeError):
            continue
    return total / 1024


def _urls() -> list[str]:
    """Every page of the URL configuration that takes no argument (the API apart)."""
    import django

    django.setup()
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("api/"):
                    continue
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route and "^" not in route:
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted({url for url in found if not SKIP.search(url)})


def _api_lists(session: Any, base: str) -> list[str]:
    document = session.get(f"{base}/api/openapi.json", timeout=60).json()
    return sorted(
        path
        for path, operations in document.get("paths", {}).items()
        if "get" in operations and "{" not in path and not SKIP.search(path)
    )


def _deep(session: Any, base: str, pages: list[str]) -> list[str]:
    """The last page of each paged list, the reports' heavy variants, and a detail page of each kind."""
    deeper = []
    for url in pages:
        body = session.get(base + url, timeout=120).text
        numbers = [int(n) for n in re.findall(r"[?&]page=(\d+)", body)]
        # The last page, as the page says it ("Page 1 of 13,862"): its OFFSET is the deepest.
        numbers += [int(re.sub(r"\D", "", n)) for n in re.findall(r"Page 1 of ([\d,.\s\xa0]*\d)", body)]
        if numbers and max(numbers) > 1:
            deeper.append(f"{url}?page={max(numbers)}")
        for link in re.findall(r'href="(/(?:people|accounts|cases|devices|applications)/\d+/)"', body)[:1]:
            deeper.append(link)
    return sorted(set(deeper))


def measure() -> dict[str, Any]:
    import requests

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - our own command
        [
            str(Path(sys.executable).parent / "ordna"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-worker",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(server.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for _attempt in range(600):
            try:
                if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise SystemExit("ordna serve did not answer /healthz")
        session = requests.Session()
        api = requests.Session()  # the API takes a token, as its clients do
        token = (Path(os.environ["ORDNA_DATA_DIR"]) / "bench-token").read_text()
        api.headers["Authorization"] = f"Bearer {token}"
        session.get(f"{base}/login/", timeout=30)
        signed_in = session.post(
            f"{base}/login/",
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": f"{base}/login/"},
            timeout=30,
        )
        assert "/login/" not in signed_in.url, "signing in as the coordinator failed"  # noqa: S101
        from ordna.core.clock import today

        month = today().replace(day=1)
        last_month = (month - timedelta(days=1)).replace(day=1)
        pages = _urls()
        pages += [f"/reports/monthly/?month={month:%Y-%m}", f"/reports/monthly/?month={last_month:%Y-%m}"]
        apis = _api_lists(session, base)
        apis += [f"/api/v1/reports/monthly?month={month:%Y-%m}"]
        timings: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        urls = []
        for url in ["/api/v1/me", *pages, *_deep(session, base, pages), *apis]:  # warm-up; forms to post skipped
            client = api if url.startswith("/api/") else session
            statuses[url] = client.get(base + url, timeout=300).status_code
            if statuses[url] == 200:
                urls.append(url)
        skipped = {url: status for url, status in statuses.items() if status != 200}
        for _round in range(ROUNDS):
            for url in urls:
                client = api if url.startswith("/api/") else session
                started = time.perf_counter()
                answer = client.get(base + url, timeout=300)
                timings.setdefault(url, []).append(time.perf_counter() - started)
                statuses[url] = answer.status_code
        sequential_peak = peak[0]
        heavy = [
            "/reports/",
            "/reports/licenses/",
            f"/reports/monthly/?month={month:%Y-%m}",
            f"/reports/monthly/?month={last_month:%Y-%m}",
        ]
        heavy += sorted(timings, key=lambda u: -statistics.median(timings[u]))[:4]
        concurrent: dict[str, list[float]] = {}

        def client() -> None:
            mine = requests.Session()
            mine.cookies.update(session.cookies)
            for _round in range(max(ROUNDS // 4, 2)):
                for url in heavy:
                    started = time.perf_counter()
                    mine.get(base + url, timeout=600)
                    concurrent.setdefault(url, []).append(time.perf_counter() - started)

        clients = [threading.Thread(target=client) for _n in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    finally:
        done.set()
        sampler.join()
        os.killpg(server.pid, 15)
        server.wait(timeout=60)

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "rounds": ROUNDS,
        "urls": {u: {"p50": p(v, 0.5), "p95": p(v, 0.95), "status": statuses[u]} for u, v in timings.items()},
        "concurrent": {u: {"p50": p(v, 0.5), "p95": p(v, 0.95)} for u, v in concurrent.items()},
        "peak_mb_sequential": sequential_peak,
        "skipped": skipped,
        "peak_mb": peak[0],
    }


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "build":
        print(json.dumps(build(Path(sys.argv[2]))))
    elif what == "commands":
        print(json.dumps(commands(Path(sys.argv[2]))))
    elif what == "reuse":
        print(json.dumps(reuse()))
    else:
        import django

        django.setup()
        print(json.dumps(measure()))
