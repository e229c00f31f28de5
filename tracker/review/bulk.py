"""Assigning many concerns at once from the review's list.

Each change goes through :func:`tracker.workflow.assign` (the rules and the event it writes); the caller
commits them together, in one transaction. A concern that may not be assigned (closed, already with this
person, out of the person's commune) is left as it is and reported with the reason; a concern that is not
in the actor's scope, or does not exist, is reported only as a number, so that nothing is learned about it.
"""

from dataclasses import dataclass, field

import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Concern, User
from ..scoping import visible_concerns
from ..workflow import TransitionError, assign

MAX_AT_ONCE = 500


@dataclass
class BulkResult:
    assigned: list[Concern] = field(default_factory=list)
    refused: list[tuple[Concern, str]] = field(default_factory=list)
    missing: int = 0


def assign_many(actor: User, concern_ids: list[int], assignee: User) -> BulkResult:
    """Give each concern of ``concern_ids`` that ``actor`` may see to ``assignee``; nothing is committed.

    :return: the concerns assigned, those refused with the reason (translated), and how many were not found.
    """
    ids = list(dict.fromkeys(concern_ids))[:MAX_AT_ONCE]
    concerns = db.session.scalars(
        visible_concerns(actor)
        .where(Concern.id.in_(ids))
        # Loaded with the concerns: what assign() reads (village, assignee) and the timeline it appends to.
        .options(so.contains_eager(Concern.village), so.joinedload(Concern.assignee), so.selectinload(Concern.events))
        .order_by(Concern.id)
    ).unique()
    result = BulkResult()
    for concern in concerns:
        if not concern.is_open:  # the workflow would only say "supervisors assign": say why instead
            result.refused.append(
                (concern, str(_l("It is “%(status)s”: reopen it first.", status=concern.status_label)))
            )
            continue
        try:
            assign(concern, assignee, actor)
        except TransitionError as error:
            result.refused.append((concern, str(error)))
        else:
            result.assigned.append(concern)
    result.missing = len(ids) - len(result.assigned) - len(result.refused)
    return result
