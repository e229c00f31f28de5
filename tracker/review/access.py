"""Who may use the review, and which commune a page looks at.

The review pages are the supervisors' (and administrators'): a commune official gets 403 there, as on any
page that is not theirs. A village's page is for anyone who may see the village (404 otherwise, see
:mod:`tracker.scoping`). A commune asked for in the address that the user may not see is a record out of
scope: 404.
"""

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import Commune, User
from ..scoping import commune_ids_clause
from ..workflow import is_supervisor


def may_review(user: User) -> bool:
    """True for the supervisors and administrators, province-wide or of one commune."""
    return bool(user.is_authenticated and user.active and is_supervisor(user))


def commune_or_404(user: User, commune_id: int | None) -> Commune | None:
    """The commune ``commune_id`` if ``user`` may see it; None when no commune is asked for.

    A commune supervisor always looks at their own commune: asking for it changes nothing.

    :raise 404: if the commune does not exist or is outside ``user``'s scope.
    """
    if commune_id is None:
        return None
    commune = db.session.scalar(
        sa.select(Commune).where(Commune.id == commune_id, commune_ids_clause(user, Commune.id))
    )
    if commune is None:
        abort(404)
    return commune
