"""Categories of concerns: add, rename, retire and reinstate.

A category is never deleted: a retired one stays on the concerns that have it and is no longer offered
for new ones (the visit form offers only active categories).
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Category, Concern, User
from ..textsearch import fold
from . import audit
from .errors import RuleError
from .users import clean_name


@dataclass
class CategoryData:
    name_vi: str
    name_en: str
    requires_evidence: bool = False
    sort_order: int | None = None


def categories_in_order() -> list[Category]:
    """Every category, those offered first, each group in its order in lists."""
    return list(
        db.session.scalars(sa.select(Category).order_by(Category.active.desc(), Category.sort_order, Category.id))
    )


def concern_counts() -> dict[int, int]:
    """How many concerns have each category (one query)."""
    rows = db.session.execute(sa.select(Concern.category_id, sa.func.count(Concern.id)).group_by(Concern.category_id))
    return dict(rows.all())


def _snapshot(category: Category) -> dict:
    return {
        "name_vi": category.name_vi,
        "name_en": category.name_en,
        "requires_evidence": category.requires_evidence,
        "sort_order": category.sort_order,
    }


def _new_code(name_en: str) -> str:
    """A unique code made from the English name: "Forest fires" → ``forest_fires`` (``_2`` … if taken)."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(name_en)).strip("_")[:32] or "category"
    taken = set(db.session.scalars(sa.select(Category.code).where(Category.code.like(f"{base}%"))))
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}_{number}"
    return code


def _check_names(data: CategoryData, other_than: int | None) -> None:
    for field, column in (("name_vi", Category.name_vi), ("name_en", Category.name_en)):
        wanted = fold(getattr(data, field))
        query = sa.select(column)
        if other_than is not None:
            query = query.where(Category.id != other_than)
        if any(fold(name) == wanted for name in db.session.scalars(query)):
            raise RuleError(field, _l("Another category already has this name."))


def save_category(actor: User, category: Category | None, data: CategoryData) -> Category:
    """Add a category (``category`` is None) or rename and rearrange one; record it; commit.

    :raise RuleError: on ``name_vi`` or ``name_en`` when another category has that name (accents and case
        ignored).
    """
    data = CategoryData(
        name_vi=clean_name(data.name_vi),
        name_en=clean_name(data.name_en),
        requires_evidence=bool(data.requires_evidence),
        sort_order=data.sort_order,
    )
    _check_names(data, category.id if category else None)
    before = _snapshot(category) if category else {}
    if category is None:
        last = db.session.scalar(sa.select(sa.func.max(Category.sort_order))) or 0
        category = Category(code=_new_code(data.name_en), active=True, sort_order=last + 1)
        db.session.add(category)
    category.name_vi = data.name_vi
    category.name_en = data.name_en
    category.requires_evidence = data.requires_evidence
    if data.sort_order is not None:
        category.sort_order = data.sort_order
    db.session.flush()
    changes = audit.changes_between(before, _snapshot(category))
    if not changes:
        db.session.rollback()
        return category
    action = "category_updated" if before else "category_created"
    if action == "category_created":
        changes = {key: value for key, value in changes.items() if value[1] not in (None, False)}
    audit.record(actor, action, "category", category.id, category.name_vi, changes)
    db.session.commit()
    return category


def set_category_active(actor: User, category: Category, active: bool) -> bool:
    """Retire a category (no longer offered) or reinstate it.

    :return: True if it changed, False if it already was so.
    :raise RuleError: when retiring the last category still offered: the visit form needs one.
    """
    if category.active == active:
        return False
    if not active:
        others = db.session.scalar(
            sa.select(sa.func.count(Category.id)).where(Category.active, Category.id != category.id)
        )
        if not others:
            raise RuleError(None, _l("At least one category must stay offered."))
    category.active = active
    action = "category_reinstated" if active else "category_retired"
    audit.record(actor, action, "category", category.id, category.name_vi, {"active": [not active, active]})
    db.session.commit()
    return True
