"""What a user may see: the one place scope is decided.

Every query for villages, visits or concerns starts from one of the ``visible_*`` functions. An official
or a commune supervisor sees their own commune; a province-wide supervisor or administrator sees the whole
province. A record outside the user's scope is treated as missing: the ``get_*_or_404`` helpers answer 404,
never 403, so that nobody learns what exists in another commune.
"""

import sqlalchemy as sa
from flask import abort

from .extensions import db
from .models import Attachment, Commune, Concern, User, Village, Visit


def commune_ids_clause(user: User, commune_column) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting ``commune_column`` to the communes ``user`` may see."""
    if user.is_province_wide:
        return sa.true()
    if user.commune_id is None:  # a commune-bound role without a commune sees nothing
        return sa.false()
    return commune_column == user.commune_id


def visible_communes(user: User) -> sa.Select:
    """Communes ``user`` may see, by name."""
    return sa.select(Commune).where(commune_ids_clause(user, Commune.id)).order_by(Commune.name)


def visible_villages(user: User) -> sa.Select:
    """Villages ``user`` may see (active or not)."""
    return sa.select(Village).where(commune_ids_clause(user, Village.commune_id))


def visible_visits(user: User) -> sa.Select:
    """Visits to villages ``user`` may see."""
    return sa.select(Visit).join(Visit.village).where(commune_ids_clause(user, Village.commune_id))


def visible_concerns(user: User) -> sa.Select:
    """Concerns of villages ``user`` may see."""
    return sa.select(Concern).join(Concern.village).where(commune_ids_clause(user, Village.commune_id))


def _one_or_404(query: sa.Select):
    record = db.session.scalars(query).first()
    if record is None:
        abort(404)
    return record


def get_village_or_404(user: User, village_id: int) -> Village:
    """The village, if ``user`` may see it. :raise 404: if it does not exist or is out of scope."""
    return _one_or_404(visible_villages(user).where(Village.id == village_id))


def get_visit_or_404(user: User, visit_id: int) -> Visit:
    """The visit, if ``user`` may see it. :raise 404: if it does not exist or is out of scope."""
    return _one_or_404(visible_visits(user).where(Visit.id == visit_id))


def get_concern_or_404(user: User, concern_id: int) -> Concern:
    """The concern, if ``user`` may see it. :raise 404: if it does not exist or is out of scope."""
    return _one_or_404(visible_concerns(user).where(Concern.id == concern_id))


def visible_attachments(user: User) -> sa.Select:
    """Photos and documents of the visits and concerns ``user`` may see."""
    visits = sa.select(Visit.id).join(Visit.village).where(commune_ids_clause(user, Village.commune_id))
    concerns = sa.select(Concern.id).join(Concern.village).where(commune_ids_clause(user, Village.commune_id))
    return sa.select(Attachment).where(sa.or_(Attachment.visit_id.in_(visits), Attachment.concern_id.in_(concerns)))


def get_attachment_or_404(user: User, attachment_id: int) -> Attachment:
    """The attachment, if ``user`` may see its visit or concern. :raise 404: if missing or out of scope."""
    return _one_or_404(visible_attachments(user).where(Attachment.id == attachment_id))
