"""Demo data: the villages of the articles, fictional users, and six months of visits and concerns.

Everything is found again by a natural key before it is made (villages by commune and name, users by
username, visits by a UUID derived from their number), so loading twice changes nothing.
"""

import io
import random
import uuid
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from .attachments.photos import store_photo
from .concerns.logic import new_concern
from .extensions import db
from .localtime import local_date, province_tz, today, utcnow
from .models import Category, Commune, Concern, User, Village, Visit
from .passwords import hash_password
from .workflow import Referral, change_status, has_evidence

DEMO_PASSWORD = "dienbien-demo-2026"
DEMO_NAMESPACE = uuid.UUID("6f1c2a52-3a4e-4f43-9d0b-5d5c2b7a9e10")

# commune code -> [(village, former commune, households, distance to the commune centre in km)]
DEMO_VILLAGES = {
    "03301": [  # Búng Lao, merged from Ẳng Tở, Búng Lao and Chiềng Đông
        ("Hua Chăn", "Ẳng Tở", 96, 11.5),
        ("Hua Nạ", "Ẳng Tở", 74, 9.0),
        ("Co Muông", "Búng Lao", 58, 3.2),
        ("Chiềng Đông", "Chiềng Đông", 112, 7.8),
        ("Ten Hon", "Búng Lao", 41, 4.5),
    ],
    "03295": [  # Quài Tở
        ("Hua Sa A", "Quài Cang", 88, 12.4),
        ("Hua Sa B", "Quài Cang", 65, 13.0),
        ("Nà Sáy", None, 70, 2.1),
        ("Co Đứa", None, 52, 5.6),
    ],
    "03328": [  # Thanh Nưa
        ("Ló", None, 144, 6.0),
        ("Hua Rốm", None, 90, 8.3),
        ("Na Hai", None, 61, 3.9),
    ],
    "03208": [  # Xa Dung
        ("Háng Pu Xi", None, 47, 14.0),
        ("Xa Dung A", None, 80, 1.5),
        ("Pú Vang", None, 55, 9.7),
    ],
    "03199": [  # Si Pa Phìn
        ("Phìn Hồ", None, 68, 10.2),
        ("Nậm Chim", None, 73, 6.4),
        ("Si Pa Phìn", None, 120, 0.8),
    ],
    "03202": [  # Mường Pồn
        ("Mường Pồn 1", None, 99, 1.2),
        ("Huổi Chổn", None, 63, 8.8),
        ("Co Mỵ", None, 45, 6.1),
    ],
}

# (username, full name, role, commune code or None) — fictional people.
DEMO_USERS = [
    ("official.bunglao", "Lò Văn Minh", "official", "03301"),
    ("official.quaito", "Quàng Thị Hoa", "official", "03295"),
    ("supervisor.bunglao", "Tòng Văn Hải", "supervisor", "03301"),
    ("supervisor.province", "Nguyễn Thị Lan", "supervisor", None),
    ("admin", "Trần Quốc Bảo", "admin", None),
]

# (category code, title, description, priority)
DEMO_CONCERNS = [
    (
        "electricity",
        "Cuối bản chưa có điện lưới",
        "12 hộ cuối bản vẫn dùng thủy điện nhỏ, mùa khô không đủ nước chạy máy.",
        "high",
    ),
    (
        "housing",
        "Nhà tạm của hộ nghèo bị dột nát",
        "Mái nhà lợp tạm, mưa to là dột, cần hỗ trợ theo chương trình xóa nhà tạm.",
        "high",
    ),
    (
        "roads",
        "Sạt lở đường vào bản sau mưa lớn",
        "Một đoạn khoảng 30 m bị đất đá lấp, xe máy không qua được.",
        "urgent",
    ),
    ("water", "Đường ống nước tự chảy bị vỡ", "Đầu nguồn ống bị vỡ, nhiều hộ phải gánh nước từ suối.", "high"),
    (
        "agriculture",
        "Xin hỗ trợ giống cà phê",
        "Bà con muốn mở rộng diện tích cà phê, cần giống và hướng dẫn kỹ thuật.",
        "normal",
    ),
    ("agriculture", "Trâu bò bị bệnh", "Mấy hộ có trâu bò bỏ ăn, nghi bị dịch, cần cán bộ thú y xuống xem.", "urgent"),
    ("paperwork", "Làm căn cước cho người già", "Người già, người ốm không đi được lên xã để làm căn cước.", "normal"),
    (
        "land",
        "Chưa được cấp giấy chứng nhận đất",
        "Hộ dân hỏi thủ tục cấp giấy chứng nhận quyền sử dụng đất ở.",
        "normal",
    ),
    (
        "health",
        "Điểm y tế bản thiếu thuốc thông thường",
        "Thuốc hạ sốt, thuốc tiêu chảy cho trẻ em thường xuyên hết.",
        "normal",
    ),
    ("education", "Điểm trường mầm non xuống cấp", "Tường lớp học bị nứt, mùa mưa nước tràn vào lớp.", "high"),
    ("social_support", "Chưa nhận trợ cấp quý này", "Hộ nghèo hỏi vì sao chưa nhận được tiền trợ cấp.", "normal"),
    ("disaster", "Nguy cơ sạt lở sau nhà dân", "Vết nứt trên taluy sau ba nhà, cần di dời tạm khi mưa lớn.", "urgent"),
    ("security", "Mất trộm trâu ban đêm", "Hai con trâu bị mất trong tuần, bà con đề nghị tăng tuần tra.", "high"),
]

RESIDENTS = ["Lò Thị Xuân", "Cà Văn Pọm", "Quàng Văn Sướng", "Lường Thị Ên", "Mùa A Chứ", "Giàng Thị Dợ"]

RESOLUTIONS = {
    "electricity": "Điện lực đã kéo đường dây hạ thế, các hộ đã có điện.",
    "housing": "Đã hỗ trợ vật liệu, bà con trong bản góp công dựng lại nhà.",
    "roads": "Đã huy động máy xúc dọn đất đá, đường đã thông.",
    "water": "Đã thay đoạn ống vỡ, nước đã về bản.",
    "agriculture": "Cán bộ nông nghiệp đã xuống hướng dẫn và cấp giống.",
    "paperwork": "Tổ công tác đã xuống bản làm thủ tục tại nhà.",
    "land": "Đã hướng dẫn hồ sơ và tiếp nhận tại bản.",
    "health": "Trạm y tế xã đã bổ sung thuốc cho điểm y tế bản.",
    "education": "Đã sửa tường và khơi rãnh thoát nước quanh lớp.",
    "social_support": "Đã chi trả đủ trợ cấp, hộ dân đã nhận.",
    "disaster": "Đã di dời ba hộ đến nơi an toàn và cắm biển cảnh báo.",
    "security": "Công an xã đã tăng tuần tra, tìm lại được một con trâu.",
}

VISIT_KINDS_CYCLE = ["dialogue", "door_to_door", "inspection", "paperwork", "emergency"]
# The path each demo concern takes; together they cover every status.
STATUS_PATHS = [
    [],
    ["in_progress"],
    ["referred"],
    ["in_progress", "resolved"],
    ["resolved"],
    ["rejected"],
    ["in_progress", "referred", "resolved"],
    ["in_progress", "resolved", "in_progress"],  # reopened
    ["duplicate"],
]


def load_demo(visits_per_village: int = 3) -> dict[str, int]:
    """Load the demo villages, users, visits and concerns; idempotent.

    :return: how many villages, users and visits were added.
    :raise LookupError: if the communes have not been loaded yet.
    """
    communes = {c.code: c for c in db.session.scalars(sa.select(Commune)).all()}
    missing = [code for code in DEMO_VILLAGES if code not in communes]
    if missing:
        raise LookupError("Load the communes first (flask load-communes).")
    added = {"villages": 0, "users": 0, "visits": 0}

    villages: dict[str, list[Village]] = {}
    for code, rows in DEMO_VILLAGES.items():
        commune = communes[code]
        for name, former, households, distance in rows:
            village = db.session.scalar(
                sa.select(Village).where(Village.commune_id == commune.id, Village.name == name)
            )
            if village is None:
                village = Village(
                    commune=commune, name=name, former_commune=former, households=households, distance_km=distance
                )
                db.session.add(village)
                added["villages"] += 1
            villages.setdefault(code, []).append(village)

    users: dict[str, User] = {}
    for username, full_name, role, code in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                commune=communes[code] if code else None,
                password_hash=hash_password(DEMO_PASSWORD),
                language="vi",
            )
            db.session.add(user)
            added["users"] += 1
        users[username] = user
    db.session.flush()

    categories = {c.code: c for c in db.session.scalars(sa.select(Category)).all()}
    officials = {"03301": users["official.bunglao"], "03295": users["official.quaito"]}
    supervisor = users["supervisor.province"]
    rng = random.Random(2026)
    number = 0
    for code, commune_villages in villages.items():
        official = officials.get(code, supervisor)
        for village in commune_villages:
            for _ in range(visits_per_village):
                number += 1
                client_uuid = str(uuid.uuid5(DEMO_NAMESPACE, f"visit-{number}"))
                days_ago = rng.randint(1, 180)
                if db.session.scalar(sa.select(Visit.id).where(Visit.client_uuid == client_uuid)):
                    continue
                _demo_visit(number, client_uuid, village, official, supervisor, days_ago, categories, rng)
                added["visits"] += 1
    db.session.commit()
    return added


def _demo_photo(number: int) -> FileStorage:
    """A small made-up photo of finished work (a landscape in the colours of the hills), as an upload."""
    image = Image.new("RGB", (640, 480), (180, 210, 235))
    draw = ImageDraw.Draw(image)
    hue = 90 + number * 7 % 60
    draw.polygon([(0, 330), (200, 180), (380, 300), (640, 160), (640, 480), (0, 480)], fill=(60, hue, 70))
    draw.rectangle([270, 300, 370, 380], fill=(150, 110, 70))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"demo-{number}.jpg", content_type="image/jpeg")


def _demo_visit(number, client_uuid, village, official, supervisor, days_ago, categories, rng) -> None:
    day = today() - timedelta(days=days_ago)
    at = datetime.combine(day, time(9, rng.randint(0, 59)), tzinfo=province_tz()).astimezone(UTC)
    visit = Visit(
        client_uuid=client_uuid,
        village=village,
        visit_date=day,
        created_at=at,
        kind=VISIT_KINDS_CYCLE[number % len(VISIT_KINDS_CYCLE)],
        attendees=rng.randint(5, 60),
        notes="Họp dân tại nhà văn hóa bản." if number % 2 else "",
        created_by=official,
        officials=[official],
    )
    db.session.add(visit)
    for index in range(rng.randint(0, 3)):
        code, title, description, priority = DEMO_CONCERNS[(number * 3 + index) % len(DEMO_CONCERNS)]
        concern = new_concern(
            official,
            village,
            categories[code],
            title,
            description=description,
            priority=priority,
            resident_name=RESIDENTS[(number + index) % len(RESIDENTS)] if index % 2 == 0 else None,
            households_affected=rng.randint(1, 20),
            visit=visit,
            created_at=at,
            client_uuid=str(uuid.uuid5(DEMO_NAMESPACE, f"concern-{number}-{index}")),
        )
        concern.assignee = official
        step_at = at
        for status in STATUS_PATHS[(number + index) % len(STATUS_PATHS)]:
            # Never in the future: a recent concern's steps are squeezed into the time it has had.
            step_at = min(step_at + timedelta(days=rng.randint(1, 10)), utcnow() - timedelta(minutes=5))
            note = {
                "resolved": RESOLUTIONS[code],
                "rejected": "Việc này thuộc thẩm quyền của huyện cũ, đã hướng dẫn bà con.",
            }.get(status)
            duplicate_of = None
            if status == "duplicate":
                db.session.flush()
                duplicate_of = db.session.scalar(
                    sa.select(Concern)
                    .where(Concern.village_id == village.id, Concern.id != concern.id)
                    .order_by(Concern.id)
                    .limit(1)
                )
                if duplicate_of is None:
                    continue
            if status == "resolved" and concern.category.requires_evidence and not has_evidence(concern):
                store_photo(_demo_photo(number), uploaded_by=official, concern=concern, is_evidence=True)
            referral = None
            if status == "referred":
                referral = Referral(
                    to="Phòng Nông nghiệp và Môi trường",
                    number=f"{number}/UBND-VP",
                    sent_on=local_date(step_at),
                    due_on=local_date(step_at) + timedelta(days=15),
                )
            # Rejecting is the supervisor's decision.
            actor = supervisor if status == "rejected" else official
            change_status(concern, status, actor, note=note, duplicate_of=duplicate_of, referral=referral, at=step_at)
