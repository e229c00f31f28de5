"""Small helpers shared by the forms of every feature."""

import math
from collections.abc import Iterable

from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.widgets import Select


def optional_int(value):
    """Coerce a select's value to int; anything else becomes None, which the field's check refuses."""
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def select_choices(pairs: Iterable[tuple], optgroup: str | None = None) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select (optionally all in one ``<optgroup>``)."""
    return [SelectChoice(value=value, label=label, optgroup=optgroup) for value, label in pairs]


def choice_values(choices: Iterable[SelectChoice]) -> set:
    """The values a select offers."""
    return {choice.value for choice in choices}


def float_or_none(value):
    """A filter for a hidden number the page fills in: a bad value is dropped rather than refused."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class NumberBetween(NumberRange):
    """``NumberRange`` that stays quiet when the field could not be read as a number at all.

    The field has already said "enter a whole number" then; a second message would only confuse.
    """

    def __call__(self, form, field):
        if field.data is None:
            return
        super().__call__(form, field)


class FastSelect(Select):
    """WTForms' select, its plain options written straight out: the same HTML, many times faster for the long
    lists of the review (villages, people). Options with attributes of their own go through WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option value="{escape(choice.value)}"{selected}>{label}</option>')
