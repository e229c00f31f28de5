"""Who is asking: the browser's session (Flask-Login), or a personal API token (``Authorization: Bearer``).

The app's own sign-in gate (:func:`tracker.auth.routes.require_login`) lets the API's endpoints through:
the API answers for itself, with 401 JSON rather than a redirect to the sign-in page. A session needs the
``X-CSRFToken`` header on unsafe methods (the API is exempt from the app's form-based CSRF check); a token
does not (a browser never sends it by itself).
"""

from datetime import timedelta

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ..extensions import db
from ..localtime import utcnow
from .errors import ApiError
from .tokens import find_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints anyone may reach: the API's own description.
PUBLIC = frozenset({"api.openapi"})
# last_used_at is written at most this often (not on every request of a busy client).
LAST_USED_PRECISION = timedelta(minutes=1)


def bearer_secret() -> str | None:
    """The token sent in ``Authorization: Bearer …``; "" for an Authorization header of another kind."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def authenticate():
    """The blueprint's before_request: sign the request in, or refuse it with 401/400/403 JSON."""
    if request.endpoint in PUBLIC:
        return
    secret = bearer_secret()
    if secret is not None:
        token = find_token(secret) if secret else None
        if token is None or not token.user.active:
            raise ApiError(401, "unauthenticated", _l("The API token is not valid, or has been revoked."))
        g._login_user = token.user  # Flask-Login's current_user, for this request only (no session cookie)
        g.api_token_id = token.id
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            token.last_used_at = now
            db.session.commit()
    else:
        if not current_user.is_authenticated:
            raise ApiError(401, "unauthenticated", _l("Your session has ended. Please sign in again."))
        if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except ValidationError as error:
                g.csrf_failed = True  # the security log records it
                raise ApiError(
                    400, "csrf_failed", _l("The security token is missing or has expired. Fetch a new one.")
                ) from error
    if current_user.must_change_password:
        raise ApiError(403, "password_change_required", _l("Change your password before going on."))


def rate_limit_key() -> str:
    """Whose requests count together for the API's rate limit: a token's, a signed-in user's, an address's."""
    secret = bearer_secret()
    if secret:
        from .tokens import hash_token

        return "api-token:" + hash_token(secret)[:24]
    if current_user.is_authenticated:
        return f"api-user:{current_user.id}"
    return "api-address:" + (request.remote_addr or "")
