"""Every error of the API has one shape: ``{"error": {"code", "message", "fields"?}}`` (plus ``current`` on 409)."""

from flask import jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# The machine code of each HTTP error, and its message when the error itself has none of ours.
HTTP_CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthenticated", _l("Sign in, or send a valid API token.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("There is nothing here, or you do not have access to it.")),
    405: ("method_not_allowed", _l("This address does not accept that kind of request.")),
    409: ("conflict", _l("Someone else changed this in the meantime.")),
    413: ("too_large", _l("What you sent is too large.")),
    415: ("bad_request", _l("The request could not be understood.")),
    422: ("invalid", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong. The error has been recorded; nothing was half-saved.")),
    503: ("unavailable", _l("The database cannot be reached just now. Nothing was saved: try again shortly.")),
}


class ApiError(Exception):
    """Raised anywhere in a view: answered as the API's JSON error."""

    def __init__(self, status: int, code: str | None = None, message=None, fields=None, **extra):
        super().__init__(status, code)
        default_code, default_message = HTTP_CODES.get(status, HTTP_CODES[500 if status >= 500 else 400])
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields
        self.extra = extra


def invalid(fields: dict) -> ApiError:
    return ApiError(422, "invalid", _l("Some fields are not valid."), fields=fields)


def error_response(error: ApiError):
    body = {"code": error.code, "message": str(error.message)}
    if error.fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in error.fields.items()}
    response = jsonify({"error": body, **error.extra})
    response.status_code = error.status
    return response


def http_error_response(error: HTTPException):
    """A Werkzeug/Flask HTTP error (404, 405, 413, 429, 500 …) raised inside /api/, as JSON."""
    status = error.code or 500
    response = error_response(ApiError(status))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
