"""Load and fault test of the JSON API: 50 officials send visits through POST /api/v1/visits for 60 seconds.

Run by hand (not in CI, not a test): it needs a PostgreSQL server, Redis and a few free ports on loopback.

    .venv/bin/python benchmarks/load_test.py                              # normal run
    .venv/bin/python benchmarks/load_test.py --fault kill-worker          # SIGKILL a gunicorn worker at mid-run
    .venv/bin/python benchmarks/load_test.py --fault restart-postgres     # restart PostgreSQL at mid-run

What it does:

1. **Throws away and creates** the PostgreSQL database ``--database`` (``tracker_load``) on the server of
   ``--server-url``, builds the schema with the migrations, loads the province's communes and categories,
   villages in ``--communes`` communes and ``--clients`` officials spread over them, each with a personal API
   token.
2. Serves the app with gunicorn (``--workers`` sync workers, ``TRACKER_CONFIG=production``, Flask-Limiter
   counting in Redis at ``--redis-url``) on ``127.0.0.1:--port``.
3. Starts one thread per official. Each sends visits with 1-3 concerns, one after the other, for
   ``--duration`` seconds, each with its own ``client_uuid`` (and one per concern). A visit whose answer is
   not a confirmation (no answer, a timeout, a 5xx, a 429) is sent again **with the same UUIDs** after a
   growing pause (0.2 s doubling up to 5 s, with jitter) until the server confirms it (201, or 200 with
   ``created: false`` when an earlier copy had been stored without its answer reaching the client).
   A visit started before the end is followed through to its confirmation (at most ``--drain`` seconds).
4. ``--fault kill-worker`` sends SIGKILL to one gunicorn worker at mid-run (the master starts another);
   ``--fault restart-postgres`` runs ``pg_ctlcluster --skip-systemctl-redirect 15 main restart`` at mid-run
   (**this restarts the whole server**, every database on it) and notes when PostgreSQL accepts connections
   again and when the app's ``/healthz`` answers 200 again.
5. Stops gunicorn and checks in the database that every visit and concern UUID sent is stored exactly once,
   each concern under its own visit, and that nothing else is stored.

The figures (requests per second, latency percentiles of every request, errors, records sent and found, the
machine's load average) are printed and appended to ``benchmarks/results/load-<date>.md``. The load
generator runs on the same machine as the server and takes a share of its cores: read the figures as a
floor, not a ceiling.
"""

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import _database_url  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.localtime import today  # noqa: E402
from tracker.models import PRIORITIES, VISIT_KINDS, Category, Commune, User, Village  # noqa: E402
from tracker.passwords import hash_password  # noqa: E402
from tracker.places import ensure_default_categories, load_communes  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
GUNICORN_LOG = Path(tempfile.gettempdir()) / "tracker-load-gunicorn.log"
VILLAGES_PER_COMMUNE = 8
REQUEST_TIMEOUT = 15.0  # seconds; gunicorn's own worker timeout is 30 s
TITLES = [
    "Cuối bản chưa có điện lưới",
    "Nhà tạm của hộ nghèo bị dột nát",
    "Đường vào bản bị sạt lở sau mưa lớn",
    "Giếng nước cạn vào mùa khô",
    "Xin cấp lại giấy khai sinh cho cháu",
    "Trâu bò bị dịch lở mồm long móng",
]
NOTES = [
    "Họp dân tại nhà văn hoá bản, trưởng bản chủ trì.",
    "Đi từng hộ ở cuối bản, đường trơn sau mưa.",
    "",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", choices=("none", "kill-worker", "restart-postgres"), default="none")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending (default 60)")
    parser.add_argument("--clients", type=int, default=50, help="simulated officials (default 50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--server-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database of the PostgreSQL server to connect to while creating --database",
    )
    parser.add_argument("--database", default="tracker_load", help="thrown away and created again")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9", help="Flask-Limiter's storage")
    parser.add_argument("--communes", type=int, default=5, help="communes the officials are spread over")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds allowed to confirm the last visits")
    parser.add_argument("--pg-cluster", default="15 main", help="version and name for pg_ctlcluster")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    return parser.parse_args()


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


def create_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def new_api_token(user: User, name: str) -> str:
    """A personal API token for ``user``, made as the web page /account/tokens makes it; returns the secret."""
    from tracker.api.tokens import create_token

    return create_token(user, name)[1]


@dataclass
class Official:
    user_id: int
    token: str
    village_ids: list[int]


def prepare(url: str, clients: int, communes: int) -> tuple[list[Official], list[int]]:
    """Schema, communes, categories, villages and officials with their API tokens."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load-setup", "TESTING": True})
    with app.app_context():
        upgrade()
        load_communes(app.config["PROVINCE_CODE"])
        ensure_default_categories()
        category_ids = list(db.session.scalars(sa.select(Category.id).where(Category.active)))
        chosen = list(db.session.scalars(sa.select(Commune).order_by(Commune.code).limit(communes)))
        villages: dict[int, list[Village]] = {}
        for commune in chosen:
            villages[commune.id] = [
                Village(name=f"Bản thử tải {n + 1} {commune.name}", commune=commune)
                for n in range(VILLAGES_PER_COMMUNE)
            ]
            db.session.add_all(villages[commune.id])
        password_hash = hash_password(secrets.token_urlsafe(16))
        users = []
        for n in range(clients):
            commune = chosen[n % len(chosen)]
            users.append(
                User(
                    username=f"load.official{n + 1:02d}",
                    full_name=f"Cán bộ thử tải {n + 1:02d}",
                    role="official",
                    commune=commune,
                    password_hash=password_hash,
                )
            )
        db.session.add_all(users)
        db.session.commit()
        officials = []
        for user in users:
            token = new_api_token(user, "load test")
            officials.append(Official(user.id, token, [v.id for v in villages[user.commune_id]]))
        db.session.commit()
        db.engine.dispose()
    return officials, category_ids


# --- The server ------------------------------------------------------------------------------------------


def start_gunicorn(args: argparse.Namespace, url: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        TRACKER_CONFIG="production",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=url,
        RATELIMIT_STORAGE_URI=args.redis_url,
        RATELIMIT_KEY_PREFIX=f"tracker-load-{os.getpid()}",
        UPLOAD_FOLDER=str(Path("/tmp") / f"tracker-load-uploads-{os.getpid()}"),
    )
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{args.port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    log = open(GUNICORN_LOG, "w")  # noqa: SIM115 (the child writes to it)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def health(port: int) -> int | None:
    try:
        return request(port, "GET", "/healthz", timeout=2)[0]
    except OSError:
        return None


def wait_until_serving(port: int, token: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            status, _ = request(port, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on port {port} within {seconds:.0f} s")


def worker_pids(master_pid: int) -> list[int]:
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
            return [int(pid) for pid in f.read().split()]
    except FileNotFoundError:
        return []


# --- The officials ---------------------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)  # every request that got an answer, in seconds
    requests: int = 0
    errors: Counter = field(default_factory=Counter)  # by kind: timeout, connection, 500, 429 …
    retries: int = 0
    created: int = 0
    repeated: int = 0  # 200 created=false: a retry of a visit stored earlier whose answer was lost
    refused: list[str] = field(default_factory=list)  # 4xx other than 429: a bug in the payload or the API
    unconfirmed: int = 0
    sent_visits: dict[str, list[str]] = field(default_factory=dict)  # visit UUID -> its concerns' UUIDs
    max_attempts: int = 0
    timeline: list[tuple[float, str]] = field(default_factory=list)


class Officer(threading.Thread):
    def __init__(self, official: Official, category_ids, port, stop_at, give_up_at, stats: Stats, started):
        super().__init__(daemon=True)
        self.official = official
        self.category_ids = category_ids
        self.port = port
        self.stop_at = stop_at
        self.give_up_at = give_up_at
        self.stats = stats
        self.started = started
        self.random = random.Random(official.user_id)
        self.headers = {
            "Authorization": f"Bearer {official.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "vi",
        }

    def visit(self) -> dict:
        rnd = self.random
        return {
            "client_uuid": str(uuid.uuid4()),
            "village_id": rnd.choice(self.official.village_ids),
            "visit_date": (today() - timedelta(days=rnd.randrange(0, 20))).isoformat(),
            "kind": rnd.choice(list(VISIT_KINDS)),
            "attendees": rnd.choice([None, rnd.randrange(3, 120)]),
            "notes": rnd.choice(NOTES),
            "latitude": round(21.2 + rnd.random() * 0.8, 6),
            "longitude": round(102.8 + rnd.random() * 0.6, 6),
            "gps_accuracy_m": round(5 + rnd.random() * 40, 1),
            "official_ids": [],
            "concerns": [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "category_id": rnd.choice(self.category_ids),
                    "title": rnd.choice(TITLES),
                    "description": "Người dân phản ánh tại buổi làm việc.",
                    "resident_name": rnd.choice([None, "Lò Thị Dung", "Quàng Văn Pọm"]),
                    "resident_contact": rnd.choice([None, "0912 345 678"]),
                    "households_affected": rnd.choice([None, rnd.randrange(1, 40)]),
                    "priority": rnd.choice(list(PRIORITIES)),
                }
                for _ in range(rnd.randint(1, 3))
            ],
        }

    def send(self, body: bytes) -> tuple[int | None, bytes, str | None]:
        start = time.monotonic()
        try:
            status, data = request(self.port, "POST", "/api/v1/visits", body, self.headers, REQUEST_TIMEOUT)
        except TimeoutError:
            return None, b"", "timeout"
        except (OSError, http.client.HTTPException) as error:
            return None, b"", type(error).__name__
        finally:
            elapsed = time.monotonic() - start
            with self.stats.lock:
                self.stats.requests += 1
        with self.stats.lock:
            self.stats.latencies.append(elapsed)
        return status, data, None

    def run(self) -> None:
        stats = self.stats
        while time.monotonic() < self.stop_at:
            visit = self.visit()
            with stats.lock:
                stats.sent_visits[visit["client_uuid"]] = [c["client_uuid"] for c in visit["concerns"]]
            body = json.dumps(visit).encode()
            attempt = 0
            while True:
                attempt += 1
                status, data, failure = self.send(body)
                if status in (200, 201):
                    answer = json.loads(data)
                    stored = answer["visit"]
                    ok = stored["client_uuid"] == visit["client_uuid"] and len(stored["concerns"]) == len(
                        visit["concerns"]
                    )
                    with stats.lock:
                        stats.max_attempts = max(stats.max_attempts, attempt)
                        if not ok:
                            stats.refused.append(f"{status}: the answer is not the visit sent: {data[:300]!r}")
                        elif answer["created"]:
                            stats.created += 1
                        else:
                            stats.repeated += 1
                    break
                kind = failure or str(status)
                if status is not None and 400 <= status < 500 and status not in (408, 429):
                    with stats.lock:
                        stats.errors[kind] += 1
                        stats.refused.append(f"{status}: {data[:300].decode(errors='replace')}")
                    break  # refused: sending it again would not change the answer
                with stats.lock:
                    stats.errors[kind] += 1
                    stats.retries += 1
                if time.monotonic() > self.give_up_at:
                    with stats.lock:
                        stats.unconfirmed += 1
                    break
                pause = min(0.2 * 2 ** (attempt - 1), 5.0)
                time.sleep(pause * (0.5 + self.random.random()))


# --- Faults ----------------------------------------------------------------------------------------------


def note(stats: Stats, started: float, text: str) -> None:
    t = time.monotonic() - started
    with stats.lock:
        stats.timeline.append((t, text))
    print(f"  {t:6.1f} s  {text}", flush=True)


def kill_worker(master: subprocess.Popen, stats: Stats, started: float, workers: int) -> None:
    pids = worker_pids(master.pid)
    victim = random.choice(pids)
    os.kill(victim, signal.SIGKILL)
    note(stats, started, f"SIGKILL sent to gunicorn worker {victim} (of {len(pids)})")
    end = time.monotonic() + 30
    while time.monotonic() < end:
        now = worker_pids(master.pid)
        if len(now) >= workers and victim not in now:
            note(stats, started, f"the master runs {len(now)} workers again ({', '.join(map(str, now))})")
            return
        time.sleep(0.05)
    note(stats, started, "the master did not start a new worker within 30 s")


def restart_postgres(args: argparse.Namespace, url: str, stats: Stats, started: float) -> dict:
    version, name = args.pg_cluster.split()
    note(stats, started, f"pg_ctlcluster {version} {name} restart")
    t0 = time.monotonic()
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], capture_output=True, text=True
    )
    t1 = time.monotonic()
    note(stats, started, f"pg_ctlcluster returned {done.returncode} after {t1 - t0:.1f} s {done.stderr.strip()}")
    back = None
    while back is None and time.monotonic() < t1 + 60:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            back = time.monotonic()
        except psycopg.OperationalError:
            time.sleep(0.05)
    if back is None:
        note(stats, started, "PostgreSQL did not accept connections within 60 s")
        return {}
    note(stats, started, f"PostgreSQL accepts connections ({back - t0:.1f} s after the restart began)")
    healthy = None
    while healthy is None and time.monotonic() < back + 60:
        if health(args.port) == 200:
            healthy = time.monotonic()
        else:
            time.sleep(0.05)
    if healthy is None:
        note(stats, started, "/healthz did not answer 200 within 60 s of the database coming back")
        return {"restart_s": back - t0}
    note(stats, started, f"/healthz answers 200, {healthy - back:.2f} s after the database came back")
    return {"restart_s": back - t0, "healthz_after_s": healthy - back}


# --- The check -------------------------------------------------------------------------------------------


def check_database(url: str, sent: dict[str, list[str]]) -> dict:
    """Every visit and concern UUID sent stored exactly once, each concern under its visit, nothing else."""
    with psycopg.connect(url) as conn:
        visits = Counter(uuid for (uuid,) in conn.execute("SELECT client_uuid FROM visits"))
        concerns = Counter(uuid for (uuid,) in conn.execute("SELECT client_uuid FROM concerns"))
        pairs = dict(
            conn.execute("SELECT c.client_uuid, v.client_uuid FROM concerns c JOIN visits v ON v.id = c.visit_id")
        )
    sent_concerns = {c: v for v, cs in sent.items() for c in cs}
    return {
        "visits_sent": len(sent),
        "visits_found": sum(1 for u in sent if visits[u] >= 1),
        "visits_doubled": sum(1 for u in sent if visits[u] > 1),
        "visits_lost": sorted(u for u in sent if visits[u] == 0),
        "visits_other": sorted(u for u in visits if u not in sent),
        "concerns_sent": len(sent_concerns),
        "concerns_found": sum(1 for u in sent_concerns if concerns[u] >= 1),
        "concerns_doubled": sum(1 for u in sent_concerns if concerns[u] > 1),
        "concerns_lost": sorted(u for u in sent_concerns if concerns[u] == 0),
        "concerns_other": sorted(u for u in concerns if u not in sent_concerns),
        "concerns_misplaced": sorted(u for u, v in sent_concerns.items() if concerns[u] and pairs.get(u) != v),
    }


# --- Report ----------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def report(args, stats: Stats, check: dict, elapsed: float, sending: float, loads: dict, fault: dict) -> str:
    ms = [x * 1000 for x in stats.latencies]
    errors = sum(stats.errors.values())
    error_kinds = ", ".join(f"{n} × {k}" for k, n in stats.errors.most_common()) or "none"
    now = datetime.now(UTC)
    title = {"none": "normal run", "kill-worker": "a worker killed at mid-run"}.get(
        args.fault, "PostgreSQL restarted at mid-run"
    )
    lines = [
        f"## {title} (`--fault {args.fault}`), {now:%H:%M} UTC",
        "",
        f"{args.clients} officials, {args.duration:.0f} s of sending, gunicorn {args.workers} sync workers,"
        f" PostgreSQL `{args.database}`, Redis rate-limit storage; Python {platform.python_version()},"
        f" {os.cpu_count()} cores shared with other work. Load average (1/5/15 min): before"
        f" {loads['before']}, at mid-run {loads['middle']}, after {loads['after']}.",
        "",
        "| requests | req/s | visits confirmed/s | p50 | p95 | p99 | max | errors | records sent | records found |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {stats.requests:,} | {stats.requests / elapsed:.1f} | {(stats.created + stats.repeated) / elapsed:.1f}"
        f" | {percentile(ms, 50):.0f} ms | {percentile(ms, 95):.0f} ms | {percentile(ms, 99):.0f} ms"
        f" | {max(ms, default=float('nan')):.0f} ms | {errors}"
        f" | {check['visits_sent']:,} visits + {check['concerns_sent']:,} concerns"
        f" | {check['visits_found']:,} visits + {check['concerns_found']:,} concerns |",
        "",
        f"- Requests: every POST /api/v1/visits sent, retries included, over {elapsed:.1f} s (sending"
        f" {sending:.0f} s, then following the last visits through). Latency: every request that got an answer.",
        f"- Errors: {error_kinds}. Retries: {stats.retries} (at most {stats.max_attempts} attempts for one visit)."
        f" Visits confirmed with 201: {stats.created:,}; with 200 `created: false` (stored earlier, the answer"
        f" lost): {stats.repeated}; refused: {len(stats.refused)}; given up unconfirmed: {stats.unconfirmed}.",
        f"- In the database: doubled {check['visits_doubled']} visits and {check['concerns_doubled']} concerns;"
        f" lost {len(check['visits_lost'])} visits and {len(check['concerns_lost'])} concerns; stored but never"
        f" sent {len(check['visits_other'])} visits and {len(check['concerns_other'])} concerns; concerns under"
        f" another visit {len(check['concerns_misplaced'])}.",
    ]
    lines.append(
        f"- The server's log ({GUNICORN_LOG}) holds {fault['server_tracebacks']} errors with their traceback"
        " (a request that failed inside the app; a worker killed mid-request leaves none)."
    )
    if "restart_s" in fault:
        healthz = fault.get("healthz_after_s")
        lines.append(
            f"- PostgreSQL accepted connections again {fault['restart_s']:.1f} s after its restart began; the app's"
            + (
                f" /healthz answered 200 {healthz:.2f} s after that."
                if healthz is not None
                else " /healthz did not answer 200 within 60 s after that."
            )
        )
    if stats.timeline:
        lines += ["", "Timeline (seconds from the start of sending):", ""]
        lines += [f"- {t:.1f} s: {text}" for t, text in stats.timeline]
    if stats.refused:
        lines += ["", "First refusals:", ""] + [f"- `{r}`" for r in stats.refused[:5]]
    return "\n".join(lines) + "\n"


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    args = parse_args()
    url = database_url(args.server_url, args.database)
    loads = {"before": loadavg()}
    print(f"Creating {url} …", flush=True)
    create_database(args.server_url, args.database)
    t = time.monotonic()
    officials, category_ids = prepare(_database_url(url), args.clients, args.communes)
    print(f"  {len(officials)} officials with tokens, in {time.monotonic() - t:.1f} s", flush=True)
    server = start_gunicorn(args, url)
    try:
        wait_until_serving(args.port, officials[0].token)
        print(f"gunicorn {server.pid} serves on 127.0.0.1:{args.port}; sending for {args.duration:.0f} s …")
        stats = Stats()
        started = time.monotonic()
        stop_at = started + args.duration
        officers = [
            Officer(o, category_ids, args.port, stop_at, stop_at + args.drain, stats, started) for o in officials
        ]
        for officer in officers:
            officer.start()
        time.sleep(args.duration / 2)
        loads["middle"] = loadavg()
        fault: dict = {}
        if args.fault == "kill-worker":
            kill_worker(server, stats, started, args.workers)
        elif args.fault == "restart-postgres":
            fault = restart_postgres(args, url, stats, started)
        for officer in officers:
            officer.join()
        elapsed = time.monotonic() - started
        sending = min(elapsed, args.duration)
        loads["after"] = loadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    check = check_database(url, stats.sent_visits)
    server_log = GUNICORN_LOG.read_text(encoding="utf-8", errors="replace")
    # A chained exception logs two tracebacks: count the outermost only (one per failed request).
    fault["server_tracebacks"] = (
        server_log.count("Traceback (most recent call last)")
        - server_log.count("The above exception was the direct cause of the following exception")
        - server_log.count("During handling of the above exception, another exception occurred")
    )
    text = report(args, stats, check, elapsed, sending, loads, fault)
    print()
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"load-{datetime.now(UTC):%Y-%m-%d}.md"
        new = not path.exists()
        with open(path, "a", encoding="utf-8") as f:
            if new:
                f.write(HEADER.format(date=f"{datetime.now(UTC):%Y-%m-%d}"))
            f.write("\n" + text)
        print(f"Appended to {path.relative_to(ROOT)}")
    ok = (
        not check["visits_lost"]
        and not check["concerns_lost"]
        and not check["visits_other"]
        and not check["concerns_other"]
        and not check["visits_doubled"]
        and not check["concerns_doubled"]
        and not check["concerns_misplaced"]
        and not stats.unconfirmed
        and not stats.refused
    )
    print("Every UUID sent is stored exactly once, nothing else." if ok else "THE CHECK FAILED (see above).")
    return 0 if ok else 1


HEADER = """# Load and fault runs, {date}

Written by `benchmarks/load_test.py` (run by hand, see benchmarks/README.md). Simulated officials send visits
with 1-3 concerns through `POST /api/v1/visits` over loopback, each with its own UUIDs, retrying an unconfirmed
visit with the same UUIDs; afterwards the database must hold every visit and concern UUID sent exactly once
and nothing else. The load generator shares the machine's cores with the server (and with other sessions'
work): the figures are a floor.
"""


if __name__ == "__main__":
    sys.exit(main())
