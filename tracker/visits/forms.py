"""The visit form: a visit and the concerns raised at it, in one form that works without JavaScript."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import UUID, InputRequired, Length, Optional, ValidationError

from ..formutils import NumberBetween, choice_values, float_or_none, optional_int, select_choices
from ..localtime import today
from ..models import PRIORITIES, VISIT_KINDS

# A rough box around Vietnam, its islands included: a GPS point outside it is a mistake.
VIETNAM_LATITUDE = (8.0, 24.0)
VIETNAM_LONGITUDE = (102.0, 118.0)

NOT_A_NUMBER = _l("Enter a whole number.")
NOT_A_CHOICE = _l("Choose one of the options.")

# The rules a visit obeys however it arrives (this form, or the JSON API in tracker/api): plain functions
# that return the problem's message, or None when the value is fine.
MAX_LENGTHS = {"notes": 10000, "title": 200, "description": 5000, "resident_name": 120, "resident_contact": 120}
MAX_COUNT = 100000  # attendees, households affected
AT_MOST = _l("At most %(max)d characters.")
COUNT_RANGE = _l("Enter a number from 0 to 100,000.")


def visit_date_problem(day) -> str | None:
    """A visit cannot be dated after today (the province's local day)."""
    if day and day > today():
        return _l("The date of the visit cannot be in the future.")
    return None


def location_problem(latitude: float | None, longitude: float | None) -> str | None:
    """Both coordinates or neither, and the point within Vietnam."""
    if (latitude is None) != (longitude is None):
        return _l("Give both latitude and longitude, or neither.")
    if latitude is not None and not (
        VIETNAM_LATITUDE[0] <= latitude <= VIETNAM_LATITUDE[1]
        and VIETNAM_LONGITUDE[0] <= (longitude or 0) <= VIETNAM_LONGITUDE[1]
    ):
        return _l("This location is outside Vietnam.")
    return None


def count_problem(value: int | None) -> str | None:
    """Attendees and households: a whole number from 0 to 100,000, or nothing."""
    if value is not None and not 0 <= value <= MAX_COUNT:
        return COUNT_RANGE
    return None


class ConcernEntryForm(Form):
    """One concern raised at the visit. An entry left entirely blank is ignored."""

    client_uuid = HiddenField(validators=[UUID(message=_l("The form is damaged. Reload the page."))])
    # Set (by the page's script) when the official says an open concern already covers this one.
    same_as = HiddenField(filters=[optional_int])
    category_id = SelectField(
        _l("Category"), coerce=optional_int, validate_choice=False, invalid_choice_message=NOT_A_CHOICE
    )
    title = StringField(
        _l("What is the concern?"),
        validators=[Length(max=MAX_LENGTHS["title"], message=AT_MOST)],
    )
    description = TextAreaField(_l("Details"), validators=[Length(max=MAX_LENGTHS["description"], message=AT_MOST)])
    resident_name = StringField(
        _l("Resident's name (optional)"),
        validators=[Length(max=MAX_LENGTHS["resident_name"], message=AT_MOST)],
    )
    resident_contact = StringField(
        _l("Resident's phone or address (optional)"),
        validators=[Length(max=MAX_LENGTHS["resident_contact"], message=AT_MOST)],
    )
    households_affected = IntegerField(
        _l("Households affected"),
        validators=[Optional(), NumberBetween(min=0, max=MAX_COUNT, message=COUNT_RANGE)],
        invalid_value_message=NOT_A_NUMBER,
    )
    priority = SelectField(
        _l("Priority"),
        choices=select_choices(PRIORITIES.items()),
        default="normal",
        invalid_choice_message=NOT_A_CHOICE,
    )

    def validate_category_id(self, field):
        if not self.is_blank() and field.data not in choice_values(field.choices):
            raise ValidationError(_l("Choose a category."))

    def is_blank(self) -> bool:
        """True if nothing was typed into this concern (its selects keep their defaults)."""
        texts = (self.title, self.description, self.resident_name, self.resident_contact)
        return not any((field.data or "").strip() for field in texts) and self.households_affected.data is None

    def validate_title(self, field):
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError(_l("Say in a few words what the concern is."))


class VisitForm(FlaskForm):
    client_uuid = HiddenField(validators=[UUID(message=_l("The form is damaged. Reload the page."))])
    village_id = SelectField(
        _l("Village"),
        coerce=optional_int,
        validate_choice=False,  # checked against the user's scope in validate_village_id
        invalid_choice_message=NOT_A_CHOICE,
    )
    visit_date = DateField(
        _l("Date of the visit"),
        default=today,
        validators=[InputRequired(message=_l("Enter the date of the visit."))],
        invalid_value_message=_l("Enter a date such as 2026-11-23."),
    )
    kind = SelectField(
        _l("Kind of visit"),
        choices=select_choices(VISIT_KINDS.items()),
        default="dialogue",
        invalid_choice_message=NOT_A_CHOICE,
    )
    officials = SelectMultipleField(
        _l("Other officials who went"),
        coerce=optional_int,
        validate_choice=False,
        invalid_choice_message=NOT_A_CHOICE,
    )
    attendees = IntegerField(
        _l("Residents who came"),
        validators=[Optional(), NumberBetween(min=0, max=MAX_COUNT, message=COUNT_RANGE)],
        invalid_value_message=NOT_A_NUMBER,
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=MAX_LENGTHS["notes"], message=AT_MOST)])
    latitude = FloatField(
        _l("Latitude"), validators=[Optional()], invalid_value_message=_l("Enter a number such as 21.38.")
    )
    longitude = FloatField(
        _l("Longitude"), validators=[Optional()], invalid_value_message=_l("Enter a number such as 103.02.")
    )
    # Filled in by "use my location"; not typed by anyone, so a bad value is dropped, not refused.
    gps_accuracy_m = HiddenField(filters=[float_or_none])
    concerns = FieldList(FormField(ConcernEntryForm), min_entries=1, max_entries=20)
    add_concern = SubmitField(_l("Add another concern"))
    submit = SubmitField(_l("Save the visit"))

    def __init__(self, *args, village_choices=(), official_choices=(), category_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.village_id.choices = village_choices
        self.officials.choices = official_choices
        self.category_choices = list(category_choices)
        for entry in self.concerns:
            entry.form.category_id.choices = self.category_choices

    def add_concern_entry(self) -> None:
        """Append a blank concern (the no-JavaScript way to add one)."""
        if len(self.concerns) < (self.concerns.max_entries or 20):
            entry = self.concerns.append_entry()
            entry.form.category_id.choices = self.category_choices

    def validate_village_id(self, field):
        if field.data not in choice_values(field.choices):
            raise ValidationError(_l("Choose the village you visited."))

    def validate_officials(self, field):
        allowed = choice_values(field.choices)
        if any(value not in allowed for value in field.data or ()):
            raise ValidationError(_l("Choose officials from the list."))

    def validate_visit_date(self, field):
        if problem := visit_date_problem(field.data):
            raise ValidationError(problem)

    def validate_latitude(self, field):
        if problem := location_problem(field.data, self.longitude.data):
            raise ValidationError(problem)
