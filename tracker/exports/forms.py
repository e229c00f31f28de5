"""The forms of the export page (a POST: it may record events) and of the report page (a GET: bookmarkable).

Both choose a month among the last :data:`MONTHS_OFFERED` and, for a province-wide user, a commune or the
whole province; their choices are set by :func:`set_choices` for the user who asks.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, SubmitField

from ..extensions import db
from ..formutils import select_choices
from ..models import User
from ..scoping import visible_communes
from .files import month_label
from .scope import Month, recent_months

MONTHS_OFFERED = 36
CHOOSE_MONTH = _l("Choose a month from the list.")
CHOOSE_COMMUNE = _l("Choose a commune from the list.")


def _month_field():
    return SelectField(_l("Month"), invalid_choice_message=CHOOSE_MONTH)


def _commune_field():
    return SelectField(_l("Commune"), invalid_choice_message=CHOOSE_COMMUNE)


class ReportForm(Form):
    """The report page's month and scope, read from the query string."""

    month = _month_field()
    commune = _commune_field()


class ExportForm(FlaskForm):
    """What to export: the month, the scope, personal data or not, and the format (the button pressed)."""

    month = _month_field()
    commune = _commune_field()
    include_personal_data = BooleanField(
        _l("Include the residents' names and contacts"),
        description=_l(
            "Only if the report needs them. The export is then recorded on the timeline of every concern in it."
        ),
    )
    csv = SubmitField(_l("Download CSV"))
    xlsx = SubmitField(_l("Download Excel (XLSX)"))

    @property
    def file_format(self) -> str:
        """The format of the button pressed: XLSX if that one, CSV otherwise (e.g. Enter in a field)."""
        return "xlsx" if self.xlsx.data else "csv"


def set_choices(form: ReportForm | ExportForm, user: User, language: str) -> None:
    """Offer the recent months (newest first) and the communes ``user`` may see (with the whole province
    first for a province-wide user; a commune supervisor's only choice is their commune)."""
    months = recent_months(MONTHS_OFFERED)
    labels = []
    for index, month in enumerate(months):
        label = month_label(month, language)
        label = label[:1].upper() + label[1:]
        labels.append((str(month), _("%(month)s (so far)", month=label) if index == 0 else label))
    form.month.choices = select_choices(labels)
    communes = [(c.code, c.name) for c in db.session.scalars(visible_communes(user))]
    if user.is_province_wide:
        communes.insert(0, ("", _("The whole province")))
    form.commune.choices = select_choices(communes)


def chosen_month(form: ReportForm | ExportForm) -> Month:
    """The month the (validated) form names."""
    return Month.parse(form.month.data)
