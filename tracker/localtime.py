"""The province's clock.

Times are stored in UTC. Days, months and due dates are those of the province (Asia/Ho_Chi_Minh, UTC+7
all year): a concern resolved at 23:30 on 31 October local time belongs to October.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def province_tz() -> ZoneInfo:
    """The province's time zone (``PROVINCE_TIMEZONE`` in the config)."""
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("PROVINCE_TIMEZONE", DEFAULT_TIMEZONE)
    return ZoneInfo(name)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """``moment`` (aware, or naive meaning UTC) as the province's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(province_tz())


def local_date(moment: datetime) -> date:
    """The province's calendar day on which ``moment`` falls."""
    return to_local(moment).date()


def today() -> date:
    """Today in the province."""
    return local_date(utcnow())


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` starts and the next one starts."""
    start = datetime.combine(day, time.min, tzinfo=province_tz())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=province_tz())
    return start.astimezone(UTC), end.astimezone(UTC)


def month_bounds_utc(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants at which the local month starts and the next month starts (half-open range)."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return day_bounds_utc(first)[0], day_bounds_utc(following)[0]


def due_date(created_at: datetime, priority: str) -> date:
    """The day a concern of ``priority`` raised at ``created_at`` is due, counted in local days.

    The number of days per priority is ``DUE_DAYS`` in the config (urgent 1, high 7, normal 30).
    """
    days = DEFAULT_DUE_DAYS
    if has_app_context():
        days = current_app.config.get("DUE_DAYS", DEFAULT_DUE_DAYS)
    return local_date(created_at) + timedelta(days=days[priority])


DEFAULT_DUE_DAYS = {"urgent": 1, "high": 7, "normal": 30}
