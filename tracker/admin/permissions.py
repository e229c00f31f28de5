"""Who may administer what: the one place these rules are decided.

* An **administrator** manages every user, the villages, the categories, and reads the audit trail.
* A **supervisor** manages the commune officials within their scope: a commune supervisor those of their
  own commune, a province-wide supervisor those of every commune. A supervisor never manages another
  supervisor or an administrator, and can give no role but "commune official".
* A **commune official** administers nothing.

The pages of the Administration section answer 403 to someone who may not use them at all (they are not
records); a user outside the actor's scope answers 404 like any record out of scope (see
:mod:`tracker.scoping`), so that nobody learns who works in another commune.
"""

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import ROLES, Commune, User
from ..scoping import commune_ids_clause, visible_communes


def can_administer(user: User) -> bool:
    """True for those who have an Administration section: administrators and supervisors."""
    return bool(user.is_authenticated and user.active and user.role in ("admin", "supervisor"))


def is_administrator(user: User) -> bool:
    """True for an active administrator: villages, categories and the audit trail are theirs alone."""
    return bool(user.is_authenticated and user.active and user.role == "admin")


def _within_scope(actor: User, commune_id: int | None) -> bool:
    # The same rule as scoping.commune_ids_clause, for one record in hand.
    if actor.is_province_wide:
        return True
    return actor.commune_id is not None and commune_id == actor.commune_id


def can_manage_user(actor: User, target: User) -> bool:
    """True if ``actor`` may edit, deactivate, reactivate or reset the password of ``target``.

    An administrator manages everyone (what they may not do to their own account is decided by
    :mod:`tracker.admin.users`); a supervisor manages the officials within their scope, nobody else.
    """
    if not can_administer(actor):
        return False
    if actor.role == "admin":
        return True
    return target.role == "official" and target.id != actor.id and _within_scope(actor, target.commune_id)


def manageable_users(actor: User) -> sa.Select:
    """The users ``actor`` may manage, as a query: exactly those for which :func:`can_manage_user` is True."""
    query = sa.select(User)
    if not can_administer(actor):
        return query.where(sa.false())
    if actor.role == "admin":
        return query
    return query.where(User.role == "official", User.id != actor.id, commune_ids_clause(actor, User.commune_id))


def get_managed_user_or_404(actor: User, user_id: int) -> User:
    """The user, if ``actor`` may manage them.

    :raise 404: if there is no such user or ``actor`` may not manage them (out of scope looks missing).
    """
    user = db.session.scalars(manageable_users(actor).where(User.id == user_id)).first()
    if user is None:
        abort(404)
    return user


def assignable_roles(actor: User) -> list[str]:
    """The roles ``actor`` may give: every role for an administrator, "official" for a supervisor."""
    if not can_administer(actor):
        return []
    return list(ROLES) if actor.role == "admin" else ["official"]


def assignable_communes(actor: User) -> list[Commune]:
    """The communes ``actor`` may put a user in, by name: those within the actor's scope."""
    if not can_administer(actor):
        return []
    return list(db.session.scalars(visible_communes(actor)))


def may_assign(actor: User, role: str, commune_id: int | None) -> bool:
    """True if ``actor`` may give a user this role in this commune (None: the whole province)."""
    if role not in assignable_roles(actor):
        return False
    if actor.role == "admin":
        return True
    # A supervisor's officials belong to a commune within the supervisor's scope.
    return commune_id is not None and _within_scope(actor, commune_id)
