"""Benchmark of the pages officials and supervisors use, on province-scale data in PostgreSQL, against targets.

Not a test (nothing here fails on a time): run it by hand or with ``make benchmark``.

    .venv/bin/python benchmarks/pages_benchmark.py                        # 1,446 villages, 5 years
    .venv/bin/python benchmarks/pages_benchmark.py --villages 100 --years 1 --requests 50   # a quick look

**It drops and creates the database** ``--database`` (``tracker_bench``) on the PostgreSQL server of
``--server-url``, builds it with the migrations and fills it with ``flask load-synthetic`` (``--keep`` keeps
it afterwards; ``--reuse`` uses what a kept run left instead of filling it again). Then, for each page:

* **server time**, 50th and 95th percentile: ``--requests`` requests (after 5 to warm up) through the Flask
  test client, in this process, signed in as the page's user; the time from the request to the last byte;
* **SQL statements** per request (SQLAlchemy's ``before_cursor_execute``, every statement counted);
* **bytes sent to the phone**, compressed as the server sends them to a browser that accepts Brotli and gzip:
  status line, headers and body of the page and of everything it loads (style sheets, scripts, images and
  icons it references, the manifest), on a **first visit** (nothing cached) and on a **repeat visit** (what
  the server said may be kept is not asked for again; everything else is asked for with its ETag: 304);

then the monthly export (CSV and XLSX of the province's previous month, time and peak memory, measured by
``export_benchmark.py``'s own child process); the **requests per second** of the official's home page and of
a bare Flask "hello" route, both served by the same gunicorn (2 sync workers) in the same run (``hello_wsgi.py``
mounts the hello app beside the tracker), with ``--clients`` concurrent clients for ``--seconds`` each; and
the **visit form ready to type in** on a first visit in headless Chromium with the network throttled by CDP
(1.6 Mbps down, 750 kbps up, 150 ms round trip), signed in. The table is printed and written to
``benchmarks/results/pages-<date>.md`` with the machine and its load average.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import _database_url  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import OPEN_STATUSES, Category, Commune, Concern, User  # noqa: E402
from tracker.passwords import hash_password  # noqa: E402
from tracker.places import ensure_default_categories, load_communes  # noqa: E402
from tracker.synthetic import load_synthetic, summary  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "benchmark-password-2026"  # also export_benchmark.py's, whose child signs in as its SUPERVISOR
EXPORT_SUPERVISOR = "bench.supervisor"
ACCEPT_ENCODING = "br, gzip, deflate"
TARGET_P95_MS = 50
TARGET_QUERIES = 15
TARGET_FIRST_KB = 50
TARGET_REPEAT_KB = 15
TARGET_RATIO = 1 / 3
TARGET_READY_S = 2.0
PORT = 8791
# (label, path) of the tracker's own routes measured beside "hello" and the home page, signed out.
YARDSTICKS = [
    ("health check: one SQL statement, JSON, no session", "/healthz"),
    ("sign-in page: a template, a form, no user", "/login"),
]


def bench_config(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "benchmark-secret",
        "RATELIMIT_ENABLED": False,  # the public look-up is asked hundreds of times from one address
        "TESTING": False,
    }


# --- The database --------------------------------------------------------------------------------------


def make_database(server_url: str, name: str) -> str:
    engine = sa.create_engine(_database_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(_database_url(server_url)).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    engine = sa.create_engine(_database_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def fill(app, villages: int, years: int) -> tuple[list[str], float]:
    with app.app_context():
        upgrade()
        load_communes(app.config["PROVINCE_CODE"])
        ensure_default_categories()
        started = time.perf_counter()
        counts = load_synthetic(villages=villages, years=years, password_hash=hash_password(PASSWORD), progress=print)
        seconds = time.perf_counter() - started
        db.session.add(
            User(
                username=EXPORT_SUPERVISOR,
                full_name="Benchmark",
                role="supervisor",
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()
    return list(summary(counts)), seconds


def pick_subjects(app) -> dict:
    """The busiest official (most open concerns assigned), their commune's supervisor, a province supervisor,
    the official's concern with the longest timeline, and a reference code for the public look-up."""
    with app.app_context():
        open_assigned = (
            sa.select(Concern.assignee_id, sa.func.count().label("n"))
            .where(Concern.status.in_(OPEN_STATUSES), Concern.assignee_id.is_not(None))
            .group_by(Concern.assignee_id)
            .order_by(sa.text("n DESC"))
            .limit(1)
        )
        official_id, open_count = db.session.execute(open_assigned).one()
        official = db.session.get(User, official_id)
        supervisor = db.session.scalar(
            sa.select(User).where(User.role == "supervisor", User.commune_id == official.commune_id).limit(1)
        )
        province = db.session.scalar(
            sa.select(User).where(
                User.role == "supervisor", User.commune_id.is_(None), User.username != EXPORT_SUPERVISOR
            )
        )
        concern = db.session.scalar(
            sa.select(Concern)
            .where(Concern.assignee_id == official_id, Concern.status.in_(OPEN_STATUSES))
            .order_by(Concern.version.desc(), Concern.id)
            .limit(1)
        )
        category = db.session.scalar(sa.select(Category.id).where(Category.code == "roads"))
        commune = db.session.get(Commune, official.commune_id)
        return {
            "official": official.username,
            "official_open": open_count,
            "supervisor": supervisor.username,
            "province": province.username,
            "concern": concern.id,
            "code": concern.reference_code,
            "category": category,
            "commune": commune.id,
            "commune_name": commune.name,
        }


def pages(s: dict) -> list[tuple[str, str, str]]:
    """(label, user or None, address) of every page measured."""
    filters = f"status=open&overdue=y&category={s['category']}&commune={s['commune']}&q=duong&sort=priority"
    return [
        ("Home (official)", s["official"], "/"),
        ("My concerns", s["official"], "/concerns/mine"),
        ("Log a visit (form)", s["official"], "/visits/new"),
        ("A concern", s["official"], f"/concerns/{s['concern']}"),
        ("Review, province", s["province"], "/review/"),
        ("Review, commune", s["supervisor"], "/review/"),
        ("Review list, no filter", s["province"], "/review/concerns"),
        ("Review list, filters", s["province"], f"/review/concerns?{filters}"),
        ("Coverage", s["province"], "/review/coverage"),
        ("Trends", s["province"], "/review/trends"),
        ("Public look-up", None, f"/track/{s['code']}"),
    ]


# --- Server time, SQL statements and bytes, through the test client -------------------------------------


def client_for(app, username: str | None):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    if username:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, (username, response.status_code)
    return client


def wire_size(response) -> int:
    """Bytes on the wire: status line, headers and the body as sent (compressed when it is)."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items())
    return head + 2 + len(response.get_data())


def resources(html: str) -> list[str]:
    """What a browser loads for the page: style sheets, scripts, images, the icon and the manifest."""
    found = []
    for tag in re.findall(r"<(?:link|script|img)\b[^>]*>", html):
        rel = re.search(r'\brel="([^"]+)"', tag)
        if tag.startswith("<link") and (not rel or rel.group(1) not in ("stylesheet", "icon", "manifest")):
            continue
        url = re.search(r'\b(?:href|src)="([^"]+)"', tag)
        if url and url.group(1).startswith("/") and url.group(1) not in found:
            found.append(url.group(1).replace("&amp;", "&"))
    return found


def page_bytes(client, url: str) -> dict:
    headers = {"Accept-Encoding": ACCEPT_ENCODING}
    page = client.get(url, headers=headers)
    html = client.get(url).get_data(as_text=True)
    first = repeat = wire_size(page)
    detail = []
    for resource in resources(html):
        response = client.get(resource, headers=headers)
        size = wire_size(response)
        first += size
        cache = response.headers.get("Cache-Control", "")
        if "immutable" in cache or re.search(r"max-age=[1-9]", cache):
            again = 0  # kept by the browser: not asked for
        else:
            conditional = dict(headers)
            if etag := response.headers.get("ETag"):
                conditional["If-None-Match"] = etag
            if modified := response.headers.get("Last-Modified"):
                conditional["If-Modified-Since"] = modified
            again = wire_size(client.get(resource, headers=conditional))
        repeat += again
        detail.append((resource.split("?")[0], response.headers.get("Content-Encoding", "-"), size, again))
    return {"first": first, "repeat": repeat, "html": wire_size(page), "resources": detail}


def measure_page(app, client, url: str, requests: int) -> dict:
    statements = []

    def count(*args):
        statements.append(1)

    for _ in range(5):
        assert client.get(url).status_code == 200, url
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        statements.clear()
        client.get(url)
        queries = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "queries": queries,
    } | page_bytes(client, url)


# --- The monthly export --------------------------------------------------------------------------------


def export_figures(database_url: str) -> dict:
    with create_app(bench_config(database_url)).app_context():
        from tracker.exports.scope import default_month

        month = str(default_month())
    results = {"month": month}
    for name in ("csv", "xlsx"):
        command = [sys.executable, str(ROOT / "benchmarks" / "export_benchmark.py"), "--database-url", database_url]
        output = subprocess.run(
            [*command, "--month", month, "--child", name], check=True, capture_output=True, text=True
        )
        results[name] = json.loads(output.stdout.strip().splitlines()[-1])
    return results


# --- Throughput under gunicorn, and the browser --------------------------------------------------------


def start_gunicorn(database_url: str, port: int) -> subprocess.Popen:
    env = os.environ | {"BENCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--chdir", str(ROOT / "benchmarks"), "--log-level", "warning", "hello_wsgi:application"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/hello/", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def sign_in_cookie(port: int, username: str) -> str:
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def requests_per_second(port: int, path: str, cookie: str | None, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds
    headers = {"Accept-Encoding": ACCEPT_ENCODING, "Accept-Language": "vi"} | ({"Cookie": cookie} if cookie else {})

    def run(n: int) -> None:
        while time.perf_counter() < stop:
            connection = HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                done[n] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def browser_ready(port: int, cookie: str) -> dict:
    """First visit to the visit form, signed in, on a throttled network: when the first field can be typed in."""
    from playwright.sync_api import sync_playwright

    name, value = cookie.split("=", 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
        context.add_cookies([{"name": name, "value": value, "url": f"http://127.0.0.1:{port}"}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8},
        )
        page.add_init_script(
            """
            window.__lcp = 0;
            new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lcp = e.startTime; })
              .observe({type: 'largest-contentful-paint', buffered: true});
            """
        )
        page.goto(f"http://127.0.0.1:{port}/visits/new", wait_until="commit")
        field = page.locator("main form select:visible, main form input:not([type=hidden]):visible").first
        field.wait_for(state="visible", timeout=30_000)
        ready_now = page.evaluate("performance.now()")
        assert field.is_enabled()
        page.wait_for_load_state("load")
        timing = page.evaluate(
            """() => {
              const n = performance.getEntriesByType('navigation')[0];
              const fcp = performance.getEntriesByName('first-contentful-paint')[0];
              return {ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                      fcp: fcp ? fcp.startTime : null, lcp: window.__lcp,
                      bytes: performance.getEntriesByType('resource').reduce((a, r) => a + r.transferSize,
                             n.transferSize)};
            }"""
        )
        browser.close()
    # The field is in the server's HTML: ready once the page is parsed and painted; the polling above is the
    # upper bound.
    timing["ready"] = max(timing["dcl"], timing["fcp"] or 0)
    timing["ready_polled"] = ready_now
    return timing


# --- The report ----------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    if (value <= target) if lower_is_better else (value >= target):
        return "met"
    if lower_is_better:
        return f"**missed** by {value - target:.3g} ({(value / target - 1) * 100:.0f}% over)"
    return f"**missed** by {target - value:.3g} ({(1 - value / target) * 100:.0f}% short)"


def write_report(context: dict, rows: list, export: dict | None, throughput: dict | None, browser: dict | None) -> Path:
    now = datetime.now(UTC)
    lines = [
        f"# Pages benchmark, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {context['machine']}",
        f"- Load average (1, 5, 15 min): {context['load_before']} before, {context['load_after']} after "
        "(the machine is shared with other work: read the times with it in mind)",
        f"- Database: PostgreSQL {context['postgres']}, {context['data']}",
        f"- Filled by `flask load-synthetic --villages {context['villages']} --years {context['years']}` "
        f"in {context['fill_seconds']:.0f} s"
        if context.get("fill_seconds")
        else "- Data reused from a kept run",
        f"- Users: official `{context['subjects']['official']}` ({context['subjects']['official_open']} open concerns "
        f"assigned), commune supervisor `{context['subjects']['supervisor']}` ({context['subjects']['commune_name']}), "
        f"province supervisor `{context['subjects']['province']}`",
        f"- Server time: {context['requests']} requests per page after 5 to warm up, Flask test client in one "
        "process (no network), from the request to the last byte; statements counted on one request",
        f"- Bytes: status line, headers and body as sent to a browser accepting `{ACCEPT_ENCODING}`; first visit: "
        "the page and everything it loads; repeat visit: the page again, what may be kept is not asked for, the "
        "rest is asked for with its ETag (304)",
        "",
        f"## Pages (targets: p95 < {TARGET_P95_MS} ms, at most {TARGET_QUERIES} SQL statements, first visit < "
        f"{TARGET_FIRST_KB} KB, repeat < {TARGET_REPEAT_KB} KB)",
        "",
        "| page | p50 ms | p95 ms | p95 target | SQL | first visit KB | first target | repeat KB | repeat target |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | --- |",
    ]
    for label, url, r in rows:
        first, repeat = r["first"] / 1024, r["repeat"] / 1024
        lines.append(
            f"| {label} `{url.split('?')[0]}` | {r['p50']:.1f} | {r['p95']:.1f} | {verdict(r['p95'], TARGET_P95_MS)} "
            f"| {r['queries']} {'' if r['queries'] <= TARGET_QUERIES else '(over ' + str(TARGET_QUERIES) + ')'} "
            f"| {first:.1f} | {verdict(first, TARGET_FIRST_KB)} | {repeat:.1f} | {verdict(repeat, TARGET_REPEAT_KB)} |"
        )
    if context.get("uncached"):
        lines += [
            "",
            "The review's counts, the communes' rows, the trends and the lists' totals are kept in the process until "
            "the data changes "
            "(`tracker/review/cache.py`), so the review pages above read them kept. Computed at every request, as "
            "the first request after a change does:",
            "",
            "| page | p50 ms | p95 ms | p95 target | SQL |",
            "| --- | ---: | ---: | --- | ---: |",
        ]
        for label, url, r in context["uncached"]:
            lines.append(
                f"| {label} `{url.split('?')[0]}` | {r['p50']:.1f} | {r['p95']:.1f} "
                f"| {verdict(r['p95'], TARGET_P95_MS)} | {r['queries']} |"
            )
    for label, url, r in rows[2:3]:
        lines += ["", f"What a visit to {label.lower()} loads (bytes on the wire, first visit / repeat visit):", ""]
        lines += [f"- `{url.split('?')[0]}` (the page): {r['html']:,} / {r['html']:,}"]
        lines += [f"- `{res}` ({enc}): {first:,} / {again:,}" for res, enc, first, again in r["resources"]]
    if export:
        lines += [
            "",
            f"## Monthly export, the whole province, {export['month']}",
            "",
            "| file | rows | seconds | peak memory MB (VmHWM) | size MB |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name in ("csv", "xlsx"):
            e = export[name]
            rows_note = e["lines"] - 1 if name == "csv" else "-"
            lines.append(
                f"| {name} | {rows_note} | {e['seconds']:.2f} | {e['maxrss_mb']:.0f} | {e['bytes'] / 2**20:.1f} |"
            )
    if throughput:
        ratio = throughput["home"] / throughput["hello"]
        lines += [
            "",
            f"## Throughput: gunicorn, 2 sync workers, {throughput['clients']} clients for "
            f"{throughput['seconds']:.0f} s each (target: home >= 1/3 of hello)",
            "",
            "| route | requests/s |",
            "| --- | ---: |",
            f"| bare Flask `/hello` | {throughput['hello']:.0f} |",
            f"| official's home `/` | {throughput['home']:.0f} |",
            f"| ratio home / hello | {ratio:.2f} ({verdict(ratio, TARGET_RATIO, lower_is_better=False)}) |",
            "",
            "Where the time goes, the same server and clients (requests/s, and the share of hello's):",
            "",
            "| route | requests/s | of hello |",
            "| --- | ---: | ---: |",
            *(
                f"| {label} `{path}` | {rate:.0f} | {rate / throughput['hello']:.2f} |"
                for label, path, rate in throughput.get("steps", [])
            ),
            "",
            "The load generator runs on the same 2 cores as the server.",
        ]
    if browser:
        lines += [
            "",
            "## The visit form on a slow network (headless Chromium, CDP: 1.6 Mbps down, 750 kbps up, 150 ms "
            "round trip, cache disabled, signed in, 390x844)",
            "",
            "| figure | seconds |",
            "| --- | ---: |",
            f"| first byte of the page | {browser['ttfb'] / 1000:.2f} |",
            f"| first contentful paint | {(browser['fcp'] or 0) / 1000:.2f} |",
            f"| DOMContentLoaded | {browser['dcl'] / 1000:.2f} |",
            f"| **first field ready to type in** (parsed and painted) | **{browser['ready'] / 1000:.2f}** "
            f"({verdict(browser['ready'] / 1000, TARGET_READY_S)}, target < {TARGET_READY_S:.0f} s) |",
            f"| the same, seen by polling from Playwright (an upper bound) | {browser['ready_polled'] / 1000:.2f} |",
            f"| largest contentful paint | {browser['lcp'] / 1000:.2f} |",
            f"| load event | {browser['load'] / 1000:.2f} |",
            f"| bytes transferred (page and resources) | {browser['bytes'] / 1024:.1f} KB |",
        ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"pages-{now:%Y-%m-%d}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="tracker_bench", help="dropped and created (tracker_bench)")
    parser.add_argument("--villages", type=int, default=1446)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (200)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput (4)")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of load per route (15)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-server", action="store_true", help="no gunicorn throughput and no browser")
    args = parser.parse_args()

    context = {"machine": machine(), "load_before": load_average(), "villages": args.villages, "years": args.years}
    context["requests"] = args.requests
    if args.reuse:
        database_url = sa.make_url(_database_url(args.server_url)).set(database=args.database)
        database_url = database_url.render_as_string(hide_password=False)
    else:
        database_url = make_database(args.server_url, args.database)
    app = create_app(bench_config(database_url))
    try:
        if not args.reuse:
            print(f"Filling {args.database} …", flush=True)
            data, context["fill_seconds"] = fill(app, args.villages, args.years)
            print("\n".join(data), f"in {context['fill_seconds']:.0f} s", flush=True)
        with app.app_context():
            context["postgres"] = db.session.scalar(sa.text("SHOW server_version"))
            counts = {
                name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                for name in ("villages", "users", "visits", "concerns", "concern_events")
            }
            context["data"] = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())
        context["subjects"] = subjects = pick_subjects(app)
        rows = []
        clients = {}
        for label, user, url in pages(subjects):
            if args.only and args.only.lower() not in label.lower():
                continue
            client = clients.get(user) or clients.setdefault(user, client_for(app, user))
            r = measure_page(app, client, url, args.requests)
            rows.append((label, url, r))
            print(
                f"  {label:24} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  {r['queries']:2d} SQL  "
                f"first {r['first'] / 1024:5.1f} KB  repeat {r['repeat'] / 1024:5.1f} KB",
                flush=True,
            )
        # The review's heavy numbers are kept until the data changes (tracker/review/cache.py): the pages above
        # read them kept; measured again here computing them at every request, as the first request after a change.
        uncached = []
        app.config["REVIEW_CACHE"] = False
        for label, user, url in pages(subjects):
            if url.startswith("/review/") and (not args.only or args.only.lower() in label.lower()):
                r = measure_page(app, clients[user], url, max(20, args.requests // 4))
                uncached.append((label, url, r))
                print(
                    f"  {label:24} computed at each request: p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms", flush=True
                )
        app.config["REVIEW_CACHE"] = True
        context["uncached"] = uncached
        export = None if args.no_export else export_figures(database_url)
        if export:
            for name in ("csv", "xlsx"):
                print(
                    f"  export {name}: {export[name]['seconds']:.2f} s, {export[name]['maxrss_mb']:.0f} MB", flush=True
                )
        throughput = browser = None
        if not args.no_server:
            server = start_gunicorn(database_url, PORT)
            try:
                cookie = sign_in_cookie(PORT, subjects["official"])
                for path, c in (("/hello/", None), ("/", cookie)):  # warm up both workers
                    requests_per_second(PORT, path, c, args.clients, 2)
                hello = requests_per_second(PORT, "/hello/", None, args.clients, args.seconds)
                home = requests_per_second(PORT, "/", cookie, args.clients, args.seconds)
                throughput = {"hello": hello, "home": home, "clients": args.clients, "seconds": args.seconds}
                print(f"  hello {hello:.0f}/s, home {home:.0f}/s, ratio {home / hello:.2f}", flush=True)
                # Yardsticks between the two, to see where the time goes: the tracker answering with one
                # statement and no page (the health check), and a page with no one signed in (sign-in form).
                throughput["steps"] = [
                    (label, path, requests_per_second(PORT, path, None, args.clients, args.seconds / 3))
                    for label, path in YARDSTICKS
                ]
                for _ in range(4):  # a server that has served the form before (the browser's cache is what is cold)
                    requests_per_second(PORT, "/visits/new", cookie, 1, 0.01)
                browser = browser_ready(PORT, cookie)
                print(f"  visit form ready in {browser['ready'] / 1000:.2f} s (LCP {browser['lcp'] / 1000:.2f} s)")
            finally:
                server.terminate()
                server.wait(10)
        context["load_after"] = load_average()
        path = write_report(context, rows, export, throughput, browser)
        print(f"Written to {path.relative_to(ROOT)}")
    finally:
        with app.app_context():
            db.engine.dispose()
        if not args.keep:
            drop_database(args.server_url, args.database)


if __name__ == "__main__":
    main()
