"""The official register of communes, and the default categories of concerns."""

import sqlalchemy as sa
from vietnam_provinces import Province, ProvinceCode, Ward

from .extensions import db
from .models import Category, Commune


def load_communes(province_code: int) -> tuple[int, int]:
    """Add or update the communes and wards of a province from the 2025 register.

    Idempotent: a commune already present (by official code) is updated only where it differs.

    :return: ``(added, updated)``.
    :raise ValueError: if there is no province with that code.
    """
    province = Province.from_code(ProvinceCode(province_code))
    existing = {c.code: c for c in db.session.scalars(sa.select(Commune)).all()}
    added = updated = 0
    for ward in Ward.iter_by_province(province.code):
        code = f"{int(ward.code):05d}"
        values = {
            "name": ward.name,
            "division_type": ward.division_type.value,
            "province_code": f"{int(province.code):02d}",
            "province_name": province.name,
        }
        commune = existing.get(code)
        if commune is None:
            db.session.add(Commune(code=code, **values))
            added += 1
        elif any(getattr(commune, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(commune, key, value)
            updated += 1
    db.session.commit()
    return added, updated


# (code, Vietnamese name, English name, a resolution needs evidence)
DEFAULT_CATEGORIES = [
    ("electricity", "Điện", "Electricity", True),
    ("housing", "Nhà ở, xóa nhà tạm", "Housing and temporary housing", True),
    ("roads", "Đường giao thông", "Roads and transport", True),
    ("water", "Nước sinh hoạt, thủy lợi", "Water and irrigation", False),
    ("agriculture", "Trồng trọt, chăn nuôi", "Crops and livestock", False),
    ("land", "Đất đai", "Land", False),
    ("paperwork", "Giấy tờ, thủ tục hành chính", "Paperwork and administrative procedures", False),
    ("health", "Y tế", "Health", False),
    ("education", "Giáo dục", "Education", False),
    ("social_support", "An sinh xã hội, giảm nghèo", "Social support and poverty", False),
    ("disaster", "Thiên tai", "Natural disasters", True),
    ("security", "An ninh, trật tự", "Security and order", False),
    ("other", "Khác", "Other", False),
]


def ensure_default_categories() -> int:
    """Add the default categories that are missing (by code); never changes an existing one.

    :return: how many were added.
    """
    have = set(db.session.scalars(sa.select(Category.code)).all())
    added = 0
    for order, (code, name_vi, name_en, evidence) in enumerate(DEFAULT_CATEGORIES):
        if code not in have:
            db.session.add(
                Category(code=code, name_vi=name_vi, name_en=name_en, requires_evidence=evidence, sort_order=order)
            )
            added += 1
    db.session.commit()
    return added
