"""The error the administration's functions raise when a rule refuses a change."""


class RuleError(ValueError):
    """A change refused by a rule. ``field`` names the form field the message belongs beside (or None)."""

    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = message
