from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField

from ..formutils import optional_int, select_choices
from ..models import STATUSES


class ConcernFilterForm(Form):
    """The concerns list's filters, read from the query string (a filtered list can be bookmarked)."""

    q = StringField(_l("Search"))
    status = SelectField(
        _l("Status"),
        choices=select_choices([("", _l("Any status")), ("open", _l("Open (not yet resolved)")), *STATUSES.items()]),
        default="",
        validate_choice=False,
    )
    category = SelectField(_l("Category"), coerce=optional_int, validate_choice=False)
    village = SelectField(_l("Village"), coerce=optional_int, validate_choice=False)
