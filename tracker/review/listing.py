"""The review's list of concerns: its filters, the choices its selects offer, and its columns.

The list is :func:`tracker.concerns.logic.concern_list_query` with every filter of
:class:`tracker.concerns.logic.ConcernFilters`; the CSV download writes exactly the columns the page shows
(:func:`list_columns`), from the same query.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..concerns.logic import SORT_ORDERS, ConcernFilters
from ..extensions import db
from ..formutils import select_choices
from ..localtime import local_date
from ..models import PRIORITIES, STATUSES, Category, Commune, Concern, User, Village
from ..scoping import commune_ids_clause, visible_communes, visible_villages
from .forms import UNASSIGNED, ReviewFilterForm


def filters_from_form(form: ReviewFilterForm, today: date, commune_id: int | None) -> ConcernFilters:
    """The filters the form asks for. Values that mean nothing (an unknown status, a date that is not one)
    are left out rather than refused: the form shows its own message next to a date it could not read."""
    assignee = form.assignee.data or ""
    return ConcernFilters(
        status=form.status.data if form.status.data in STATUSES or form.status.data == "open" else None,
        category_id=form.category.data,
        village_id=form.village.data,
        text=form.q.data,
        commune_id=commune_id,
        priority=form.priority.data if form.priority.data in PRIORITIES else None,
        assignee_id=int(assignee) if assignee.isdigit() else None,
        unassigned=assignee == UNASSIGNED,
        raised_from=form.raised_from.data if not form.raised_from.errors else None,
        raised_to=form.raised_to.data if not form.raised_to.errors else None,
        overdue_on=today if form.overdue.data else None,
        escalated=bool(form.escalated.data),
        sort=form.sort.data if form.sort.data in SORT_ORDERS else "newest",
    )


def commune_choices(user: User, any_label) -> list:
    return select_choices([("", any_label), *((c.id, c.name) for c in db.session.scalars(visible_communes(user)))])


def village_choices(user: User, commune_id: int | None, chosen: int | None = None) -> list:
    """The villages to filter by: of the chosen commune, else all those ``user`` may see. A province-wide
    user sees a commune's villages once the commune is chosen (the province's 1,446 would make the page
    heavy on a phone): only the village already chosen, if any, is offered before."""
    query = (
        visible_villages(user)
        .join(Village.commune)
        .with_only_columns(Village.id, Village.name, Commune.name)
        .order_by(Commune.name_folded, Village.name_folded)
    )
    if commune_id:
        query = query.where(Village.commune_id == commune_id)
    elif user.is_province_wide:
        query = query.where(Village.id == (chosen or 0))
    rows = db.session.execute(query).all()
    if user.is_province_wide and not commune_id:
        first = _l("Any village (choose a commune to list its villages)")
    else:
        first = _l("Any village")
    choices = select_choices([("", first)])
    grouped = user.is_province_wide and not commune_id
    for village_id, name, commune_name in rows:
        choices += select_choices([(village_id, name)], optgroup=commune_name if grouped else None)
    return choices


def category_choices() -> list:
    categories = db.session.scalars(sa.select(Category).order_by(Category.sort_order, Category.id))
    return select_choices([("", _l("Any category")), *((c.id, c.name) for c in categories)])


class Person(NamedTuple):
    """An official or supervisor as the people selects show them."""

    id: int
    full_name: str
    commune_name: str
    active: bool


def people_in_scope(user: User, commune_id: int | None = None) -> list[Person]:
    """The officials and supervisors of the communes ``user`` may see (of one commune if given), by commune
    and name. Their names and communes alone: the province's few hundred people are two selects of the list."""
    query = (
        sa.select(User.id, User.full_name, Commune.name, User.active)
        .join(User.commune)
        .where(User.role.in_(("official", "supervisor")), commune_ids_clause(user, User.commune_id))
        .order_by(Commune.name_folded, User.full_name_folded, User.id)
    )
    if commune_id:
        query = query.where(User.commune_id == commune_id)
    return [Person(*row) for row in db.session.execute(query)]


def people_choices(people: list[Person], user: User, commune_id: int | None, first: list, as_text=False) -> list:
    """``first`` then one choice per person (their id, as text if ``as_text``), grouped by commune for a
    province-wide user looking at the whole province."""
    choices = select_choices(first)
    grouped = user.is_province_wide and not commune_id
    for person in people:
        value = str(person.id) if as_text else person.id
        choices += select_choices([(value, person.full_name)], optgroup=person.commune_name if grouped else None)
    return choices


def assignee_filter_choices(people: list[Person], user: User, commune_id: int | None) -> list:
    first = [("", _l("Anyone or nobody")), (UNASSIGNED, _l("Nobody"))]
    return people_choices(people, user, commune_id, first, as_text=True)


def list_columns(user: User) -> list[tuple[str, str]]:
    """The list's columns as ``(key, heading)``, the same on the page and in the CSV file.

    What a supervisor reads first comes first (on a phone the table scrolls sideways from the title).
    """
    columns = [
        ("title", _("Concern")),
        ("status", _("Status")),
        ("days_overdue", _("Days overdue")),
        ("priority", _("Priority")),
        ("due", _("Due")),
        ("village", _("Village")),
    ]
    if user.is_province_wide:
        columns.append(("commune", _("Commune")))
    columns += [
        ("category", _("Category")),
        ("assignee", _("Assigned to")),
        ("raised", _("Raised")),
        ("reference", _("Reference code")),
    ]
    return columns


def days_overdue(concern: Concern, today: date) -> int | None:
    """How many local days past its effective due date an open concern is; None if it is not overdue."""
    return (today - concern.effective_due_date).days if concern.is_overdue(today) else None


def csv_cell(concern: Concern, key: str, today: date):
    """The value of one column for the CSV file (days written ISO-style, 2026-11-03)."""
    if key == "raised":
        return local_date(concern.created_at).isoformat()
    values = {
        "reference": concern.reference_code,
        "title": concern.title,
        "village": concern.village.name,
        "commune": concern.village.commune.name,
        "category": concern.category.name,
        "status": concern.status_label,
        "priority": concern.priority_label,
        "assignee": concern.assignee.full_name if concern.assignee else "",
        "due": concern.effective_due_date.isoformat(),
        "days_overdue": days_overdue(concern, today),
    }
    return values[key]
