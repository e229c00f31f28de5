"""What every response and request goes through: security headers, text without NUL, the log of refusals.

- Headers (:func:`add_security_headers`): a Content-Security-Policy that allows only the app's own files
  (no inline script, no inline event handler, no inline style), ``X-Content-Type-Options``,
  ``Referrer-Policy``, frame denial, and HSTS in production (``HSTS``).
- Requests (:class:`Request`): a NUL character has no meaning in any form field or query string, and
  PostgreSQL refuses it in text: it is removed from every submitted value and name before any form reads
  it. A path with a NUL in it finds nothing (404).
- Sessions (:func:`refresh_session`): the session cookie is permanent and re-signed on each request, so it
  expires after ``PERMANENT_SESSION_LIFETIME`` (8 hours) without a request.
- The security log (logger ``tracker.security``, :func:`log_event`): sign-ins, sign-outs, refusals
  (401, 403, 404, 429, an expired or missing CSRF token) with the user, the address, the time and what was
  refused. Never a password, a token or a query string.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, g, request, session
from flask import Request as FlaskRequest
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures.structures import iter_multi_items

from .localtime import utcnow

logger = logging.getLogger("tracker.security")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# The refusals written to the security log; 400 only when it was a CSRF failure (see _csrf_failed).
LOGGED_REFUSALS = {401, 403, 404, 429}


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    """The submitted fields (or query arguments) with every NUL character removed from names and values."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
        else:
            super().__init__([(_without_nul(key), _without_nul(value)) for key, value in iter_multi_items(mapping)])


class Request(FlaskRequest):
    parameter_storage_class = NulFreeMultiDict


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if hsts := current_app.config.get("HSTS"):
        response.headers.setdefault("Strict-Transport-Security", hsts)
    return response


def refuse_nul_in_path():
    if "\x00" in request.path:
        abort(404)


def refresh_session():
    """Every session is permanent: it lives PERMANENT_SESSION_LIFETIME after the last request, then ends."""
    if session and not session.permanent:
        session.permanent = True


def _who() -> str:
    try:
        if current_user and current_user.is_authenticated:
            return f"{current_user.id}:{current_user.username}"
    except Exception:  # the log must never break the answer (e.g. the database is down)
        return "unknown"
    return "anonymous"


def log_event(what: str, user: str | None = None, level: int = logging.INFO) -> None:
    """One line in the security log: the time (UTC), what, who, from which address, where.

    :param user: who it concerns when not the signed-in user (a username typed at sign-in).
    """
    logger.log(
        level,
        "%s %s user=%s address=%s %s %s",
        utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        what,
        user if user is not None else _who(),
        request.remote_addr,
        request.method,
        request.path,
    )


def log_refusal(response):
    status = response.status_code
    if status in LOGGED_REFUSALS or g.get("csrf_failed"):
        what = "refused-csrf" if g.get("csrf_failed") else f"refused-{status}"
        log_event(what, level=logging.WARNING)
    return response


def _csrf_failed(error: CSRFError):
    g.csrf_failed = True
    from .errors import render_error

    return render_error(error)


class SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, left alone by the JSON API unless it changed the session.

    The pages' scripts call the API in the background (the outbox, my concerns kept on the phone). Were
    each answer to re-send the cookie, one that arrives after a form's answer would put back the session as
    it was before that form: its flash message lost, or even a sign-in undone.
    """

    def should_set_cookie(self, app: Flask, session) -> bool:
        if request.blueprint == "api" and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    """Install the request class, the headers, the session refresh and the security log on ``app``."""
    app.request_class = Request
    app.session_interface = SessionInterface()
    app.before_request(refuse_nul_in_path)
    app.before_request(refresh_session)
    app.after_request(log_refusal)
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI", "")
    if uri.startswith("postgresql"):
        # A database that does not answer is known within seconds (the health check, the pool's pre-ping).
        # (A copy: the config classes' dict is shared by every app made from them.)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", app.config.get("DB_CONNECT_TIMEOUT", 5))
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
