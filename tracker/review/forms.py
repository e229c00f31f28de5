"""Forms of the review: the filters of the concerns list and of the coverage (read from the address, so a
view can be bookmarked or sent), and the bulk assignment posted from the list."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Form, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import Optional, ValidationError

from ..concerns.forms import DATE_HINT, ConcernFilterForm
from ..formutils import FastSelect, NumberBetween, optional_int, select_choices
from ..models import PRIORITIES
from .coverage import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS, SHOW_CHOICES

SORT_CHOICES = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "due": _l("Due date, most overdue first"),
    "priority": _l("Priority, urgent first"),
}
UNASSIGNED = "none"


class ReviewFilterForm(ConcernFilterForm):
    """The concerns list's filters (status, category, village, text) and the supervisors' own."""

    commune = SelectField(_l("Commune"), coerce=optional_int, validate_choice=False)
    priority = SelectField(
        _l("Priority"),
        choices=select_choices([("", _l("Any priority")), *PRIORITIES.items()]),
        default="",
        validate_choice=False,
    )
    assignee = SelectField(_l("Assigned to"), default="", validate_choice=False, widget=FastSelect())
    raised_from = DateField(_l("Raised from"), validators=[Optional()], invalid_value_message=DATE_HINT)
    raised_to = DateField(_l("Raised until"), validators=[Optional()], invalid_value_message=DATE_HINT)
    overdue = BooleanField(_l("Overdue only"))
    escalated = BooleanField(_l("Escalated only"))
    sort = SelectField(
        _l("Sort by"), choices=select_choices(SORT_CHOICES.items()), default="newest", validate_choice=False
    )

    def validate_raised_to(self, field):
        if field.data and self.raised_from.data and field.data < self.raised_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


class CoverageForm(Form):
    """The coverage page's choices: the number of days, the commune, all villages or the unvisited ones."""

    days = IntegerField(
        _l("Days without a visit"),
        default=DEFAULT_DAYS,
        validators=[
            Optional(),
            NumberBetween(
                min=MIN_DAYS,
                max=MAX_DAYS,
                message=_l("Enter a number of days from %(min)d to %(max)d."),
            ),
        ],
        invalid_value_message=_l("Enter a whole number."),
    )
    commune = SelectField(_l("Commune"), coerce=optional_int, validate_choice=False)
    show = SelectField(
        _l("Show"), choices=select_choices(SHOW_CHOICES.items()), default="unvisited", validate_choice=False
    )


class BulkAssignForm(FlaskForm):
    """Assign the concerns ticked in the list to one person."""

    concerns = SelectMultipleField(coerce=optional_int, validate_choice=False)
    assignee = SelectField(
        _l("Assign the ticked concerns to"), coerce=optional_int, validate_choice=False, widget=FastSelect()
    )

    def validate_concerns(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one concern in the list."))
        if None in field.data:
            raise ValidationError(_l("Tick the concerns in the list."))

    def validate_assignee(self, field):
        if field.data is None or field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose an official from the list."))


class CommuneForm(Form):
    """The one choice of the overview and the trends for a province-wide user: the whole province or a commune."""

    commune = SelectField(_l("Commune"), coerce=optional_int, validate_choice=False)
