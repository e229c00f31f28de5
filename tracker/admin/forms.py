"""The administration's forms. Choices that depend on who is asking are set by the views."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, Form, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..extensions import db
from ..formutils import NumberBetween, choice_values, optional_int, select_choices
from ..models import Commune
from ..visits.forms import VIETNAM_LATITUDE, VIETNAM_LONGITUDE
from .audit import TARGET_TYPES
from .errors import RuleError
from .users import USERNAME, USERNAME_RULE, check_assignment, normalise_username
from .villages import VILLAGE_STATUSES

NOT_A_CHOICE = _l("Choose one of the options.")
NOT_A_NUMBER = _l("Enter a whole number.")
TOO_LONG = _l("At most %(max)d characters.")

USER_STATUSES = {"active": _l("Active"), "inactive": _l("Deactivated"), "all": _l("All")}


class ActionForm(FlaskForm):
    """A button that changes something (deactivate, reset a password, retire …): only its CSRF token."""


# --- Users ----------------------------------------------------------------------------------------------


class UserForm(FlaskForm):
    """Editing a user: name, role, commune, language. The username is fixed once created."""

    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter the person's full name.")),
            Length(max=120, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Role"), invalid_choice_message=NOT_A_CHOICE)
    commune_id = SelectField(
        _l("Commune"),
        coerce=optional_int,
        validate_choice=False,  # the rules of tracker.admin.users decide, with a message of their own
        invalid_choice_message=NOT_A_CHOICE,
    )
    language = SelectField(
        _l("Language of the pages"),
        choices=select_choices([("", _l("As the phone or computer asks")), ("vi", "Tiếng Việt"), ("en", "English")]),
        default="",
        invalid_choice_message=NOT_A_CHOICE,
    )

    def __init__(self, *args, actor=None, role_choices=(), commune_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.role.choices = list(role_choices)
        self.commune_id.choices = list(commune_choices)

    def validate_commune_id(self, field):
        if field.raw_data and field.raw_data[0] and field.data not in choice_values(field.choices):
            raise ValidationError(NOT_A_CHOICE)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then whether the role and commune go together (all messages at once)."""
        valid = super().validate(extra_validators)
        if self.actor is not None and not self.role.errors and not self.commune_id.errors:
            commune = db.session.get(Commune, self.commune_id.data) if self.commune_id.data else None
            try:
                check_assignment(self.actor, self.role.data, commune)
            except RuleError as error:
                getattr(self, error.field).errors.append(error.message)
                valid = False
        return valid


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        filters=[normalise_username],
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Length(min=3, max=64, message=_l("From %(min)d to %(max)d characters.")),
            Regexp(USERNAME, message=USERNAME_RULE),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class UserFilterForm(Form):
    """The users list's filters, from the query string."""

    q = StringField(_l("Name or username"))
    role = SelectField(_l("Role"), validate_choice=False)
    commune = SelectField(_l("Commune"), coerce=optional_int, validate_choice=False)
    status = SelectField(
        _l("Status"), choices=select_choices(USER_STATUSES.items()), default="active", validate_choice=False
    )


# --- Villages -------------------------------------------------------------------------------------------


class VillageForm(FlaskForm):
    name = StringField(
        _l("Name of the village"),
        validators=[DataRequired(message=_l("Enter the village's name.")), Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    commune_id = SelectField(
        _l("Commune"), coerce=optional_int, validate_choice=False, invalid_choice_message=NOT_A_CHOICE
    )
    former_commune = StringField(
        _l("Former commune (before 2025)"),
        validators=[Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    households = IntegerField(
        _l("Households"),
        validators=[Optional(), NumberBetween(min=0, max=100000, message=_l("Enter a number from 0 to 100,000."))],
        invalid_value_message=NOT_A_NUMBER,
    )
    latitude = FloatField(
        _l("Latitude"), validators=[Optional()], invalid_value_message=_l("Enter a number such as 21.38.")
    )
    longitude = FloatField(
        _l("Longitude"), validators=[Optional()], invalid_value_message=_l("Enter a number such as 103.02.")
    )
    distance_km = FloatField(
        _l("Distance to the commune centre (km)"),
        validators=[
            Optional(),
            NumberBetween(min=0, max=500, message=_l("Enter a number of kilometres from 0 to 500.")),
        ],
        invalid_value_message=_l("Enter a number such as 11.5."),
    )
    active = BooleanField(_l("In use (offered when logging a visit)"), default=True)

    def __init__(self, *args, commune_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_id.choices = list(commune_choices)

    def validate_commune_id(self, field):
        if field.data not in choice_values(field.choices):
            raise ValidationError(_l("Choose the commune."))

    def validate_latitude(self, field):
        if (field.data is None) != (self.longitude.data is None):
            raise ValidationError(_l("Give both latitude and longitude, or neither."))
        if field.data is not None and not (
            VIETNAM_LATITUDE[0] <= field.data <= VIETNAM_LATITUDE[1]
            and VIETNAM_LONGITUDE[0] <= (self.longitude.data or 0) <= VIETNAM_LONGITUDE[1]
        ):
            raise ValidationError(_l("This location is outside Vietnam."))


class VillageFilterForm(Form):
    q = StringField(_l("Name or former commune"))
    commune = SelectField(_l("Commune"), coerce=optional_int, validate_choice=False)
    status = SelectField(
        _l("Status"), choices=select_choices(VILLAGE_STATUSES.items()), default="active", validate_choice=False
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(message=_l("Choose the file to import."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


# --- Categories -----------------------------------------------------------------------------------------


class CategoryForm(FlaskForm):
    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[DataRequired(message=_l("Enter the name in Vietnamese.")), Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "lang": "vi"},
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[DataRequired(message=_l("Enter the name in English.")), Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "lang": "en"},
    )
    requires_evidence = BooleanField(_l("Resolving a concern needs a photo or document as evidence"))
    sort_order = IntegerField(
        _l("Position in lists"),
        validators=[Optional(), NumberBetween(min=0, max=1000, message=_l("Enter a number from 0 to 1,000."))],
        invalid_value_message=NOT_A_NUMBER,
    )


# --- The audit trail ------------------------------------------------------------------------------------


class AuditFilterForm(Form):
    about = SelectField(
        _l("Show"),
        choices=select_choices([("", _l("Everything")), *TARGET_TYPES.items()]),
        default="",
        validate_choice=False,
    )
