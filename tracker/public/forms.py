"""Forms of the public look-up: the reference code, and the resident's satisfaction."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired

from ..formutils import select_choices
from .logic import RESIDENT_SATISFACTION


class LookupForm(FlaskForm):
    """The reference code, sent by GET so that the address of the answer can be kept and opened again."""

    class Meta:
        csrf = False  # a look-up changes nothing

    code = StringField(
        _l("Reference code"),
        filters=[lambda text: text.strip() if text else text],
        validators=[DataRequired(message=_l("Type the reference code written on your slip."))],
    )


class SatisfactionForm(FlaskForm):
    """How satisfied the resident is with the resolution: once, on the public page of a resolved concern."""

    answer = RadioField(
        _l("Are you satisfied with how it was resolved?"),
        choices=select_choices(RESIDENT_SATISFACTION.items()),
        validators=[InputRequired(message=_l("Choose one of the answers."))],
        invalid_choice_message=_l("Choose one of the answers."),
    )
