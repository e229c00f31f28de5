"""The tracker's data: communes and villages, users, visits, concerns, their events and attachments.

Times are stored in UTC (:class:`UTCDateTime`); calendar days (a visit's date, a due date) are the
province's local days. Columns ending in ``_folded`` hold :func:`tracker.textsearch.fold` of the text
they shadow, kept up to date by validators, so that search is accent-insensitive on every database.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property

from .extensions import db
from .localtime import utcnow
from .textsearch import fold


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime, stored naive (SQLite has no time zones) and read back aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


# --- Vocabularies. The code is stored; the label is shown, translated. --------------------------------

ROLES = {
    "official": _l("Commune official"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}

VISIT_KINDS = {
    "dialogue": _l("Village dialogue"),
    "door_to_door": _l("Door-to-door"),
    "emergency": _l("Emergency response"),
    "paperwork": _l("On-site paperwork"),
    "inspection": _l("Inspection"),
}

PRIORITIES = {
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

STATUSES = {
    "new": _l("New"),
    "in_progress": _l("In progress"),
    "referred": _l("Referred"),
    "resolved": _l("Resolved"),
    "rejected": _l("Rejected"),
    "duplicate": _l("Duplicate"),
}
OPEN_STATUSES = ("new", "in_progress", "referred")
# The same in SQL, as the partial indexes of the open concerns and the queries that use them write it.
OPEN_SQL = "status IN ('new', 'in_progress', 'referred')"
EFFECTIVE_DUE_SQL = (
    "(CASE WHEN status = 'referred' AND referral_due_date IS NOT NULL THEN referral_due_date ELSE due_date END)"
)

SATISFACTION = {
    "satisfied": _l("Satisfied"),
    "partly": _l("Partly satisfied"),
    "not_satisfied": _l("Not satisfied"),
    "not_reached": _l("Could not be reached"),
}

EVENT_KINDS = {
    "created": _l("Created"),
    "status": _l("Status changed"),
    "assignment": _l("Assigned"),
    "priority": _l("Priority changed"),
    "note": _l("Note"),
    "escalation": _l("Escalated"),
    "attachment": _l("Photo or document added"),
    "export": _l("Personal data exported"),
    "satisfaction": _l("Resident's satisfaction recorded"),
}

# What the audit trail of administrative actions records (see AuditEvent).
AUDIT_ACTIONS = {
    "user_created": _l("User created"),
    "user_updated": _l("User changed"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "password_reset": _l("Password reset"),
    "village_created": _l("Village added"),
    "village_updated": _l("Village changed"),
    "villages_imported": _l("Villages imported"),
    "category_created": _l("Category added"),
    "category_updated": _l("Category changed"),
    "category_retired": _l("Category retired"),
    "category_reinstated": _l("Category reinstated"),
}

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def _check_in(column: str, values) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


# --- Places --------------------------------------------------------------------------------------------


class Commune(db.Model):
    """A commune or ward of the official register (the 2025 list of administrative units)."""

    __tablename__ = "communes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(10), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_folded: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    division_type: so.Mapped[str] = so.mapped_column(sa.String(30))
    province_code: so.Mapped[str] = so.mapped_column(sa.String(10), index=True)
    province_name: so.Mapped[str] = so.mapped_column(sa.String(120))

    villages: so.WriteOnlyMapped[Village] = so.relationship(back_populates="commune")

    @so.validates("name")
    def _fold_name(self, key, value):
        self.name_folded = fold(value)
        return value

    def __repr__(self) -> str:
        return f"<Commune {self.code} {self.name}>"


class Village(db.Model):
    """A village, hamlet or residential group of one commune."""

    __tablename__ = "villages"
    __table_args__ = (sa.UniqueConstraint("commune_id", "name_folded", name="uq_villages_commune_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    commune_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("communes.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_folded: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    # The pre-2025 commune the village belonged to before the merger, if it changed.
    former_commune: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    former_commune_folded: so.Mapped[str | None] = so.mapped_column(sa.String(120), index=True)
    households: so.Mapped[int | None]
    latitude: so.Mapped[float | None]
    longitude: so.Mapped[float | None]
    distance_km: so.Mapped[float | None]
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    commune: so.Mapped[Commune] = so.relationship(back_populates="villages")

    @so.validates("name")
    def _fold_name(self, key, value):
        self.name_folded = fold(value)
        return value

    @so.validates("former_commune")
    def _fold_former(self, key, value):
        self.former_commune_folded = fold(value) or None
        return value

    def __repr__(self) -> str:
        return f"<Village {self.name}>"


class Category(db.Model):
    """A kind of concern (electricity, housing, roads …), named in Vietnamese and English."""

    __tablename__ = "categories"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    # A retired category stays on old concerns and is no longer offered.
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Resolving a concern of this category needs a photo or document as evidence.
    requires_evidence: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    sort_order: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    @property
    def name(self) -> str:
        """The name in the language of the current request."""
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_vi

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


# --- People --------------------------------------------------------------------------------------------


class User(UserMixin, db.Model):
    """Someone who signs in: an official or supervisor of a commune, or a province-wide supervisor/admin."""

    __tablename__ = "users"
    __table_args__ = (_check_in("role", ROLES),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    full_name_folded: so.Mapped[str] = so.mapped_column(sa.String(120), index=True, default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    # None for province-wide supervisors and administrators.
    commune_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("communes.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # Bumped to end every session of the user at once (sign-out everywhere, password change).
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    commune: so.Mapped[Commune | None] = so.relationship()

    @so.validates("full_name")
    def _fold_full_name(self, key, value):
        self.full_name_folded = fold(value)
        return value

    def get_id(self) -> str:
        # What Flask-Login keeps in the session: the id and the session version (see auth.session).
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to inactive users
        return self.active

    @property
    def is_province_wide(self) -> bool:
        """True for a user who sees every commune of the province."""
        return self.role in ("supervisor", "admin") and self.commune_id is None

    @property
    def role_label(self) -> str:
        return str(ROLES[self.role])

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class AuditEvent(db.Model):
    """One administrative action: who did what to which user, village or category, when, old and new values.

    Append-only, like the concern events: never edited, never deleted (see :mod:`tracker.admin.audit`).
    ``changes`` maps each changed field to ``[old, new]``; ``target_label`` keeps the target's name as it
    was, so that the trail still reads right after a rename.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        _check_in("action", AUDIT_ACTIONS),
        sa.Index("ix_audit_events_target", "target_type", "target_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    # None for what is done from the command line.
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    target_type: so.Mapped[str] = so.mapped_column(sa.String(20))  # user, village, category, import
    target_id: so.Mapped[int | None]
    target_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    changes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    actor: so.Mapped[User | None] = so.relationship()

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTIONS[self.action])


# --- Visits --------------------------------------------------------------------------------------------

visit_officials = sa.Table(
    "visit_officials",
    db.metadata,
    sa.Column("visit_id", sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


def new_uuid() -> str:
    return str(uuid.uuid4())


class Visit(db.Model):
    """A visit by commune officials to a village, on one local day."""

    __tablename__ = "visits"
    __table_args__ = (
        _check_in("kind", VISIT_KINDS),
        sa.Index("ix_visits_village_date", "village_id", "visit_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Made by the client (form or phone) so that a visit sent twice is stored once.
    client_uuid: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True, default=new_uuid)
    village_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("villages.id"))
    visit_date: so.Mapped[date] = so.mapped_column(index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    attendees: so.Mapped[int | None]
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    latitude: so.Mapped[float | None]
    longitude: so.Mapped[float | None]
    gps_accuracy_m: so.Mapped[float | None]
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    village: so.Mapped[Village] = so.relationship()
    created_by: so.Mapped[User] = so.relationship()
    officials: so.Mapped[list[User]] = so.relationship(secondary=visit_officials, order_by="User.full_name")
    concerns: so.Mapped[list[Concern]] = so.relationship(back_populates="visit", order_by="Concern.id")
    attachments: so.Mapped[list[Attachment]] = so.relationship(back_populates="visit", order_by="Attachment.id")

    @property
    def kind_label(self) -> str:
        return str(VISIT_KINDS[self.kind])


# --- Concerns ------------------------------------------------------------------------------------------

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or handwritten is not misread.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8


def new_reference_code() -> str:
    """A random public reference code: 8 Crockford base32 characters, 40 bits, unguessable."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Concern(db.Model):
    """A concern raised by residents, followed until it is resolved.

    ``resident_name`` and ``resident_contact`` are personal data: never public, never exported unless a
    supervisor asks. ``version`` is bumped by every change so that concurrent edits are detected.
    """

    __tablename__ = "concerns"
    __table_args__ = (
        _check_in("status", STATUSES),
        _check_in("priority", PRIORITIES),
        sa.CheckConstraint("households_affected IS NULL OR households_affected >= 0", name="households"),
        sa.Index("ix_concerns_village_status", "village_id", "status"),
        sa.Index("ix_concerns_status_due", "status", "due_date"),
        sa.Index("ix_concerns_assignee_status", "assignee_id", "status"),
        # Province-scale reading (a few open concerns among years of closed ones): the open concerns with what
        # the review counts and sorts them by, and the resolved ones with their two times, so that the
        # review's counts, lists and medians read these small indexes alone (PostgreSQL's index-only scans).
        sa.Index(
            "ix_concerns_open",
            "village_id",
            "status",
            "priority",
            "category_id",
            "due_date",
            "referral_due_date",
            "created_at",
            "assignee_id",
            postgresql_where=sa.text(OPEN_SQL),
            sqlite_where=sa.text(OPEN_SQL),
        ),
        sa.Index(
            "ix_concerns_resolved",
            "resolved_at",
            "created_at",
            "village_id",
            postgresql_where=sa.text("status = 'resolved'"),
            sqlite_where=sa.text("status = 'resolved'"),
        ),
        sa.Index("ix_concerns_created_village", "created_at", "village_id"),
        # The open concerns in the order of their effective due date: the most overdue are read first.
        sa.Index(
            "ix_concerns_open_due",
            sa.text(EFFECTIVE_DUE_SQL),
            "created_at",
            "id",
            postgresql_where=sa.text(OPEN_SQL),
            sqlite_where=sa.text(OPEN_SQL),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_uuid: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True, default=new_uuid)
    reference_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True, default=new_reference_code)
    village_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("villages.id"))
    visit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("categories.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Folded title and description, for accent-insensitive search.
    search_folded: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    resident_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    resident_contact: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    households_affected: so.Mapped[int | None]
    priority: so.Mapped[str] = so.mapped_column(sa.String(10), default="normal")
    due_date: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="new")
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resolution_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    rejection_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    duplicate_of_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("concerns.id"))
    # A referral upward or to a department: to whom, the dispatch (số công văn), and its deadline.
    referred_to: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    referral_number: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    referral_date: so.Mapped[date | None]
    referral_due_date: so.Mapped[date | None]
    # The resident's satisfaction with the resolution, once known (SATISFACTION).
    satisfaction: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    village: so.Mapped[Village] = so.relationship()
    visit: so.Mapped[Visit | None] = so.relationship(back_populates="concerns")
    category: so.Mapped[Category] = so.relationship()
    assignee: so.Mapped[User | None] = so.relationship(foreign_keys=[assignee_id])
    created_by: so.Mapped[User] = so.relationship(foreign_keys=[created_by_id])
    duplicate_of: so.Mapped[Concern | None] = so.relationship(remote_side=[id])
    events: so.Mapped[list[ConcernEvent]] = so.relationship(back_populates="concern", order_by="ConcernEvent.id")
    attachments: so.Mapped[list[Attachment]] = so.relationship(back_populates="concern", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": version}

    @so.validates("title", "description")
    def _fold_text(self, key, value):
        title = value if key == "title" else (self.title or "")
        description = value if key == "description" else (self.description or "")
        self.search_folded = fold(f"{title} {description}")
        return value

    @hybrid_property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        # The statuses written into the SQL, not sent as parameters: a prepared statement's generic plan can
        # then still use the indexes of the open concerns (their WHERE names these statuses).
        return cls.status.in_([sa.literal_column(f"'{status}'") for status in OPEN_STATUSES])

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def priority_label(self) -> str:
        return str(PRIORITIES[self.priority])

    @hybrid_property
    def effective_due_date(self) -> date:
        """The day that decides lateness: a referral's deadline while referred, else the due date."""
        if self.status == "referred" and self.referral_due_date is not None:
            return self.referral_due_date
        return self.due_date

    @effective_due_date.inplace.expression
    @classmethod
    def _effective_due_date_expression(cls):
        # Written as ix_concerns_open_due writes it (a literal 'referred'), so that the index serves the order.
        return sa.case(
            (
                sa.and_(cls.status == sa.literal_column("'referred'"), cls.referral_due_date.is_not(None)),
                cls.referral_due_date,
            ),
            else_=cls.due_date,
        )

    def is_overdue(self, on: date) -> bool:
        """True if the concern is still open after its (effective) due date; ``on`` is the local day."""
        return self.is_open and self.effective_due_date < on

    def __repr__(self) -> str:
        return f"<Concern {self.reference_code}>"


class ConcernEvent(db.Model):
    """One change to a concern. Append-only: never edited, never deleted. The timeline is its events."""

    __tablename__ = "concern_events"
    __table_args__ = (
        _check_in("kind", EVENT_KINDS),
        # The escalations alone (a few in a hundred events): which open concerns were escalated, and the latest.
        sa.Index(
            "ix_concern_events_escalations",
            "concern_id",
            "id",
            postgresql_where=sa.text("kind = 'escalation'"),
            sqlite_where=sa.text("kind = 'escalation'"),
        ),
        # The latest escalations first (the review's list of escalated concerns).
        sa.Index(
            "ix_concern_events_escalations_latest",
            "created_at",
            "id",
            postgresql_where=sa.text("kind = 'escalation'"),
            sqlite_where=sa.text("kind = 'escalation'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    concern_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("concerns.id"), index=True)
    # None only for what a resident does on the public page.
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    old_value: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    new_value: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Shown on the public look-up page; internal notes are not.
    public: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Made by the phone for a status change or note sent through the API, so that a retry is applied once.
    client_uuid: so.Mapped[str | None] = so.mapped_column(sa.String(36), unique=True)

    concern: so.Mapped[Concern] = so.relationship(back_populates="events")
    author: so.Mapped[User | None] = so.relationship()

    @property
    def kind_label(self) -> str:
        return str(EVENT_KINDS[self.kind])


class Attachment(db.Model):
    """A photo or document of a visit or a concern, stored under ``instance/uploads/`` by a random name."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("visit_id IS NOT NULL OR concern_id IS NOT NULL", name="has_owner"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    visit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    concern_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("concerns.id"), index=True)
    client_uuid: so.Mapped[str | None] = so.mapped_column(sa.String(36), unique=True)
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    thumbnail_name: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(80))
    size_bytes: so.Mapped[int]
    width: so.Mapped[int | None]
    height: so.Mapped[int | None]
    original_filename: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Evidence of a resolution, as opposed to a photo taken along the way.
    is_evidence: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    visit: so.Mapped[Visit | None] = so.relationship(back_populates="attachments")
    concern: so.Mapped[Concern | None] = so.relationship(back_populates="attachments")
    uploaded_by: so.Mapped[User] = so.relationship()


class ApiToken(db.Model):
    """A personal API token: other systems act as its user through the JSON API (``Authorization: Bearer``).

    Only the SHA-256 hash of the secret is kept; the secret is shown once, when the token is made. A revoked
    token, or a token of a deactivated user, is refused.
    """

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
