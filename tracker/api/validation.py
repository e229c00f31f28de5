"""Reading a JSON body field by field, collecting every problem with the field's name.

A value of the wrong type (a string where a number goes, text that is not UTF-8) is a ``bad_request`` (400);
a value of the right type that breaks a rule (too long, unknown village, a date in the future) is
``invalid`` (422). Either way every field at fault is named (``concerns[0].title``) and nothing is saved.
"""

import math
import re
import uuid
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l

from .errors import ApiError, invalid

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

REQUIRED = _l("This field is required.")
NOT_TEXT = _l("Must be text.")
NOT_INTEGER = _l("Must be a whole number.")
NOT_NUMBER = _l("Must be a number.")
NOT_UUID = _l("Must be a UUID such as 0b7e3c1e-6f5a-4a8e-9c1d-2f3b4a5c6d7e.")
NOT_DATE = _l("Must be a date such as 2026-11-23.")
NOT_LIST = _l("Must be a list.")
NOT_OBJECT = _l("Must be an object.")
NOT_BOOLEAN = _l("Must be true or false.")

MISSING = object()


def json_body() -> dict:
    """The request's JSON object. :raise ApiError: 400 if the body is not a JSON object."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body the API takes
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _l("Send a JSON object (Content-Type: application/json)."))
    return data


class Reader:
    """Reads fields of one JSON object (or form), remembering the problems; :meth:`finish` raises them."""

    def __init__(self, data: dict, prefix: str = "", problems: "Problems | None" = None):
        self.data = data
        self.prefix = prefix
        self.problems = problems if problems is not None else Problems()

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def bad_type(self, field: str, message) -> None:
        self.problems.add(self.name(field), message, bad_type=True)

    def invalid(self, field: str, message) -> None:
        self.problems.add(self.name(field), message)

    def _get(self, field: str, required: bool):
        value = self.data.get(field, MISSING)
        if value is MISSING or value is None:
            if required:
                self.invalid(field, REQUIRED)
            return MISSING
        return value

    def _whole_number(self, field: str, required: bool):
        """The field as an int (2.0 counts as 2; a bool does not), or MISSING when absent or of another type."""
        value = self._get(field, required)
        if value is MISSING:
            return MISSING
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad_type(field, NOT_INTEGER)
            return MISSING
        return value

    def _string(self, field: str, required: bool, type_message):
        """The field as a str, or MISSING when absent or not a string (said with ``type_message``)."""
        value = self._get(field, required)
        if value is MISSING:
            return MISSING
        if not isinstance(value, str):
            self.bad_type(field, type_message)
            return MISSING
        return value

    def text(self, field: str, *, required: bool = False, max_length: int | None = None, blank_ok: bool = True):
        """A string (NUL removed, trimmed), or None when absent/null."""
        value = self._get(field, required)
        if value is MISSING:
            return None
        if not isinstance(value, str):
            self.bad_type(field, NOT_TEXT)
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.bad_type(field, NOT_TEXT)
            return None
        if max_length is not None and len(value) > max_length:
            self.invalid(field, _l("At most %(max)d characters.", max=max_length))
            return None
        value = value.replace("\x00", "")  # as from every form (tracker/security.py): PostgreSQL refuses it
        if required and not blank_ok and not value.strip():
            self.invalid(field, REQUIRED)
            return None
        return value

    def integer(self, field: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None):
        value = self._whole_number(field, required)
        if value is MISSING:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.invalid(field, range_message(minimum, maximum))
            return None
        return value

    def record_id(self, field: str, *, required: bool = False, message=None):
        """An id: a whole number; one that cannot exist (0, negative, too large) is "not found" (``message``)."""
        value = self._whole_number(field, required)
        if value is MISSING:
            return None
        if not 1 <= value <= MAX_ID:
            self.invalid(field, message or REQUIRED)
            return None
        return value

    def number(self, field: str, *, required: bool = False):
        value = self._get(field, required)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.bad_type(field, NOT_NUMBER)
            return None
        return float(value)

    def boolean(self, field: str, default: bool = False) -> bool:
        value = self._get(field, False)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.bad_type(field, NOT_BOOLEAN)
            return default
        return value

    def uuid(self, field: str, *, required: bool = True):
        value = self._string(field, required, NOT_UUID)
        if value is MISSING:
            return None
        text = uuid_text(value)
        if text is None:
            self.bad_type(field, NOT_UUID)
        return text

    def choice(self, field: str, choices, *, required: bool = False, default=None):
        if self._get(field, required) is MISSING:
            return default
        value = self._string(field, required, NOT_TEXT)
        if value is MISSING:
            return None
        if value not in choices:
            self.invalid(field, _l("Must be one of: %(choices)s.", choices=", ".join(choices)))
            return None
        return value

    def day(self, field: str, *, required: bool = False):
        value = self._string(field, required, NOT_DATE)
        if value is MISSING:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.bad_type(field, NOT_DATE)
        return parsed

    def array(self, field: str, *, max_items: int | None = None) -> list | None:
        value = self._get(field, False)
        if value is MISSING:
            return []
        if not isinstance(value, list):
            self.bad_type(field, NOT_LIST)
            return None
        if max_items is not None and len(value) > max_items:
            self.invalid(field, _l("At most %(num)d items.", num=max_items))
            return None
        return value

    def object(self, field: str) -> "Reader | None":
        value = self._get(field, False)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.bad_type(field, NOT_OBJECT)
            return None
        return Reader(value, prefix=f"{self.name(field)}.", problems=self.problems)

    def finish(self) -> None:
        self.problems.raise_if_any()


class Problems:
    """Messages by field name; a wrong type makes the whole answer a 400, anything else a 422."""

    def __init__(self):
        self.fields: dict[str, list] = {}
        self.bad_type = False

    def add(self, field: str, message, bad_type: bool = False) -> None:
        self.fields.setdefault(field, []).append(message)
        self.bad_type = self.bad_type or bad_type

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        if self.bad_type:
            raise ApiError(400, "bad_request", _l("Some fields have the wrong type."), fields=self.fields)
        raise invalid(self.fields)


def uuid_text(value: str) -> str | None:
    """The UUID in its canonical lower-case form with dashes, or None if ``value`` is not one."""
    if not isinstance(value, str) or not UUID_PATTERN.match(value):
        return None
    return str(uuid.UUID(value))


def parse_date(value: str) -> date | None:
    if not DATE_PATTERN.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def range_message(minimum: int | None, maximum: int | None):
    if minimum is not None and maximum is not None:
        return _l("Must be from %(min)d to %(max)d.", min=minimum, max=maximum)
    if minimum is not None:
        return _l("Must be at least %(min)d.", min=minimum)
    return _l("Must be at most %(max)d.", max=maximum)
