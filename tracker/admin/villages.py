"""Villages one by one: the administration's list with its search, adding one and editing one.

The list starts from :func:`tracker.scoping.visible_villages`, like every query for villages. Its search is
accent-insensitive and also matches the former (pre-2025) commune, so that "Ẳng Tở", or "ang to", finds
the villages that are now in Búng Lao.
"""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Commune, User, Village
from ..scoping import visible_villages
from ..textsearch import fold, like_pattern
from . import audit
from .errors import RuleError
from .users import clean_name

VILLAGE_STATUSES = {
    "active": _l("In use"),
    "inactive": _l("No longer in use"),
    "all": _l("All"),
}


@dataclass
class VillageFilters:
    """What the village list is filtered by; every field optional."""

    text: str | None = None
    commune_id: int | None = None
    status: str = "active"


def village_list_query(user: User, filters: VillageFilters) -> sa.Select:
    """Villages ``user`` may see that match ``filters``, by commune and name, with their commune loaded.

    :param filters: ``text`` matches the village's name or its former commune, accents ignored.
    """
    query = (
        visible_villages(user)
        .join(Village.commune)
        .options(so.contains_eager(Village.commune))
        .order_by(Commune.name_folded, Village.name_folded, Village.id)
    )
    if filters.commune_id:
        query = query.where(Village.commune_id == filters.commune_id)
    if filters.status == "active":
        query = query.where(Village.active)
    elif filters.status == "inactive":
        query = query.where(sa.not_(Village.active))
    text = clean_name(filters.text)
    if fold(text):
        pattern = like_pattern(text)
        query = query.where(
            sa.or_(
                Village.name_folded.like(pattern, escape="\\"),
                Village.former_commune_folded.like(pattern, escape="\\"),
            )
        )
    return query


@dataclass
class VillageData:
    """A village as typed into the form (or read from a row of a spreadsheet)."""

    name: str
    commune: Commune
    former_commune: str | None = None
    households: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    distance_km: float | None = None
    active: bool = True


def snapshot(village: Village) -> dict:
    """A village's values as the audit trail records them."""
    return {
        "name": village.name,
        "commune": village.commune.name if village.commune else None,
        "former_commune": village.former_commune,
        "households": village.households,
        "latitude": village.latitude,
        "longitude": village.longitude,
        "distance_km": village.distance_km,
        "active": village.active,
    }


def find_same_name(commune_id: int, name: str, *, other_than: int | None = None) -> Village | None:
    """The village of this commune whose name is ``name`` but for accents and case, if there is one."""
    query = sa.select(Village).where(Village.commune_id == commune_id, Village.name_folded == fold(name))
    if other_than is not None:
        query = query.where(Village.id != other_than)
    return db.session.scalars(query).first()


def save_village(actor: User, village: Village | None, data: VillageData) -> Village:
    """Add a village (``village`` is None) or change one; record it in the audit trail; commit.

    Names are stored in NFC with single spaces. Two villages of one commune may not have the same name
    (accents and case ignored: "Hua Chăn" and "hua chan" are the same village).

    :raise RuleError: on ``name`` when the commune already has a village of that name.
    """
    name = clean_name(data.name)
    if find_same_name(data.commune.id, name, other_than=village.id if village else None):
        raise RuleError("name", _l("This commune already has a village of this name."))
    before = snapshot(village) if village else {}
    if village is None:
        village = Village(commune=data.commune, name=name)
        db.session.add(village)
    village.name = name
    village.commune = data.commune
    village.former_commune = clean_name(data.former_commune) or None
    village.households = data.households
    village.latitude = data.latitude
    village.longitude = data.longitude
    village.distance_km = data.distance_km
    village.active = data.active
    try:
        db.session.flush()
    except IntegrityError:  # the same village, added at the same moment by someone else
        db.session.rollback()
        raise RuleError("name", _l("This commune already has a village of this name.")) from None
    changes = audit.changes_between(before, snapshot(village))
    if not changes:
        db.session.rollback()
        return village
    action = "village_updated" if before else "village_created"
    if action == "village_created":
        changes = {key: value for key, value in changes.items() if value[1] is not None}
    audit.record(actor, action, "village", village.id, f"{village.name} ({village.commune.name})", changes)
    db.session.commit()
    return village
