from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField

from ..models import STATUSES
from ..visits.forms import optional_int


class ConcernFilterForm(Form):
    """The concerns list's filters, read from the query string (a filtered list can be bookmarked)."""

    q = StringField(_l("Search"))
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Any status")), ("open", _l("Open (not yet resolved)")), *list(STATUSES.items())],
        default="",
        validate_choice=False,
    )
    category = SelectField(_l("Category"), coerce=optional_int, validate_choice=False)
    village = SelectField(_l("Village"), coerce=optional_int, validate_choice=False)
