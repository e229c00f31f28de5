"""Forms of the concerns list and of the actions on a concern's page.

Every action form carries the concern's ``version`` as the user saw it, and the last event they saw, so
that a change made meanwhile by someone else is noticed and shown instead of being overwritten.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..formutils import FastSelect, optional_int, select_choices
from ..models import PRIORITIES, SATISFACTION, STATUSES

AT_MOST = _l("At most %(max)d characters.")
DATE_HINT = _l("Enter a date such as 2026-11-23.")


class ConcernFilterForm(Form):
    """The concerns list's filters, read from the query string (a filtered list can be bookmarked)."""

    q = StringField(_l("Search"))
    status = SelectField(
        _l("Status"),
        choices=select_choices([("", _l("Any status")), ("open", _l("Open (not yet resolved)")), *STATUSES.items()]),
        default="",
        validate_choice=False,
    )
    category = SelectField(_l("Category"), coerce=optional_int, validate_choice=False, widget=FastSelect())
    village = SelectField(_l("Village"), coerce=optional_int, validate_choice=False, widget=FastSelect())


class ActionForm(FlaskForm):
    """What every action on a concern carries: the version and the last event the user saw."""

    version = HiddenField()
    seen_event = HiddenField()


def referral_dates_problem(sent_on, due_on) -> str | None:
    """A referral's answer cannot be expected before its dispatch (this form and the JSON API)."""
    if due_on and sent_on and due_on < sent_on:
        return _l("The answer cannot be expected before the dispatch date.")
    return None


class StatusForm(ActionForm):
    status = SelectField(_l("New status"), validate_choice=False)
    note = TextAreaField(
        _l("Note"),
        description=_l("Required when resolving (how it was resolved) or rejecting (why). Residents see it."),
        validators=[Length(max=5000, message=AT_MOST)],
    )
    duplicate_of = StringField(
        _l("Reference code of the concern it duplicates"), validators=[Length(max=20, message=AT_MOST)]
    )
    referred_to = StringField(
        _l("Referred to"),
        description=_l("For a referral: the office or department that takes it over."),
        validators=[Length(max=200, message=AT_MOST)],
    )
    referral_number = StringField(
        _l("Dispatch number"), description=_l("For example 125/UBND-VP."), validators=[Length(max=60, message=AT_MOST)]
    )
    referral_date = DateField(_l("Dispatch date"), validators=[Optional()], invalid_value_message=DATE_HINT)
    referral_due_date = DateField(_l("Answer expected by"), validators=[Optional()], invalid_value_message=DATE_HINT)
    photo = FileField(_l("Photo of the result"), description=_l("Optional; required for some categories."))

    def validate_status(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose the new status."))

    def validate_referral_due_date(self, field):
        if problem := referral_dates_problem(self.referral_date.data, field.data):
            raise ValidationError(problem)


class AssignForm(ActionForm):
    assignee = SelectField(_l("Assign to"), coerce=optional_int, validate_choice=False)

    def validate_assignee(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose an official from the list."))


class TakeForm(ActionForm):
    """Taking an unassigned concern: a button, nothing to fill."""


class PriorityForm(ActionForm):
    priority = SelectField(
        _l("Priority"),
        choices=select_choices(PRIORITIES.items()),
        invalid_choice_message=_l("Choose one of the options."),
    )


# DataRequired, not InputRequired: a note of spaces or control characters alone is refused beside the field, as
# the workflow would refuse it (both strip the text).
class NoteForm(ActionForm):
    text = TextAreaField(
        _l("Note"),
        validators=[DataRequired(message=_l("Write the note.")), Length(max=5000, message=AT_MOST)],
    )
    public = BooleanField(_l("Residents may see this note"))


class EscalateForm(ActionForm):
    reason = TextAreaField(
        _l("Why is the supervisor needed?"),
        validators=[DataRequired(message=_l("Say why the supervisor is needed.")), Length(max=2000, message=AT_MOST)],
    )


class SatisfactionForm(ActionForm):
    satisfaction = SelectField(
        _l("How satisfied is the resident?"),
        choices=select_choices(SATISFACTION.items()),
        invalid_choice_message=_l("Choose one of the options."),
    )
