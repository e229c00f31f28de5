"""Error pages: one handler renders them all, in the user's language."""

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Please sign in"), _l("Sign in to continue.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("There is nothing here, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Changed meanwhile"), _l("Someone else changed this in the meantime. Reload and try again.")),
    413: (_l("Too large"), _l("What you sent is too large. Go back and send a smaller photo, or fewer at once.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("The error has been recorded. Nothing you sent was half-saved.")),
    503: (
        _l("Not available for a moment"),
        _l("The database cannot be reached just now. Nothing was saved: try again in a few seconds."),
    ),
}

# Seconds a client is asked to wait when the database is out of reach (a restart takes a few).
RETRY_AFTER_SECONDS = 5


def render_error(error: HTTPException):
    code = error.code or 500
    if request.path.startswith("/api/"):  # the JSON API answers in JSON, even where no route matched
        from .api.errors import http_error_response

        return http_error_response(error)
    # Werkzeug's own texts are English: every code gets a message of ours.
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if isinstance(error, CSRFError):
        message = _l("The form had expired. Please send it again: what you typed is still in it.")
    return render_template("errors/error.html", code=code, title=title, message=message), code


def database_unreachable(error: OperationalError | InterfaceError):
    """The database is down or restarting: 503 with Retry-After, so that the outbox and other clients try
    again with the same UUIDs, rather than a 500 that reads like a fault in what they sent."""
    from flask import current_app

    current_app.logger.warning("database unreachable: %s", error.__class__.__name__)
    response, code = _as_response(render_error(ServiceUnavailable()))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, code


def _as_response(result):
    from flask import make_response

    response = make_response(result)
    return response, response.status_code


def register(app: Flask) -> None:
    # An unhandled exception reaches this handler as a 500; Flask-SQLAlchemy rolls the session back.
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(OperationalError, database_unreachable)
    app.register_error_handler(InterfaceError, database_unreachable)
