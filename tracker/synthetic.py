"""Synthetic province-scale data for benchmarks: villages, officials, visits, concerns and their events.

``flask load-synthetic --villages 1446 --years 5`` fills the province's communes with 1,446 villages, a
supervisor and a few officials per commune, about 150,000 visits and 250,000 concerns over five years
ending today, and every concern's events (created, assigned, each status change, notes, escalations), in
every status. The same ``--seed`` on the same day gives the same data.

Rows are made as plain tuples and written in bulk: COPY on PostgreSQL (psycopg), ``executemany`` of one
prepared INSERT on SQLite. Ids are given here (after the largest already there), so nothing is read back;
PostgreSQL's sequences are moved past them at the end.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from . import localtime
from .extensions import db
from .localtime import province_tz, today
from .models import REFERENCE_ALPHABET, REFERENCE_LENGTH, Category, Commune, Concern, ConcernEvent, User, Visit
from .models import Village as VillageModel
from .textsearch import fold

# Per village and year: about 150,000 visits and 250,000 concerns for 1,446 villages over 5 years.
VISITS_PER_VILLAGE_YEAR = 20.75
CONCERNS_PER_VISIT = 1.52  # plus about one in ten raised outside a visit
CONCERNS_WITHOUT_VISIT = 0.09
OFFICIALS_PER_COMMUNE = 4
PROVINCE_SUPERVISORS = 2
BATCH = 20_000

# Syllables of Thái and Hmông village names as they are written in Vietnamese.
FIRST = ["Nà", "Huổi", "Pá", "Co", "Hua", "Nậm", "Pú", "Phiêng", "Sái", "Háng", "Tà", "Xá", "Ten", "Bản", "Lả"]
SECOND = ["Sáy", "Chăn", "Khoang", "Muông", "Lếch", "Pết", "Hỏm", "Vang", "Dưới", "Trên", "Mới", "Cang", "Lịch"]
SECOND += ["Tấu", "Đứa", "Phìn", "Chổn", "Mỵ", "Nọi", "Luông", "Kéo", "Ten", "Xa", "Lót", "Chua", "Hẹ", "Nhè"]
FAMILY = ["Lò", "Quàng", "Cà", "Tòng", "Lường", "Vì", "Giàng", "Sùng", "Mùa", "Thào", "Nguyễn", "Lê"]
GIVEN = ["Văn Minh", "Thị Hoa", "Văn Hải", "Thị Lả", "A Dơ", "Thị Mai", "Văn Thắng", "A Chớ", "Thị Xuân", "Văn Pọm"]

# category code -> (title, description) pairs, in Vietnamese as the officials write them.
TITLES = {
    "electricity": [
        ("Cuối bản chưa có điện lưới", "Các hộ cuối bản vẫn dùng thủy điện nhỏ."),
        ("Cột điện nghiêng sau mưa lớn", "Cột điện gần nhà văn hóa bị nghiêng."),
    ],
    "housing": [
        ("Nhà tạm dột nát cần hỗ trợ", "Hộ nghèo ở nhà tạm, mái dột."),
        ("Đề nghị hỗ trợ xóa nhà tạm", "Gia đình chưa đủ kinh phí làm nhà."),
    ],
    "roads": [
        ("Sạt lở đường vào bản", "Đường bị sạt sau mưa, xe máy không qua được."),
        ("Cầu treo xuống cấp", "Ván cầu mục, người dân đi lại nguy hiểm."),
    ],
    "water": [
        ("Thiếu nước sinh hoạt mùa khô", "Nguồn nước tự chảy cạn từ tháng hai."),
        ("Mương thủy lợi bị vỡ", "Ruộng bậc thang thiếu nước cấy."),
    ],
    "agriculture": [
        ("Trâu bò chết rét", "Đề nghị hỗ trợ giống sau đợt rét đậm."),
        ("Sâu bệnh trên lúa", "Cần cán bộ khuyến nông xuống hướng dẫn."),
    ],
    "land": [
        ("Tranh chấp ranh giới đất nương", "Hai hộ tranh chấp ranh giới nương."),
        ("Chưa được cấp giấy chứng nhận đất", "Hồ sơ nộp từ lâu chưa có kết quả."),
    ],
    "paperwork": [
        ("Làm lại căn cước cho người già", "Người già không đi được lên xã."),
        ("Đăng ký khai sinh cho trẻ", "Gia đình chưa làm giấy khai sinh."),
    ],
    "health": [
        ("Trạm y tế thiếu thuốc", "Người dân phải đi xa mua thuốc."),
        ("Đề nghị khám sức khỏe cho người già", ""),
    ],
    "education": [("Điểm trường thiếu phòng học", "Học sinh học nhờ nhà văn hóa."), ("Học sinh bỏ học đi làm", "")],
    "social_support": [
        ("Hộ nghèo chưa nhận trợ cấp", "Đề nghị xem lại danh sách hộ nghèo."),
        ("Hỗ trợ gạo giáp hạt", ""),
    ],
    "disaster": [
        ("Lũ quét cuốn trôi ruộng", "Nhiều hộ mất trắng vụ lúa."),
        ("Nguy cơ sạt lở sau nhà", "Vết nứt lớn trên taluy dương."),
    ],
    "security": [("Trộm cắp gia súc", "Mất trâu trên nương."), ("Đề nghị lắp đèn đường", "")],
    "other": [("Kiến nghị khác", ""), ("Đề nghị họp bản", "")],
}
REFERRED_TO = ["Sở Xây dựng", "Điện lực Điện Biên", "Sở Nông nghiệp và Môi trường", "UBND tỉnh", "Công an tỉnh"]


@dataclass
class Counts:
    villages: int = 0
    users: int = 0
    visits: int = 0
    visit_officials: int = 0
    concerns: int = 0
    events: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


class AlreadyHasVisitsError(RuntimeError):
    """The database already has visits (and --force was not given)."""


# --- Writing rows in bulk ------------------------------------------------------------------------------


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")  # SQLAlchemy's own SQLite format
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class Writer:
    """Buffers rows per table and writes them in batches: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"
        self.buffers: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        buffer = self.buffers.setdefault(table, (columns, []))
        buffer[1].append(row)
        if len(buffer[1]) >= BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        # Parents before children: the order the tables were first added in is the order of their keys.
        for name in [table] if table else list(self.buffers):
            columns, rows = self.buffers[name]
            if not rows:
                continue
            if table is not None:  # a child's batch may point at parents still in their buffers
                for parent in self.buffers:
                    if parent == name:
                        break
                    self.flush(parent)
            self._write(name, columns, rows)
            rows.clear()

    def _write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        raw = self.connection.connection.driver_connection
        if self.postgresql:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            raw.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )


# --- Generation ----------------------------------------------------------------------------------------


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _local_moment(day: date, rng: random.Random, now: datetime) -> datetime:
    """A moment of a working day in the province, as naive UTC (how it is stored), and not after ``now``."""
    local = datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59)), province_tz())
    moment = local.astimezone(UTC).replace(tzinfo=None)
    return moment if moment < now else now - timedelta(minutes=rng.randint(30, 120))


def _local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(province_tz()).date()


def load_synthetic(
    villages: int = 1446,
    years: int = 5,
    seed: int = 2026,
    force: bool = False,
    password_hash: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Counts:
    """Fill the database with synthetic data (see the module's docstring) and commit.

    :param password_hash: the hash every synthetic user signs in with (none can sign in if None).
    :raise AlreadyHasVisitsError: if there are visits already and ``force`` is false.
    :raise LookupError: if the communes or categories have not been loaded.
    """
    if not force and db.session.scalar(sa.select(Visit.id).limit(1)) is not None:
        raise AlreadyHasVisitsError("The database already has visits.")
    communes = db.session.execute(sa.select(Commune.id, Commune.code).order_by(Commune.code)).all()
    categories = db.session.execute(
        sa.select(Category.id, Category.code).where(Category.active).order_by(Category.sort_order)
    ).all()
    if not communes or not categories:
        raise LookupError("Load the communes and categories first: flask load-communes.")
    # Added to data already there (--force): another stream of the seed, so no UUID or code comes twice.
    last_visit = db.session.scalar(sa.select(sa.func.max(Visit.id)))
    rng = random.Random(seed if last_visit is None else f"{seed}+{last_visit}")
    end = today()
    start = end - timedelta(days=365 * years)
    now = localtime.utcnow().replace(tzinfo=None)  # the app's clock (a test may stop it)
    counts = Counts()
    connection = db.session.connection()
    writer = Writer(connection)
    password_hash = password_hash or "!synthetic"  # not a hash any password matches
    uuid_of = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731

    # Users: a supervisor and a few officials per commune, and province-wide supervisors.
    user_id = _next_id(User)
    user_columns = (
        "id",
        "username",
        "full_name",
        "full_name_folded",
        "password_hash",
        "role",
        "commune_id",
        "active",
        "session_version",
        "must_change_password",
        "created_at",
    )
    taken = set(db.session.scalars(sa.select(User.username)))
    staff: dict[int, tuple[list[int], int]] = {}  # commune id -> (officials, supervisor)
    province_supervisors = []

    def add_user(username: str, role: str, commune_id: int | None) -> int:
        nonlocal user_id
        while username in taken:
            username += "x"
        taken.add(username)
        name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        created = datetime.combine(start, time(2)) - timedelta(days=30)
        row = (user_id, username, name, fold(name), password_hash, role, commune_id, True, 1, False, created)
        writer.add("users", user_columns, row)
        user_id += 1
        counts.users += 1
        return user_id - 1

    for n in range(PROVINCE_SUPERVISORS):
        province_supervisors.append(add_user(f"synth.province.{n + 1}", "supervisor", None))
    for commune_id, code in communes:
        officials = [
            add_user(f"synth.{code}.official{n + 1}", "official", commune_id) for n in range(OFFICIALS_PER_COMMUNE)
        ]
        staff[commune_id] = (officials, add_user(f"synth.{code}.supervisor", "supervisor", commune_id))

    # Villages: spread over the communes, names unique within each.
    village_id = _next_id(VillageModel)
    village_columns = (
        "id",
        "commune_id",
        "name",
        "name_folded",
        "households",
        "latitude",
        "longitude",
        "distance_km",
        "active",
        "created_at",
    )
    names = {c: set() for c, _ in communes}
    for commune_id, name in db.session.execute(sa.select(VillageModel.commune_id, VillageModel.name_folded)):
        names[commune_id].add(name)
    village_rows: list[tuple[int, int]] = []  # (village id, commune id)
    for n in range(villages):
        commune_id = communes[n % len(communes)][0]
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)}"
        suffix = 1
        while fold(name if suffix == 1 else f"{name} {suffix}") in names[commune_id]:
            suffix += 1
        name = name if suffix == 1 else f"{name} {suffix}"
        names[commune_id].add(fold(name))
        row = (
            village_id,
            commune_id,
            name,
            fold(name),
            rng.randint(25, 180),
            round(21.1 + rng.random() * 1.2, 5),
            round(102.6 + rng.random() * 0.9, 5),
            round(rng.uniform(0.5, 25), 1),
            True,
            datetime.combine(start, time(1)),
        )
        writer.add("villages", village_columns, row)
        village_rows.append((village_id, commune_id))
        village_id += 1
    counts.villages = villages
    writer.flush()
    progress(f"{counts.users} users and {counts.villages} villages.")

    # Visits, the officials who went, the concerns raised and their events, village by village.
    visit_id, concern_id, event_id = _next_id(Visit), _next_id(Concern), _next_id(ConcernEvent)
    visit_columns = (
        "id",
        "client_uuid",
        "village_id",
        "visit_date",
        "kind",
        "attendees",
        "notes",
        "latitude",
        "longitude",
        "gps_accuracy_m",
        "created_by_id",
        "created_at",
    )
    official_columns = ("visit_id", "user_id")
    concern_columns = (
        "id",
        "client_uuid",
        "reference_code",
        "village_id",
        "visit_id",
        "category_id",
        "title",
        "description",
        "search_folded",
        "resident_name",
        "resident_contact",
        "households_affected",
        "priority",
        "due_date",
        "status",
        "assignee_id",
        "created_by_id",
        "created_at",
        "updated_at",
        "resolution_note",
        "resolved_at",
        "rejection_reason",
        "duplicate_of_id",
        "referred_to",
        "referral_number",
        "referral_date",
        "referral_due_date",
        "satisfaction",
        "version",
    )
    event_columns = ("id", "concern_id", "author_id", "created_at", "kind", "old_value", "new_value", "note", "public")
    codes = set(db.session.scalars(sa.select(Concern.reference_code))) if force else set()
    kinds = ["dialogue"] * 5 + ["door_to_door"] * 3 + ["paperwork", "inspection", "emergency"]
    days = (end - start).days
    visits_per_village = VISITS_PER_VILLAGE_YEAR * years
    due_days = {"urgent": 1, "high": 7, "normal": 30}

    def reference_code() -> str:
        while True:
            code = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
            if code not in codes:
                codes.add(code)
                return code

    def add_concern(
        village: int, commune: int, visit: int | None, author: int, created: datetime, earlier: list[int]
    ) -> None:
        nonlocal concern_id, event_id
        officials, supervisor = staff[commune]
        category_id, category_code = rng.choice(categories)
        title, description = rng.choice(TITLES.get(category_code, TITLES["other"]))
        priority = rng.choices(("normal", "high", "urgent"), (80, 16, 4))[0]
        due = _local_day(created) + timedelta(days=due_days[priority])
        age = (now - created).total_seconds() / 86400
        # Older concerns are mostly closed; a few stay open for years (the overdue backlog).
        closed = rng.random() < (1 - math.exp(-age / 40)) * 0.97
        events: list[tuple] = [(author, created, "created", None, "new", None, True)]
        status, assignee, resolved_at, note, reason, duplicate_of = "new", None, None, None, None, None
        referred = (None, None, None, None)

        def later(after: datetime, mean_days: float) -> datetime:
            """A moment after ``after`` and before now (events of recent concerns crowd into what is left)."""
            moment = after + timedelta(days=rng.expovariate(1 / mean_days), minutes=rng.randint(60, 600))
            if moment >= now:
                moment = after + (now - after) * rng.uniform(0.2, 0.95)
            return moment

        def move(to: str, at: datetime, by: int, text: str | None = None) -> None:
            nonlocal status
            events.append((by, at, "status", status, to, text, True))
            status = to

        if rng.random() < 0.85 or closed:
            assignee = rng.choice(officials)
            events.append(
                (supervisor, created + (now - created) * 0.01, "assignment", None, str(assignee), None, False)
            )
        if closed:
            end_kind = rng.choices(("resolved", "rejected", "duplicate"), (86, 8, 6))[0]
            if end_kind == "duplicate" and not earlier:
                end_kind = "resolved"
            at = later(created, 3)
            if end_kind == "resolved":
                move("in_progress", at, assignee)
                if rng.random() < 0.15:
                    at = later(at, 5)
                    referred = (
                        rng.choice(REFERRED_TO),
                        f"{rng.randint(10, 999)}/UBND",
                        _local_day(at),
                        _local_day(at) + timedelta(days=30),
                    )
                    move("referred", at, supervisor)
                resolved_at = later(at, 15)
                note = "Đã giải quyết xong, người dân đồng ý."
                move("resolved", resolved_at, assignee, note)
                if rng.random() < 0.04:  # reopened and being worked on again
                    move("in_progress", later(resolved_at, 5), supervisor)
                    resolved_at, note = None, None
            elif end_kind == "rejected":
                reason = "Không thuộc thẩm quyền của xã."
                move("rejected", at, supervisor, reason)
            else:
                duplicate_of = rng.choice(earlier[-20:])
                move("duplicate", at, supervisor)
        else:
            step = rng.random()
            if assignee and step < 0.75:
                at = later(created, 2)
                move("in_progress", at, assignee)
                if step < 0.25:
                    at = later(at, 4)
                    referred = (
                        rng.choice(REFERRED_TO),
                        f"{rng.randint(10, 999)}/UBND",
                        _local_day(at),
                        _local_day(at) + timedelta(days=30),
                    )
                    move("referred", at, supervisor)
        if rng.random() < 0.25:
            events.append(
                (
                    assignee or author,
                    later(created, 4),
                    "note",
                    None,
                    None,
                    "Đã liên hệ với người dân.",
                    rng.random() < 0.5,
                )
            )
        if status in ("new", "in_progress", "referred") and rng.random() < 0.08:
            events.append((assignee or author, later(created, 10), "escalation", None, None, "Cần hỗ trợ", False))
        if status == "resolved" and rng.random() < 0.3:
            satisfaction = rng.choices(("satisfied", "partly", "not_satisfied", "not_reached"), (70, 15, 5, 10))[0]
            events.append((None, later(resolved_at, 7), "satisfaction", None, satisfaction, None, False))
        else:
            satisfaction = None
        events.sort(key=lambda e: e[1])
        updated = events[-1][1]
        resident = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}" if rng.random() < 0.7 else None
        row = (
            concern_id,
            uuid_of(),
            reference_code(),
            village,
            visit,
            category_id,
            title,
            description,
            fold(f"{title} {description}"),
            resident,
            f"09{rng.randint(10000000, 99999999)}" if resident else None,
            rng.randint(1, 30) if rng.random() < 0.6 else None,
            priority,
            due,
            status,
            assignee,
            author,
            created,
            updated,
            note,
            resolved_at,
            reason,
            duplicate_of,
            *referred,
            satisfaction,
            len(events),
        )
        writer.add("concerns", concern_columns, row)
        for by, at, kind, old, new, text, public in events:
            writer.add("concern_events", event_columns, (event_id, concern_id, by, at, kind, old, new, text, public))
            event_id += 1
        counts.events += len(events)
        counts.statuses[status] = counts.statuses.get(status, 0) + 1
        earlier.append(concern_id)
        concern_id += 1
        counts.concerns += 1

    for number, (village, commune) in enumerate(village_rows):
        officials, _supervisor = staff[commune]
        count = max(1, round(rng.gauss(visits_per_village, visits_per_village / 4)))
        visit_days = sorted(start + timedelta(days=rng.randint(0, days)) for _ in range(count))
        earlier: list[int] = []
        for day in visit_days:
            went = rng.sample(officials, rng.choices((1, 2, 3), (55, 35, 10))[0])
            created = _local_moment(day, rng, now)
            gps = rng.random() < 0.6
            writer.add(
                "visits",
                visit_columns,
                (
                    visit_id,
                    uuid_of(),
                    village,
                    day,
                    rng.choice(kinds),
                    rng.randint(3, 80),
                    "",
                    round(21.1 + rng.random(), 5) if gps else None,
                    round(102.6 + rng.random(), 5) if gps else None,
                    round(rng.uniform(5, 60), 1) if gps else None,
                    went[0],
                    created,
                ),
            )
            for official in went:
                writer.add("visit_officials", official_columns, (visit_id, official))
            counts.visit_officials += len(went)
            raised = min(8, int(rng.expovariate(1 / CONCERNS_PER_VISIT) + 0.5))
            for n in range(raised):
                at = min(created + timedelta(minutes=10 * (n + 1)), now - timedelta(minutes=1))
                add_concern(village, commune, visit_id, went[0], at, earlier)
            if rng.random() < CONCERNS_WITHOUT_VISIT * CONCERNS_PER_VISIT:
                other_day = start + timedelta(days=rng.randint(0, days))
                add_concern(village, commune, None, rng.choice(officials), _local_moment(other_day, rng, now), earlier)
            visit_id += 1
            counts.visits += 1
        if number % 100 == 99:
            progress(f"{number + 1} villages: {counts.visits} visits, {counts.concerns} concerns.")
    writer.flush()
    if writer.postgresql:
        for table in ("users", "villages", "visits", "concerns", "concern_events"):
            connection.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    db.session.commit()
    if writer.postgresql:
        # What autovacuum would do after a while: statistics for the planner, and the visibility map that
        # lets counts read the indexes alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            for table in ("users", "villages", "visits", "visit_officials", "concerns", "concern_events"):
                autocommit.execute(sa.text(f"VACUUM ANALYZE {table}"))
    return counts


def summary(counts: Counts) -> Iterable[str]:
    yield (
        f"{counts.villages} villages, {counts.users} users, {counts.visits} visits "
        f"({counts.visit_officials} officials on them), {counts.concerns} concerns, {counts.events} events."
    )
    yield "By status: " + ", ".join(f"{status} {n}" for status, n in sorted(counts.statuses.items()))
