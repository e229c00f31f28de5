"""The supervisors' review: filters, numbers at a glance, coverage, trends, CSV, bulk assignment, a village's page.

The clock is frozen at 00:30 on 16 March 2026 in Điện Biên, which is still 15 March in UTC: a day or a month
counted in UTC instead of the province's time gives a wrong answer here. Expected numbers are computed in the
tests from the records as they were made, never with the application's own queries.
"""

import csv
import html
import io
import random
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, QUAI_TO
from tests.test_query_counts import count_statements
from tracker import localtime
from tracker.concerns.logic import new_concern
from tracker.extensions import db
from tracker.localtime import day_bounds_utc, local_date
from tracker.models import Category, Commune, Concern, ConcernEvent, User, Village, Visit
from tracker.review import charts
from tracker.review.csvfile import BOM, csv_lines, neutralise
from tracker.review.glance import AGE_BUCKETS, commune_rows, glance
from tracker.review.resolution import days_to_resolve, median_days
from tracker.review.trends import monthly_trends
from tracker.textsearch import fold

NOW = datetime(2026, 3, 15, 17, 30, tzinfo=UTC)  # 00:30 on 16 March in the province
TODAY = date(2026, 3, 16)
DUE_DAYS = {"urgent": 1, "high": 7, "normal": 30}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}
OPEN = ("new", "in_progress", "referred")


@pytest.fixture
def frozen(monkeypatch):
    """The province's clock stopped at :data:`NOW`; ``today()`` is :data:`TODAY`."""
    monkeypatch.setattr(localtime, "utcnow", lambda: NOW)
    return TODAY


def at(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """A moment of the province's local ``day``, in UTC."""
    return day_bounds_utc(day)[0] + timedelta(hours=hour, minutes=minute, seconds=second)


def make_concern(
    app,
    village_id: int,
    author_id: int,
    *,
    title: str = "Kiến nghị của bà con",
    description: str = "",
    category: str = "electricity",
    created_at: datetime | None = None,
    priority: str = "normal",
    status: str = "new",
    resolved_at: datetime | None = None,
    assignee_id: int | None = None,
    due_date: date | None = None,
    referral_due_date: date | None = None,
    escalated: bool = False,
) -> int:
    """A concern made exactly as described (its status set directly, without the workflow's steps)."""
    with app.app_context():
        concern = new_concern(
            db.session.get(User, author_id),
            db.session.get(Village, village_id),
            db.session.scalar(sa.select(Category).where(Category.code == category)),
            title,
            description=description,
            priority=priority,
            created_at=created_at or NOW,
        )
        concern.status = status
        concern.resolved_at = resolved_at
        concern.assignee_id = assignee_id
        concern.referral_due_date = referral_due_date
        if due_date:
            concern.due_date = due_date
        if escalated:
            concern.events.append(
                ConcernEvent(
                    kind="escalation", author_id=author_id, note="Cần xã hỗ trợ", created_at=concern.created_at
                )
            )
        db.session.commit()
        return concern.id


def make_visit(app, village_id: int, author_id: int, day: date) -> int:
    with app.app_context():
        visit = Visit(village_id=village_id, visit_date=day, kind="dialogue", created_by_id=author_id)
        db.session.add(visit)
        db.session.commit()
        return visit.id


def get(client, url: str, status: int = 200):
    response = client.get(url)
    body = response.get_data(as_text=True)  # read it all: a CSV streams
    response.close()
    assert response.status_code == status, f"{url}: {response.status_code}"
    return body


def csv_rows(client, url: str) -> list[list[str]]:
    body = get(client, url)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :])))


def listed_count(page: str) -> int:
    """The number of concerns the list says it has."""
    if "No concern matches these filters." in page:
        return 0
    match = re.search(r'<p class="muted" aria-live="polite">(\d+) concerns?</p>', page)
    assert match, "the list gives no count"
    return int(match.group(1))


def table_headings(page: str, table_class: str) -> list[str]:
    """The column headings of the first ``<table class="data …table_class…">`` (the tick box's left out)."""
    table = re.search(rf'<table class="data[^"]*{table_class}[^"]*">(.*?)</table>', page, re.S).group(1)
    thead = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    headings = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]
    return [html.unescape(" ".join(h.split())) for h in headings if h.strip()]


# --- Who may see the review ------------------------------------------------------------------------------

REVIEW_PAGES = [
    "/review/",
    "/review/concerns",
    "/review/concerns.csv",
    "/review/coverage",
    "/review/coverage.csv",
    "/review/trends",
]


def test_officials_are_refused_the_review_but_see_their_villages(client, auth, world):
    auth.login("official.bunglao")
    for url in REVIEW_PAGES:
        get(client, url, 403)
    assert client.post("/review/concerns", data={"bulk-concerns": "1", "bulk-assignee": "1"}).status_code == 403
    page = get(client, "/")
    assert 'href="/review/"' not in page
    assert "Hua Chăn" in get(client, f"/villages/{world.hua_chan}")
    get(client, f"/villages/{world.hua_sa_a}", 404)  # another commune's village: as if it did not exist
    get(client, "/villages/999999", 404)


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    for url in [*REVIEW_PAGES, f"/villages/{world.hua_chan}"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["supervisor.bunglao", "supervisor.province", "admin"])
def test_supervisors_and_administrators_have_the_review(client, auth, world, username):
    auth.login(username)
    assert 'href="/review/"' in get(client, "/")
    for url in REVIEW_PAGES:
        get(client, url)


def test_a_commune_supervisor_asking_for_another_commune_gets_404(client, auth, world, factory):
    quai_to = factory.commune_id(QUAI_TO)
    bung_lao = factory.commune_id(BUNG_LAO)
    auth.login("supervisor.bunglao")
    for url in REVIEW_PAGES:
        get(client, f"{url}?commune={quai_to}", 404)
        get(client, f"{url}?commune={bung_lao}")  # their own: as without it
    get(client, "/review/?commune=999999", 404)
    get(client, "/review/?commune=abc")  # not a number: ignored


# --- The list: every filter, alone and together, against counts made here -----------------------------


@pytest.fixture
def dataset(app, world, frozen):
    """36 concerns over both communes with every status, priority, category, age and assignment, described
    as dicts so that the tests can say what each filter should keep."""
    rng = random.Random(2026)
    villages = [
        (world.hua_chan, "hua_chan", "Hua Chăn", "bung_lao"),
        (world.hua_na, "hua_na", "Hua Nạ", "bung_lao"),
        (world.hua_sa_a, "hua_sa_a", "Hua Sa A", "quai_to"),
    ]
    assignees = {
        "bung_lao": [None, world.official_bl, world.colleague_bl],
        "quai_to": [None, world.official_qt],
    }
    titles = ["Mất điện ở cuối bản", "Nhà tạm bị dột", "Đường sạt lở", "Xin giống ngô", "Cầu treo hỏng"]
    statuses = ["new", "in_progress", "referred", "resolved", "rejected", "duplicate"]
    records = []
    for number in range(36):
        village_id, village_key, village_name, commune = villages[number % 3]
        days_ago = rng.choice([0, 1, 3, 6, 7, 12, 29, 30, 45, 89, 90, 120])
        created_at = at(TODAY - timedelta(days=days_ago), hour=rng.choice([0, 9, 23]), minute=rng.choice([0, 59]))
        priority = rng.choice(list(DUE_DAYS))
        status = statuses[number % len(statuses)]
        category = ["electricity", "housing", "roads"][number % 4 % 3]
        title = titles[number % len(titles)] + f" ({number})"
        description = "Mưa lớn ở Mường Pồn" if number % 5 == 0 else ""
        referral_due = None
        if status == "referred":
            referral_due = TODAY + timedelta(days=3) if number % 4 == 2 else TODAY - timedelta(days=2)
        assignee = rng.choice(assignees[commune])
        escalated = number % 7 == 0
        concern_id = make_concern(
            app,
            village_id,
            world.official_bl if commune == "bung_lao" else world.official_qt,
            title=title,
            description=description,
            category=category,
            created_at=created_at,
            priority=priority,
            status=status,
            resolved_at=created_at + timedelta(days=2) if status == "resolved" else None,
            assignee_id=assignee,
            referral_due_date=referral_due,
            escalated=escalated,
        )
        due = local_date(created_at) + timedelta(days=DUE_DAYS[priority])
        records.append(
            {
                "id": concern_id,
                "title": title,
                "text": fold(f"{title} {description} {village_name}"),
                "village": village_key,
                "commune": commune,
                "category": category,
                "priority": priority,
                "status": status,
                "assignee": assignee,
                "created_at": created_at,
                "raised": local_date(created_at),
                "due": referral_due if status == "referred" and referral_due else due,
                "escalated": escalated,
            }
        )
    with app.app_context():
        codes = dict(db.session.execute(sa.select(Concern.id, Concern.reference_code)).all())
    for record in records:
        record["code"] = codes[record["id"]]
    return records


def keeps(record: dict, filters: dict, world) -> bool:
    """Whether a concern passes ``filters``, decided from the record (not by the application)."""
    for name, value in filters.items():
        if name == "status" and value == "open":
            ok = record["status"] in OPEN
        elif name == "status":
            ok = record["status"] == value
        elif name == "assignee":
            ok = record["assignee"] is None if value == "none" else record["assignee"] == getattr(world, value)
        elif name == "raised_from":
            ok = record["raised"] >= TODAY + timedelta(days=value)
        elif name == "raised_to":
            ok = record["raised"] <= TODAY + timedelta(days=value)
        elif name == "overdue":
            ok = record["status"] in OPEN and record["due"] < TODAY
        elif name == "escalated":
            ok = record["escalated"]
        elif name == "q":
            ok = fold(value) in record["text"]
        else:  # commune, village, category, priority
            ok = record[name] == value
        if not ok:
            return False
    return True


def query_string(filters: dict, world, factory) -> dict:
    """The filters as the form puts them in the address."""
    args = {}
    for name, value in filters.items():
        if name == "commune":
            args[name] = factory.commune_id({"bung_lao": BUNG_LAO, "quai_to": QUAI_TO}[value])
        elif name == "village":
            args[name] = getattr(world, value)
        elif name == "category":
            args[name] = factory.category_id(value)
        elif name == "assignee":
            args[name] = value if value == "none" else getattr(world, value)
        elif name in ("raised_from", "raised_to"):
            args[name] = (TODAY + timedelta(days=value)).isoformat()
        elif name in ("overdue", "escalated"):
            args[name] = "y"
        else:
            args[name] = value
    return args


FILTER_CASES = [
    {},
    {"status": "open"},
    {"status": "resolved"},
    {"status": "referred"},
    {"status": "duplicate"},
    {"category": "housing"},
    {"village": "hua_na"},
    {"commune": "quai_to"},
    {"commune": "bung_lao"},
    {"priority": "urgent"},
    {"priority": "normal"},
    {"assignee": "colleague_bl"},
    {"assignee": "none"},
    {"raised_from": -6},
    {"raised_to": -30},
    {"raised_from": -45, "raised_to": -7},
    {"raised_from": 0, "raised_to": 0},
    {"overdue": True},
    {"escalated": True},
    {"q": "dien"},
    {"q": "HUA CHĂN"},
    {"q": "muong pon"},
    {"q": "nha tam", "status": "open"},
    {"status": "open", "priority": "urgent", "commune": "bung_lao"},
    {"category": "electricity", "overdue": True},
    {"assignee": "none", "status": "open", "raised_from": -30},
    {"village": "hua_chan", "priority": "high", "status": "open"},
    {"overdue": True, "escalated": True},
    {"commune": "quai_to", "assignee": "official_qt", "raised_to": -7, "category": "roads"},
]


@pytest.mark.parametrize("username", ["supervisor.province", "supervisor.bunglao"])
def test_every_filter_alone_and_combined_keeps_exactly_the_right_concerns(
    client, auth, world, factory, dataset, username
):
    province_wide = username == "supervisor.province"
    auth.login(username)
    assert len(dataset) == 36
    for filters in FILTER_CASES:
        if not province_wide and filters.get("commune") == "quai_to":
            continue  # another commune: 404, tested elsewhere
        args = query_string(filters, world, factory)
        expected = {
            r["code"] for r in dataset if keeps(r, filters, world) and (province_wide or r["commune"] == "bung_lao")
        }
        rows = csv_rows(client, "/review/concerns.csv?" + "&".join(f"{k}={v}" for k, v in args.items()))
        code_column = rows[0].index("Reference code")
        assert {row[code_column] for row in rows[1:]} == expected, filters
        assert len(rows) - 1 == len(expected), f"{filters}: a concern listed twice"
        page = client.get("/review/concerns", query_string=args).get_data(as_text=True)
        assert listed_count(page) == len(expected), filters
    assert any(keeps(r, {"overdue": True}, world) for r in dataset)  # the data does test something


def test_filters_stay_in_the_address_across_pages_and_sorting(app, client, auth, world, dataset):
    app.config["PAGE_SIZE"] = 4
    auth.login("supervisor.province")
    page = get(client, "/review/concerns?status=open&sort=oldest&q=hua")
    assert "page=2" in page
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1)
    assert all(part in html.unescape(next_link) for part in ("status=open", "sort=oldest", "q=hua"))
    # The bulk form posts back to the same filters.
    action = re.search(r'<form method="post" action="([^"]+)" class="bulk"', page).group(1)
    assert "status=open" in html.unescape(action)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("newest", lambda r: (-r["created_at"].timestamp(), -r["id"])),
        ("oldest", lambda r: (r["created_at"], r["id"])),
        ("due", lambda r: (r["due"], r["created_at"], r["id"])),
        ("priority", lambda r: (PRIORITY_RANK[r["priority"]], r["due"], r["created_at"], r["id"])),
    ],
)
def test_the_list_sorts_by_age_due_date_and_priority(client, auth, world, dataset, sort, key):
    auth.login("supervisor.province")
    rows = csv_rows(client, f"/review/concerns.csv?sort={sort}")
    column = rows[0].index("Reference code")
    assert [row[column] for row in rows[1:]] == [r["code"] for r in sorted(dataset, key=key)]


def test_bad_filters_are_explained_or_ignored_never_an_error(client, auth, world, dataset):
    auth.login("supervisor.province")
    page = get(client, "/review/concerns?raised_from=2026-02-30&raised_to=soon&status=lost&sort=x&priority=9")
    assert page.count("Enter a date such as 2026-11-23.") == 2
    assert listed_count(page) == 36  # the filters it could not read are left out
    page = get(client, "/review/concerns?raised_from=2026-03-10&raised_to=2026-03-01")
    assert "The end date cannot be before the start date." in page
    get(client, "/review/concerns?village=abc&category=%00&assignee=x&page=zz")


def test_the_csv_has_the_columns_of_the_page(client, auth, world, dataset):
    for username in ("supervisor.province", "supervisor.bunglao"):
        auth.login(username)
        page = get(client, "/review/concerns?status=open")
        rows = csv_rows(client, "/review/concerns.csv?status=open")
        assert rows[0] == table_headings(page, "concerns-table")
        assert ("Commune" in rows[0]) == (username == "supervisor.province")
        assert len(rows) - 1 == listed_count(page)
        auth.logout()


def test_csv_download_is_utf8_with_bom_streamed_and_named(client, auth, world, dataset):
    auth.login("supervisor.province")
    response = client.get("/review/concerns.csv?status=open")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="concerns-2026-03-16.csv"'
    raw = response.get_data()
    response.close()
    assert raw.startswith("\ufeff".encode())
    assert "Hua Chăn".encode() in raw


def test_csv_cells_that_look_like_formulas_are_neutralised(app, client, auth, world, frozen):
    for title in ('=HYPERLINK("http://x")', "+84 912", "-1+1", "@SUM(A1)", "Bình thường"):
        make_concern(app, world.hua_chan, world.official_bl, title=title)
    auth.login("supervisor.province")
    rows = csv_rows(client, "/review/concerns.csv?sort=oldest")
    titles = [row[rows[0].index("Concern")] for row in rows[1:]]
    assert titles == ['\'=HYPERLINK("http://x")', "'+84 912", "'-1+1", "'@SUM(A1)", "Bình thường"]
    assert neutralise(-3) == -3 and neutralise(None) == "" and neutralise("\tx") == "'\tx"
    assert "".join(csv_lines(["a"], [["=1"], [2.5]])) == BOM + "a\r\n'=1\r\n2.5\r\n"


# --- At a glance: age buckets, overdue, resolved this month, by commune, medians ------------------------


def test_age_buckets_are_counted_in_local_days(app, client, auth, world, frozen):
    start_of = {days: at(TODAY - timedelta(days=days), 0) for days in (0, 6, 29, 89)}
    second = timedelta(seconds=1)
    raised = {
        "under_7": [start_of[0], NOW, start_of[6]],  # today at 00:00 (still 15 March in UTC), now, 6 days
        "7_to_29": [start_of[6] - second, start_of[29]],  # 23:59:59 seven days ago; 29 days ago at 00:00
        "30_to_89": [start_of[29] - second, start_of[89]],
        "90_or_more": [start_of[89] - second, at(TODAY - timedelta(days=400))],
    }
    for moments in raised.values():
        for moment in moments:
            make_concern(app, world.hua_chan, world.official_bl, created_at=moment)
    make_concern(app, world.hua_chan, world.official_bl, created_at=start_of[0], status="resolved", resolved_at=NOW)
    with app.app_context():
        user = db.session.get(User, world.supervisor_province)
        numbers = glance(user, TODAY)
    assert {bucket.key: count for bucket, count in numbers.by_age} == {k: len(v) for k, v in raised.items()}
    assert numbers.open == 9
    # Each bucket links to the list raised between its days, which lists as many concerns.
    auth.login("supervisor.province")
    page = get(client, "/review/")
    links = re.findall(r'href="(/review/concerns\?[^"]*raised_to[^"]*)">(\d+)</a>', page)
    assert len(links) == len(AGE_BUCKETS)
    for link, count in links:
        assert listed_count(get(client, html.unescape(link))) == int(count)


def test_overdue_is_open_and_past_the_effective_due_day_in_local_time(app, client, auth, world, frozen):
    yesterday = TODAY - timedelta(days=1)  # 15 March: today in UTC, yesterday in the province
    cases = {
        "due today": dict(due_date=TODAY),
        "due yesterday": dict(due_date=yesterday),
        "referred, deadline ahead": dict(due_date=yesterday, status="referred", referral_due_date=TODAY),
        "referred, deadline passed": dict(due_date=TODAY, status="referred", referral_due_date=yesterday),
        "resolved late": dict(due_date=yesterday, status="resolved", resolved_at=NOW),
        "rejected late": dict(due_date=yesterday, status="rejected"),
    }
    for title, values in cases.items():
        make_concern(app, world.hua_chan, world.official_bl, title=title, **values)
    auth.login("supervisor.bunglao")
    rows = csv_rows(client, "/review/concerns.csv?overdue=y")
    title, days = rows[0].index("Concern"), rows[0].index("Days overdue")
    assert sorted((row[title], row[days]) for row in rows[1:]) == [
        ("due yesterday", "1"),
        ("referred, deadline passed", "1"),
    ]
    with app.app_context():
        assert glance(db.session.get(User, world.supervisor_bl), TODAY).overdue == 2


def test_resolved_this_month_is_the_local_month(app, world, frozen):
    march_starts = day_bounds_utc(date(2026, 3, 1))[0]  # 17:00 UTC on 28 February
    for resolved_at, status in [
        (march_starts, "resolved"),  # 00:00 on 1 March locally: March
        (march_starts - timedelta(seconds=1), "resolved"),  # 23:59:59 on 28 February: February
        (NOW, "resolved"),
        (None, "in_progress"),  # resolved then reopened: no longer resolved
    ]:
        make_concern(
            app,
            world.hua_chan,
            world.official_bl,
            created_at=at(date(2026, 2, 1)),
            status=status,
            resolved_at=resolved_at,
        )
    with app.app_context():
        assert glance(db.session.get(User, world.supervisor_province), TODAY).resolved_this_month == 2


def test_medians_of_days_to_resolve():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert days_to_resolve(start, start + timedelta(hours=36)) == 1.5
    assert median_days([]) is None
    assert median_days([(start, start + timedelta(days=d)) for d in (10, 1, 2)]) == 2
    assert median_days([(start, start + timedelta(days=d)) for d in (1, 2, 3, 10)]) == 2.5


def test_the_province_overview_has_a_row_per_commune_with_its_median(app, client, auth, world, factory, frozen):
    created = at(TODAY - timedelta(days=200))
    # Búng Lao: resolved 89 days ago after 4 days, and recently after 1, 2 and 10 days: median 3 (of 1, 2, 4, 10).
    # Resolved 90 days ago: outside the last 90 days, left out.
    for resolved_days_ago, took in [(89, 4), (3, 1), (2, 2), (1, 10), (90, 100)]:
        resolved_at = at(TODAY - timedelta(days=resolved_days_ago), 12)
        make_concern(
            app,
            world.hua_chan,
            world.official_bl,
            created_at=resolved_at - timedelta(days=took),
            status="resolved",
            resolved_at=resolved_at,
        )
    make_concern(app, world.hua_na, world.official_bl, created_at=created, due_date=TODAY - timedelta(days=5))
    make_concern(app, world.hua_sa_a, world.official_qt, created_at=created, due_date=TODAY + timedelta(days=5))
    with app.app_context():
        rows = {row.commune.code: row for row in commune_rows(db.session.get(User, world.supervisor_province), TODAY)}
        communes = db.session.scalar(sa.select(sa.func.count(Commune.id)))
    assert len(rows) == communes == 45
    bung_lao, quai_to = rows[BUNG_LAO], rows[QUAI_TO]
    assert (bung_lao.open, bung_lao.overdue, bung_lao.resolved_this_month) == (1, 1, 3)
    assert bung_lao.median_days_to_resolve == 3
    assert (quai_to.open, quai_to.overdue, quai_to.resolved_this_month, quai_to.median_days_to_resolve) == (
        1,
        0,
        0,
        None,
    )
    auth.login("supervisor.province")
    page = get(client, "/review/")
    assert f'href="/review/?commune={factory.commune_id(BUNG_LAO)}"' in page
    table = page[page.index('id="communes-heading"') :]
    assert table.index("Xã Búng Lao") < table.index("Xã Quài Tở")  # the commune with overdue concerns first
    # That commune's view: its numbers only, and no row per commune.
    commune_page = get(client, f"/review/?commune={factory.commune_id(BUNG_LAO)}")
    assert "Hua Sa A" not in commune_page and "communes-heading" not in commune_page
    # A commune supervisor has no row per commune.
    auth.logout()
    auth.login("supervisor.bunglao")
    assert "communes-heading" not in get(client, "/review/")


def test_overview_lists_overdue_urgent_and_escalated_first(app, client, auth, world, frozen):
    old = at(TODAY - timedelta(days=40))
    make_concern(app, world.hua_chan, world.official_bl, title="Quá hạn lâu", created_at=old)
    make_concern(app, world.hua_chan, world.official_bl, title="Khẩn cấp mới", priority="urgent")
    make_concern(app, world.hua_na, world.official_bl, title="Cần cấp trên", escalated=True)
    make_concern(app, world.hua_na, world.official_bl, title="Bình thường mới")
    auth.login("supervisor.bunglao")
    page = get(client, "/review/")
    for heading, title in [("overdue", "Quá hạn lâu"), ("urgent", "Khẩn cấp mới"), ("escalated", "Cần cấp trên")]:
        section = page[page.index(f'id="{heading}-heading"') :]
        assert title in section[: section.index("</section>")]
    assert "Cần xã hỗ trợ" in page  # the escalation's reason
    assert page.index("overdue-heading") < page.index("status-heading")
    assert "Bình thường mới" not in page.split('id="status-heading"')[0]


# --- A commune supervisor never sees another commune ---------------------------------------------------


def test_a_commune_supervisor_sees_nothing_of_another_commune(app, client, auth, world, frozen):
    secret = "Bí mật của Quài Tở"
    for days_ago in (0, 10, 40, 100):
        created = at(TODAY - timedelta(days=days_ago))
        make_concern(app, world.hua_sa_a, world.official_qt, title=secret, created_at=created, priority="urgent")
        make_concern(
            app,
            world.hua_sa_a,
            world.official_qt,
            title=secret,
            created_at=created,
            status="resolved",
            resolved_at=created + timedelta(days=1),
            escalated=True,
        )
    make_visit(app, world.hua_sa_a, world.official_qt, TODAY)
    mine = make_concern(
        app, world.hua_chan, world.official_bl, title="Của Búng Lao", created_at=at(TODAY - timedelta(days=3))
    )
    auth.login("supervisor.bunglao")
    pages = [
        "/review/",
        "/review/concerns",
        "/review/concerns?overdue=y&escalated=y",
        "/review/concerns.csv",
        "/review/coverage?show=all",
        "/review/coverage.csv?show=all",
        "/review/trends",
        f"/villages/{world.hua_chan}",
    ]
    for url in pages:
        body = get(client, url)
        for foreign in (secret, "Hua Sa A", "Quài Tở", "Quàng Thị Hoa"):
            assert foreign not in body, f"{foreign} on {url}"
    with app.app_context():
        numbers = glance(db.session.get(User, world.supervisor_bl), TODAY)
        months = monthly_trends(db.session.get(User, world.supervisor_bl), TODAY)
    assert (numbers.open, numbers.urgent, numbers.escalated, numbers.resolved_this_month) == (1, 0, 0, 0)
    assert sum(m.raised for m in months) == 1 and sum(m.resolved for m in months) == 0
    # Ticking another commune's concern assigns nothing and says only that it was not found.
    with app.app_context():
        foreign_id = db.session.scalar(sa.select(Concern.id).where(Concern.title == secret).limit(1))
    response = client.post(
        "/review/concerns",
        data={"bulk-concerns": [foreign_id, mine], "bulk-assignee": world.colleague_bl},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "1 concern assigned to Cà Thị Lả." in body
    assert "1 ticked concern was not found" in body and secret not in body
    with app.app_context():
        assert db.session.get(Concern, foreign_id).assignee_id is None


# --- Bulk assignment -----------------------------------------------------------------------------------


def test_bulk_assignment_assigns_each_through_the_workflow_and_reports_refusals(app, client, auth, world, frozen):
    first = make_concern(app, world.hua_chan, world.official_bl, title="Một")
    second = make_concern(app, world.hua_na, world.official_bl, title="Hai")
    already = make_concern(app, world.hua_chan, world.official_bl, title="Ba", assignee_id=world.colleague_bl)
    closed = make_concern(app, world.hua_chan, world.official_bl, title="Bốn", status="resolved", resolved_at=NOW)
    with app.app_context():
        codes = dict(db.session.execute(sa.select(Concern.id, Concern.reference_code)).all())
    auth.login("supervisor.bunglao")
    response = client.post(
        "/review/concerns?status=open&sort=oldest",
        data={"bulk-concerns": [first, second, already, closed], "bulk-assignee": world.colleague_bl},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/concerns?status=open&sort=oldest"
    page = get(client, "/review/concerns?status=open&sort=oldest")
    assert "2 concerns assigned to Cà Thị Lả." in page
    assert f"{codes[already]} was not assigned. The concern is already assigned to this person." in page
    assert f"{codes[closed]} was not assigned. It is “Resolved”: reopen it first." in page
    with app.app_context():
        assignees = dict(db.session.execute(sa.select(Concern.id, Concern.assignee_id)).all())
        events = db.session.scalars(
            sa.select(ConcernEvent.concern_id)
            .where(ConcernEvent.kind == "assignment")
            .order_by(ConcernEvent.concern_id)
        ).all()
    assert assignees == {
        first: world.colleague_bl,
        second: world.colleague_bl,
        already: world.colleague_bl,
        closed: None,
    }
    assert events == [first, second]


def test_bulk_assignment_with_nothing_ticked_or_nobody_chosen_is_explained(app, client, auth, world, frozen):
    concern = make_concern(app, world.hua_chan, world.official_bl)
    auth.login("supervisor.bunglao")
    page = client.post("/review/concerns", data={"bulk-assignee": world.colleague_bl}).get_data(as_text=True)
    assert "Tick at least one concern in the list." in page
    page = client.post("/review/concerns", data={"bulk-concerns": [concern], "bulk-assignee": ""}).get_data(
        as_text=True
    )
    assert "Choose an official from the list." in page
    assert f'value="{concern}" id="tick-{concern}" aria-label="Tick' in page and "checked" in page  # kept ticked
    # Someone of another commune is not offered, and refused if sent anyway.
    page = client.post("/review/concerns", data={"bulk-concerns": [concern], "bulk-assignee": world.official_qt})
    assert "Choose an official from the list." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Concern, concern).assignee_id is None


def test_bulk_assignment_needs_the_csrf_token(app, client, auth, world, frozen):
    concern = make_concern(app, world.hua_chan, world.official_bl)
    auth.login("supervisor.bunglao")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/review/concerns", data={"bulk-concerns": [concern], "bulk-assignee": world.colleague_bl})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Concern, concern).assignee_id is None


def test_province_supervisor_assigns_within_each_concerns_commune(app, client, auth, world, frozen):
    here = make_concern(app, world.hua_chan, world.official_bl)
    there = make_concern(app, world.hua_sa_a, world.official_qt)
    auth.login("supervisor.province")
    page = get(client, "/review/concerns")
    assert "<optgroup" in page  # people grouped by commune
    client.post("/review/concerns", data={"bulk-concerns": [here, there], "bulk-assignee": world.official_bl})
    page = get(client, "/review/concerns")
    assert "was not assigned. Choose an active official of the concern&#39;s commune." in page
    with app.app_context():
        assert db.session.get(Concern, here).assignee_id == world.official_bl
        assert db.session.get(Concern, there).assignee_id is None


# --- Coverage ------------------------------------------------------------------------------------------


@pytest.fixture
def visited(app, world, factory, frozen):
    """Villages last visited 89, 90 and 91 days ago, today, and never; at known and unknown distances."""
    villages = {
        "89 days": factory.village("Bản 89", distance_km=3.0),
        "90 days": factory.village("Bản 90", distance_km=20.0),
        "91 days": factory.village("Bản 91"),
        "today": factory.village("Bản hôm nay", distance_km=30.0),
        "never": factory.village("Bản chưa đến", distance_km=5.5),
        "retired": factory.village("Bản đã bỏ", distance_km=99.0, active=False),
    }
    for key, days_ago in [("89 days", 89), ("90 days", 90), ("91 days", 91), ("today", 0)]:
        make_visit(app, villages[key], world.official_bl, TODAY - timedelta(days=days_ago))
    make_visit(app, villages["89 days"], world.official_bl, TODAY - timedelta(days=200))
    make_visit(app, villages["today"], world.official_bl, TODAY - timedelta(days=10))
    make_concern(app, villages["never"], world.official_bl)
    make_concern(app, villages["never"], world.official_bl, status="resolved", resolved_at=NOW)
    return villages


def coverage_table(client, url: str) -> list[list[str]]:
    return csv_rows(client, url.replace("/review/coverage", "/review/coverage.csv"))


def test_a_village_visited_89_days_ago_is_covered_91_days_ago_is_not(client, auth, world, visited):
    auth.login("supervisor.bunglao")
    rows = coverage_table(client, "/review/coverage")
    village = rows[0].index("Village")
    # Not visited in the last 90 days (today and the 89 before), the furthest first, unknown distances last
    # (Hua Chăn and Hua Nạ of the world were never visited; Hua Chăn is 11.5 km away).
    assert [row[village] for row in rows[1:]] == ["Bản 90", "Hua Chăn", "Bản chưa đến", "Hua Nạ", "Bản 91"]
    page = get(client, "/review/coverage")
    assert "<strong>7</strong> Villages" in page and "<strong>2</strong> Visited" in page
    assert rows[0] == table_headings(page, "")


def test_coverage_numbers_for_every_village(client, auth, world, visited):
    auth.login("supervisor.bunglao")
    rows = coverage_table(client, "/review/coverage?show=all")
    header = rows[0]
    assert header == [
        "Village",
        "Distance from the commune centre (km)",
        "Last visit",
        "Days since the last visit",
        "Visits in the last 90 days",
        "Open concerns",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert "Bản đã bỏ" not in by_name  # retired
    assert by_name["Bản 89"][1:] == ["3.0", (TODAY - timedelta(days=89)).isoformat(), "89", "1", "0"]
    assert by_name["Bản hôm nay"][1:] == ["30.0", TODAY.isoformat(), "0", "2", "0"]
    assert by_name["Bản chưa đến"][1:] == ["5.5", "", "", "0", "1"]
    assert by_name["Bản 91"][1] == ""


def test_the_number_of_days_is_adjustable_and_checked(client, auth, world, visited):
    auth.login("supervisor.bunglao")
    rows = coverage_table(client, "/review/coverage?days=91")
    assert "Bản 90" not in [row[0] for row in rows[1:]] and "Bản 91" in [row[0] for row in rows[1:]]
    rows = coverage_table(client, "/review/coverage?days=1")
    assert "Bản 89" in [row[0] for row in rows[1:]] and "Bản hôm nay" not in [row[0] for row in rows[1:]]
    for bad, message in [
        ("abc", "Enter a whole number."),
        ("0", "Enter a number of days from 1 to 3660."),
        ("100000", "Enter a number of days from 1 to 3660."),
    ]:
        page = get(client, f"/review/coverage?days={bad}")
        assert message in page
        assert "in the last 90 days" in page  # the default is used meanwhile


# --- Trends --------------------------------------------------------------------------------------------


def test_trends_count_each_local_month_and_its_median(app, client, auth, world, frozen):
    january_ends = day_bounds_utc(date(2026, 2, 1))[0]  # 17:00 UTC on 31 January
    raised = [
        january_ends - timedelta(minutes=30),  # 23:30 on 31 January: January
        january_ends,  # 00:00 on 1 February: February
        at(date(2026, 2, 20)),
        at(date(2025, 4, 30)),  # the first of the twelve months
        at(date(2025, 3, 31), 23),  # before them: not counted
    ]
    for created_at in raised:
        make_concern(app, world.hua_chan, world.official_bl, created_at=created_at)
    # Resolved in February after 2 and 5 days (median 3.5), in March after 1 day.
    for created_day, took in [(date(2026, 2, 2), 2), (date(2026, 2, 10), 5), (date(2026, 3, 1), 1)]:
        created = at(created_day)
        make_concern(
            app,
            world.hua_na,
            world.official_bl,
            created_at=created,
            status="resolved",
            resolved_at=created + timedelta(days=took),
        )
    with app.app_context():
        months = monthly_trends(db.session.get(User, world.supervisor_province), TODAY)
    assert [m.month for m in months] == [date(2025, 4 + i, 1) for i in range(9)] + [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    by_month = {m.month: m for m in months}
    assert by_month[date(2026, 1, 1)].raised == 1
    assert by_month[date(2026, 2, 1)].raised == 4 and by_month[date(2026, 3, 1)].raised == 1
    assert by_month[date(2025, 4, 1)].raised == 1
    assert sum(m.raised for m in months) == 7
    assert (by_month[date(2026, 2, 1)].resolved, by_month[date(2026, 2, 1)].median_days) == (2, 3.5)
    assert (by_month[date(2026, 3, 1)].resolved, by_month[date(2026, 3, 1)].median_days) == (1, 1)
    assert by_month[date(2026, 1, 1)].median_days is None

    auth.login("supervisor.province")
    page = get(client, "/review/trends")
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed
        assert root.get("role") == "img" and "width" not in root.attrib
        ids = root.get("aria-labelledby").split()
        namespace = "{http://www.w3.org/2000/svg}"
        assert [e.get("id") for e in root.iter(namespace + "title")] == ids[:1]
        assert [e.get("id") for e in root.iter(namespace + "desc")] == ids[1:]
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", page) == []  # no inline code
    # The numbers are in a table too.
    rows = re.findall(
        r'<tr>\s*<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*'
        r'<td class="num">([^<]+)</td>',
        page,
    )
    assert rows[-2] == ("Feb 2026", "4", "2", "3.5") and rows[-1] == ("Mar 2026", "1", "1", "1")
    assert len(rows) == 12


def test_charts_escape_their_text_and_scale_their_axis():
    svg = charts.bar_chart(
        chart_id="c",
        title="<script>alert(1)</script>",
        description="a & b",
        rows=["<b>"],
        series=[charts.Series("x", [7]), charts.Series("y", [None])],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    ET.fromstring(str(svg))
    assert [charts.nice_maximum(v) for v in (0, 1, 3, 7, 18, 22, 45, 130)] == [1, 1, 5, 10, 20, 25, 50, 200]


# --- A village's page ----------------------------------------------------------------------------------


def test_village_page_shows_profile_visits_and_concerns(app, client, auth, world, frozen):
    for days_ago in range(12):
        make_visit(app, world.hua_chan, world.official_bl, TODAY - timedelta(days=days_ago * 7))
    for number in range(12):
        make_concern(
            app,
            world.hua_chan,
            world.official_bl,
            title=f"Kiến nghị số {number:02d}",
            created_at=at(TODAY - timedelta(days=number)),
        )
    make_concern(app, world.hua_na, world.official_bl, title="Ở bản khác")
    auth.login("official.bunglao")
    page = get(client, f"/villages/{world.hua_chan}")
    for text in ("Hua Chăn", "Xã Búng Lao", "Ẳng Tở", "96", "11.5 km"):
        assert text in page
    assert len(re.findall(r'href="/visits/\d+"', page)) == 10 and "page=2" in page
    assert page.count('href="/concerns/') >= 10 and "Kiến nghị số 00" in page and "Kiến nghị số 11" not in page
    assert "Ở bản khác" not in page
    assert f'href="/concerns/?village={world.hua_chan}"' in page
    assert "All 12 concerns of this village" in page
    assert "/review/concerns" not in page  # the review is not the official's
    second = get(client, f"/villages/{world.hua_chan}?page=2")
    assert len(re.findall(r'href="/visits/\d+"', second)) == 2
    auth.logout()
    auth.login("supervisor.province")
    assert f"/review/concerns?village={world.hua_chan}" in get(client, f"/villages/{world.hua_chan}")


# --- The number of queries does not grow with the data ---------------------------------------------------


def add_concerns(app, world, count: int, first: int) -> None:
    """``count`` concerns over three villages, every status and priority, spread over 400 days, some
    assigned and some escalated, with visits; inserted in bulk so that a thousand take a moment."""
    with app.app_context():
        categories = db.session.scalars(sa.select(Category.id).order_by(Category.id)).all()
        villages = [world.hua_chan, world.hua_na, world.hua_sa_a]
        rows = []
        for number in range(first, first + count):
            created = NOW - timedelta(days=number % 400, hours=number % 24)
            status = ["new", "in_progress", "referred", "resolved", "rejected"][number % 5]
            priority = ["normal", "high", "urgent"][number % 3]
            village = villages[number % 3]
            title = f"Kiến nghị số {number}"
            rows.append(
                {
                    "client_uuid": str(uuid.uuid4()),
                    "reference_code": f"T{number:07d}",
                    "village_id": village,
                    "category_id": categories[number % len(categories)],
                    "title": title,
                    "description": "",
                    "search_folded": fold(title),
                    "priority": priority,
                    "due_date": local_date(created) + timedelta(days=DUE_DAYS[priority]),
                    "status": status,
                    "assignee_id": [None, world.official_bl, world.colleague_bl][number % 3]
                    if village != world.hua_sa_a
                    else world.official_qt,
                    "created_by_id": world.official_bl,
                    "created_at": created,
                    "updated_at": created,
                    "resolved_at": created + timedelta(days=number % 30) if status == "resolved" else None,
                    "referral_due_date": TODAY - timedelta(days=1) if status == "referred" else None,
                    "version": 1,
                }
            )
        db.session.execute(sa.insert(Concern), rows)
        ids = db.session.scalars(
            sa.select(Concern.id).where(Concern.reference_code.like("T%")).order_by(Concern.id)
        ).all()
        events = [
            {
                "concern_id": concern_id,
                "author_id": world.official_bl,
                "kind": "escalation",
                "note": "Cần hỗ trợ",
                "created_at": NOW,
                "public": False,
            }
            for concern_id in ids[first::7]
        ]
        if events:
            db.session.execute(sa.insert(ConcernEvent), events)
        visits = [
            {
                "client_uuid": str(uuid.uuid4()),
                "village_id": villages[n % 3],
                "visit_date": TODAY - timedelta(days=n % 200),
                "kind": "dialogue",
                "notes": "",
                "created_by_id": world.official_bl,
                "created_at": NOW,
            }
            for n in range(first, first + count // 3 + 1)
        ]
        db.session.execute(sa.insert(Visit), visits)
        db.session.execute(
            sa.insert(sa.table("visit_officials", sa.column("visit_id"), sa.column("user_id"))),
            [
                {"visit_id": visit_id, "user_id": world.official_bl}
                for visit_id in db.session.scalars(sa.select(Visit.id).where(~Visit.officials.any()))
            ],
        )
        db.session.commit()


QUERIED_PAGES = [
    "/review/",
    "/review/?commune={commune}",
    "/review/concerns",
    "/review/concerns?status=open&sort=priority",
    "/review/concerns?overdue=y&escalated=y&q=kien",
    "/review/concerns.csv",
    "/review/coverage",
    "/review/coverage?show=all",
    "/review/coverage.csv?show=all",
    "/review/trends",
    "/villages/{village}",
]


def test_the_number_of_queries_does_not_grow_with_the_concerns(app, client, auth, world, factory, frozen, capsys):
    app.config["REVIEW_CACHE"] = False  # the statements of each request, not of the numbers kept from an earlier one
    pages = [url.format(commune=factory.commune_id(BUNG_LAO), village=world.hua_chan) for url in QUERIED_PAGES]
    auth.login("supervisor.province")
    add_concerns(app, world, 10, 0)
    for url in pages:
        get(client, url)  # once before counting: nothing first-time is counted
    few = {url: count_statements(app, client, url) for url in pages}
    add_concerns(app, world, 990, 10)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 1000
    many = {url: count_statements(app, client, url) for url in pages}
    with capsys.disabled():
        print("\nSQL statements per page, with 10 and with 1,000 concerns:")
        for url in pages:
            print(f"  {few[url]:3d} {many[url]:3d}  {url}")
    assert many == few


# --- Totals kept between requests ----------------------------------------------------------------------


def coverage_listed_count(page: str) -> int:
    match = re.search(r'<p class="muted">(\d+) villages?</p>', page)
    assert match, "the coverage list gives no count"
    return int(match.group(1))


def test_the_lists_totals_follow_every_change(app, client, auth, world, visited):
    """The totals of the list of concerns and of the coverage list are kept between requests
    (tracker/review/cache.py): a concern raised, a visit logged or a village added shows at the next request."""
    assert app.config.get("REVIEW_CACHE", True)
    auth.login("supervisor.bunglao")
    concerns_before = listed_count(get(client, "/review/concerns"))
    unvisited_before = coverage_listed_count(get(client, "/review/coverage"))
    assert listed_count(get(client, "/review/concerns")) == concerns_before  # read again, kept: the same

    make_concern(app, world.hua_chan, world.official_bl)
    assert listed_count(get(client, "/review/concerns")) == concerns_before + 1

    make_visit(app, visited["never"], world.official_bl, TODAY)
    assert coverage_listed_count(get(client, "/review/coverage")) == unvisited_before - 1
    with app.app_context():
        village = Village(commune_id=db.session.get(Village, world.hua_chan).commune_id, name="Bản mới")
        db.session.add(village)
        db.session.commit()
    assert coverage_listed_count(get(client, "/review/coverage")) == unvisited_before
