"""Benchmark of the monthly export: 50,000 concerns resolved in one month, exported to CSV and XLSX.

Not a test (nothing here is asserted against a time): run it by hand or with ``make benchmark-export``.

    .venv/bin/python benchmarks/export_benchmark.py                      # a SQLite file in a temporary folder
    .venv/bin/python benchmarks/export_benchmark.py --database-url postgresql://postgres@127.0.0.1:5432/bench

**The database is thrown away**: a SQLite file of its own by default; with ``--database-url``, every table of
that database is dropped, the schema is built again by the migrations, and the tables are emptied at the end
(so a test database can be reused by ``pytest`` afterwards). Never point it at data you want to keep.

It fills the province (45 communes) with 1,440 villages, 45 officials, 10,000 visits and, by bulk inserts,
``--concerns`` concerns resolved in the previous local month (each with its "created", "in progress" and
"resolved" events) plus 10% more resolved the month before, which the export must leave out. Then each
export runs in a fresh process, twice: once for the time and the process's peak resident memory (VmHWM,
reset just before the export), once under ``tracemalloc`` for the peak of the Python heap (tracemalloc slows
Python down, so its run is not timed). The exports are those of the web page, through the Flask test client,
the response read piece by piece and thrown away, as a browser downloading it would:

* ``csv``: the whole province, streamed;
* ``xlsx``: the whole province, written to a temporary file then sent;
* ``csv + personal data``: also records 50,000 "export" events before streaming.

The figures are printed and appended to ``benchmarks/results/export-<date>.md``.
"""

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import TestConfig, _database_url  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.localtime import due_date  # noqa: E402
from tracker.models import (  # noqa: E402
    Category,
    Commune,
    Concern,
    ConcernEvent,
    User,
    Village,
    Visit,
    new_reference_code,
)
from tracker.passwords import hash_password  # noqa: E402
from tracker.places import ensure_default_categories, load_communes  # noqa: E402
from tracker.textsearch import fold  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "benchmark-password-2026"
SUPERVISOR = "bench.supervisor"
CHUNK = 5000
VILLAGES_PER_COMMUNE = 32
VISITS = 10_000
TITLES = [
    "Cuối bản chưa có điện lưới",
    "Nhà tạm của hộ nghèo bị dột nát",
    "Đường vào bản bị sạt lở sau mưa lớn",
    "Giếng nước cạn vào mùa khô",
    "Xin cấp lại giấy khai sinh cho cháu",
    "Trâu bò bị dịch lở mồm long móng",
    "=Tiêu đề bắt đầu bằng dấu bằng",
]
NOTES = [
    "Đã phối hợp với điện lực lắp thêm cột, kéo điện về cuối bản.",
    "Đã hỗ trợ tôn lợp lại mái theo chương trình xóa nhà tạm.",
    "Đã huy động bà con san gạt, thông đường tạm.",
    "Đã hướng dẫn làm thủ tục tại bộ phận một cửa.",
]
RESIDENTS = ["Lò Thị Xuân", "Quàng Văn Ơn", "Cà Thị Lả", "Tòng Văn Páo", "Lường Thị Hiên"]
EXPORTS = {
    "csv": {"file_format": "csv", "personal": False},
    "xlsx": {"file_format": "xlsx", "personal": False},
    "csv + personal data": {"file_format": "csv", "personal": True},
}


def make_app(database_url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(database_url)

    return create_app(Config)


# --- The data ------------------------------------------------------------------------------------------


def rebuild_schema() -> None:
    """Drop every table of the database (the migrations' too), then build the schema by the migrations."""
    metadata = sa.MetaData()
    metadata.reflect(db.engine)
    metadata.drop_all(db.engine)
    upgrade()


def bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start : start + CHUNK])


def fill(concerns: int, month, seed: int = 2026) -> dict:
    """The province with ``concerns`` concerns resolved in ``month`` (and 10% more the month before)."""
    rng = random.Random(seed)
    load_communes(11)
    ensure_default_categories()
    communes = db.session.scalars(sa.select(Commune).order_by(Commune.code)).all()
    categories = db.session.scalars(sa.select(Category.id)).all()
    now = datetime.now(UTC)

    bulk(
        Village,
        [
            {"commune_id": c.id, "name": f"Bản {n:02d} {c.name}", "name_folded": fold(f"Bản {n:02d} {c.name}")}
            | {"households": rng.randint(30, 150), "active": True, "created_at": now}
            for c in communes
            for n in range(1, VILLAGES_PER_COMMUNE + 1)
        ],
    )
    password_hash = hash_password(PASSWORD)
    users = [
        {"username": f"official.{c.code}", "full_name": f"Cán bộ {c.name}", "role": "official", "commune_id": c.id}
        for c in communes
    ]
    users.append({"username": SUPERVISOR, "full_name": "Nguyễn Thị Lan", "role": "supervisor", "commune_id": None})
    for user in users:
        user |= {"full_name_folded": fold(user["full_name"]), "password_hash": password_hash, "created_at": now}
    bulk(User, users)
    officials = dict(db.session.execute(sa.select(User.commune_id, User.id).where(User.role == "official")).all())
    supervisor = db.session.scalar(sa.select(User.id).where(User.username == SUPERVISOR))
    villages = db.session.execute(sa.select(Village.id, Village.commune_id)).all()

    start, end = month.bounds_utc()
    earlier_start, _ = month.previous().bounds_utc()
    visits, visits_of = [], {}
    for visit_id in range(1, VISITS + 1):
        village_id, commune_id = rng.choice(villages)
        day = (earlier_start + timedelta(days=rng.randint(-20, 55))).date()
        visits.append(
            {"id": visit_id, "client_uuid": str(uuid.uuid4()), "village_id": village_id, "visit_date": day}
            | {"kind": "dialogue", "notes": "", "created_by_id": officials[commune_id], "created_at": now}
        )
        visits_of.setdefault(village_id, []).append((visit_id, day))
    bulk(Visit, visits)

    codes: set[str] = set()
    concern_rows, events = [], []
    total = concerns + concerns // 10
    for concern_id in range(1, total + 1):
        this_month = concern_id <= concerns
        window = (start, end) if this_month else (earlier_start, start)
        resolved_at = window[0] + (window[1] - window[0]) * rng.random()
        created_at = resolved_at - timedelta(hours=rng.uniform(0.5, 24 * 45))
        village_id, commune_id = rng.choice(villages)
        priority = rng.choice(["normal", "normal", "high", "urgent"])
        code = new_reference_code()
        while code in codes:
            code = new_reference_code()
        codes.add(code)
        visit = rng.choice(visits_of.get(village_id, [(None, None)]))
        title = rng.choice(TITLES)
        official = officials[commune_id]
        concern_rows.append(
            {
                "id": concern_id,
                "client_uuid": str(uuid.uuid4()),
                "reference_code": code,
                "village_id": village_id,
                "visit_id": visit[0] if rng.random() < 0.6 else None,
                "category_id": rng.choice(categories),
                "title": title,
                "description": "Bà con phản ánh tại buổi đối thoại.",
                "search_folded": fold(title),
                "resident_name": rng.choice(RESIDENTS) if rng.random() < 0.5 else None,
                "resident_contact": "0912 345 678" if rng.random() < 0.3 else None,
                "households_affected": rng.randint(1, 20),
                "priority": priority,
                "due_date": due_date(created_at, priority),
                "status": "resolved",
                "assignee_id": official,
                "created_by_id": official,
                "created_at": created_at,
                "updated_at": resolved_at,
                "resolution_note": rng.choice(NOTES),
                "resolved_at": resolved_at,
                "satisfaction": rng.choice([None, None, "satisfied", "partly", "not_satisfied"]),
                "version": 3,
            }
        )
        taken = created_at + (resolved_at - created_at) / 3
        resolver = official if rng.random() < 0.8 else supervisor
        note = concern_rows[-1]["resolution_note"]
        for author, at, kind, old, new, event_note in (
            (official, created_at, "created", None, "new", None),
            (official, taken, "status", "new", "in_progress", None),
            (resolver, resolved_at, "status", "in_progress", "resolved", note),
        ):
            events.append(
                {"concern_id": concern_id, "author_id": author, "created_at": at, "kind": kind, "old_value": old}
                | {"new_value": new, "note": event_note, "public": True}
            )
        if len(concern_rows) >= CHUNK:
            bulk(Concern, concern_rows)
            bulk(ConcernEvent, events)
            concern_rows, events = [], []
    bulk(Concern, concern_rows)
    bulk(ConcernEvent, events)
    if db.engine.dialect.name == "postgresql":
        # Explicit ids were given: move the sequences past them.
        for table in ("visits", "concerns"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            db.session.execute(sa.text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))
    return {"villages": len(villages), "visits": VISITS, "concerns": total, "in_month": concerns}


def empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


# --- One export, in a process of its own ---------------------------------------------------------------


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB: VmRSS (now) or VmHWM (peak)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Reset the process's peak resident memory (VmHWM) to what it uses now (Linux 4.0 and later), so that the
    peak measured is the export's, not the start-up's. False if the system does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_export(database_url: str, month: str, name: str, traced: bool) -> dict:
    """Sign in as the province's supervisor and download one export through the web page."""
    app = make_app(database_url)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    response = client.post("/login", data={"username": SUPERVISOR, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    options = EXPORTS[name]
    data = {"month": month, "commune": "", options["file_format"]: "1"}
    if options["personal"]:
        data["include_personal_data"] = "y"
    client.get("/exports/")  # warm up: templates, catalogues, the first queries
    before = status_mb("VmRSS")
    peak_was_reset = reset_peak()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.post("/exports/", data=data, buffered=False)
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    elapsed = time.perf_counter() - started
    result = {"status": response.status_code, "bytes": size, "lines": lines, "rss_before_mb": before}
    if traced:
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        result["seconds"] = elapsed
        if peak_was_reset:
            result["maxrss_mb"] = status_mb("VmHWM")
        else:  # the whole process's peak, start-up included
            result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if options["personal"]:
        with app.app_context():
            result["export_events"] = db.session.scalar(sa.select(sa.func.count()).where(ConcernEvent.kind == "export"))
            db.session.execute(sa.delete(ConcernEvent).where(ConcernEvent.kind == "export"))  # for the next run
            db.session.commit()
    return result


def measure(database_url: str, month: str, name: str, traced: bool) -> dict:
    command = [sys.executable, __file__, "--database-url", database_url, "--month", month, "--child", name]
    if traced:
        command.append("--traced")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- Main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a throwaway database (default: a SQLite file in a temporary folder)")
    parser.add_argument("--concerns", type=int, default=50_000, help="concerns resolved in the month (50,000)")
    parser.add_argument("--month", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_export(args.database_url, args.month, args.child, args.traced)))
        return

    folder = tempfile.TemporaryDirectory(prefix="export-benchmark-")
    database_url = args.database_url or f"sqlite:///{folder.name}/benchmark.sqlite"
    kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    app = make_app(database_url)
    with app.app_context():
        from tracker.exports.scope import default_month

        month = default_month()
        print(f"Filling {kind} with {args.concerns:,} concerns resolved in {month} …", flush=True)
        started = time.perf_counter()
        rebuild_schema()
        counts = fill(args.concerns, month)
        fill_seconds = time.perf_counter() - started
        print(f"  done in {fill_seconds:.1f} s: {counts}", flush=True)
        db.engine.dispose()

    results = {}
    try:
        for name in EXPORTS:
            timed = measure(database_url, str(month), name, traced=False)
            traced = measure(database_url, str(month), name, traced=True)
            results[name] = timed | {"heap_peak_mb": traced["heap_peak_mb"]}
            r = results[name]
            print(
                f"  {name:22} {r['seconds']:6.1f} s   peak RSS {r['maxrss_mb']:6.1f} MB "
                f"(before {r['rss_before_mb']:5.1f} MB)   Python heap peak {r['heap_peak_mb']:5.1f} MB   "
                f"{r['bytes'] / 2**20:5.1f} MB file",
                flush=True,
            )
    finally:
        with app.app_context():
            empty_tables()
            db.engine.dispose()
        folder.cleanup()
    write_results(kind, database_url, month, counts, fill_seconds, results)


def write_results(kind, database_url, month, counts, fill_seconds, results) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"export-{now:%Y-%m-%d}.md"
    import sqlalchemy
    import xlsxwriter

    where = "a SQLite file" if kind == "SQLite" else database_url.rsplit("@", 1)[-1]
    lines = []
    if not path.exists():
        lines += [
            f"# Export benchmark, {now:%Y-%m-%d}",
            "",
            "Written by `benchmarks/export_benchmark.py` (`make benchmark-export`). Each export is downloaded",
            "through the web page by the province's supervisor (the whole province), in a fresh process: the time",
            "and the process's peak resident memory during the export (VmHWM, reset just before it; it includes",
            'Python, Flask and the app, whose size before the export is "RSS before"), then once more under',
            "`tracemalloc` for the peak of the Python heap during the export.",
            "",
        ]
    lines += [
        f"## {kind} ({where}), {now:%H:%M} UTC",
        "",
        f"{counts['in_month']:,} concerns resolved in {month} among {counts['concerns']:,}; {counts['villages']:,} "
        f"villages, {counts['visits']:,} visits. Filled in {fill_seconds:.0f} s. Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}, XlsxWriter {xlsxwriter.__version__}, {os.cpu_count()} cores.",
        "",
        "| export | rows | file | time | peak RSS | RSS before | Python heap peak |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        rows = r["lines"] - 1 if name.startswith("csv") else counts["in_month"]
        lines.append(
            f"| {name} | {rows:,} | {r['bytes'] / 2**20:.1f} MB | {r['seconds']:.1f} s | {r['maxrss_mb']:.0f} MB "
            f"| {r['rss_before_mb']:.0f} MB | {r['heap_peak_mb']:.1f} MB |"
        )
    events = results.get("csv + personal data", {}).get("export_events")
    if events is not None:
        lines += ["", f"The export with personal data recorded {events:,} export events (one per concern) first."]
    lines.append("")
    with path.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
