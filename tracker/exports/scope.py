"""Which month and which communes an export or a monthly report covers, and who may ask for one.

* **The month** is the province's local month (Asia/Ho_Chi_Minh): October 2026 runs from 00:00 on
  1 October to 00:00 on 1 November, local time (:func:`tracker.localtime.month_bounds_utc`). By default
  the previous month: the report of a month is made once it is over.
* **The scope** is one commune or the whole province. A province-wide supervisor or administrator may ask
  for either; a commune supervisor (or an administrator bound to a commune) for their own commune only.
  Another commune's code is a record out of scope and answers 404, as everywhere (see
  :mod:`tracker.scoping`).
* **Who**: supervisors and administrators. The export and the report are the supervisors' report
  upward; a commune official gets 403 on these pages (they are not records to hide, just not theirs), and
  the exported resident names never reach an official.

The command line (``flask export-resolved``) runs with no user: the server's operator may export any
commune or the province, and names the supervisor on whose behalf personal data is exported.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..localtime import month_bounds_utc, today
from ..models import Commune, User
from ..scoping import commune_ids_clause
from ..workflow import is_supervisor

MONTH_FORMAT = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month of the province, written ``2026-10``."""

    year: int
    month: int

    def __post_init__(self):
        if not (1 <= self.month <= 12 and 2000 <= self.year <= 2999):
            raise ValueError(f"not a month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str | None) -> "Month":
        """The month written ``YYYY-MM``. :raise ValueError: if ``text`` is not such a month."""
        match = MONTH_FORMAT.fullmatch((text or "").strip())
        if not match:
            raise ValueError(f"not a month: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Month":
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def next(self) -> "Month":
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """The UTC instants the local month starts and the next one starts (a half-open range)."""
        return month_bounds_utc(self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def default_month() -> Month:
    """The previous month in the province: the one whose report is due."""
    return Month.of(today()).previous()


def recent_months(count: int = 36) -> list[Month]:
    """The current month and the ``count - 1`` before it, newest first (what the month menus offer)."""
    months = [Month.of(today())]
    while len(months) < count:
        months.append(months[-1].previous())
    return months


@dataclass(frozen=True)
class ExportScope:
    """What an export or a report covers: a month, and one commune or (``commune`` None) the province.

    ``user`` is the person asking; every query is also limited to what they may see (the scoping rule),
    so that a scope built wrongly still cannot leak another commune. None on the command line.
    """

    month: Month
    commune: Commune | None = None
    user: User | None = None

    def limit(self, query: sa.Select, commune_column) -> sa.Select:
        """``query`` limited to the scope's commune (if any) and to what the user may see."""
        if self.commune is not None:
            query = query.where(commune_column == self.commune.id)
        if self.user is not None:
            query = query.where(commune_ids_clause(self.user, commune_column))
        return query

    @property
    def commune_code(self) -> str | None:
        return self.commune.code if self.commune is not None else None


def may_export(user: User) -> bool:
    """True for the active supervisors and administrators: the export and the report are theirs."""
    return bool(user.is_authenticated and user.active and is_supervisor(user))


def commune_for(user: User, code: str | None) -> Commune | None:
    """The commune an export asked for by ``code`` covers: None for the whole province.

    No code means the user's whole scope: the province for a province-wide user, their own commune
    otherwise.

    :raise 404: if no commune has this code, or ``user`` may not see it.
    """
    code = (code or "").strip()
    if not code:
        if user.is_province_wide:
            return None
        code_of_user = db.session.scalar(sa.select(Commune.code).where(Commune.id == user.commune_id))
        if code_of_user is None:
            abort(404)
        code = code_of_user
    commune = db.session.scalar(sa.select(Commune).where(Commune.code == code, commune_ids_clause(user, Commune.id)))
    if commune is None:
        abort(404)
    return commune


def commune_by_code(code: str) -> Commune | None:
    """The commune with this official code (leading zeros optional: ``3301`` is ``03301``), or None."""
    code = code.strip()
    if not code.isdigit():
        return None
    return db.session.scalar(sa.select(Commune).where(Commune.code == code.zfill(5)))
