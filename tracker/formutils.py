"""Small helpers shared by the forms of every feature."""

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


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
