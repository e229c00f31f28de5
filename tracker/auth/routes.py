"""Sign-in and sign-out. Every other page needs a signed-in user (see :func:`require_login`)."""

import logging

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME
from werkzeug.exceptions import TooManyRequests

from ..extensions import db, limiter, login_manager
from ..i18n import _safe_next
from ..passwords import verify_password
from ..security import log_event
from .forms import ChangePasswordForm, LoginForm
from .session import authenticate, set_new_password

bp = Blueprint("auth", __name__)

# Endpoints anyone may reach without signing in: signing in, and the public look-up of a concern by its
# reference code (not the slip printed for a resident, which is for officials).
PUBLIC_ENDPOINTS = {
    "auth.login",
    "static",
    "i18n.set_language",
    "public.track",
    "public.concern",
    "public.satisfaction",
    "health.healthz",
    "offline.service_worker",  # the app shell's worker and manifest: the browser fetches them without a session
    "offline.manifest",
}


def is_api_request() -> bool:
    """True for the JSON API's endpoints: they answer for themselves (401/403 JSON, see tracker/api/auth.py)."""
    return request.blueprint == "api"


@bp.before_app_request
def require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or is_api_request():
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


# What someone who must change their password may still reach (see require_password_change).
WHILE_CHANGING_PASSWORD = {"auth.change_password", "auth.logout", "i18n.set_language", "static", "health.healthz"}


@bp.before_app_request
def require_password_change():
    """After an administrator's reset, nothing but choosing a new password until it is done."""
    if request.endpoint in WHILE_CHANGING_PASSWORD or request.endpoint is None or is_api_request():
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


# --- Limits on guessing passwords -------------------------------------------------------------------------
# Only failed attempts count (deduct_when): someone who signs in at the first try spends nothing. Once a
# limit is reached every attempt is refused, the right password too, until the window has passed.


def _typed_username() -> str:
    """The account a sign-in attempt is for, as the sign-in compares it (trimmed, lower case)."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


def _config_limit(name: str):
    return lambda: current_app.config[name]


@bp.errorhandler(TooManyRequests)
def too_many_attempts(error):
    """Too many failed attempts: the form again, saying so beside the password, with a 429."""
    typed = repr(_typed_username().removeprefix("account:")) if request.endpoint == "auth.login" else None
    log_event("refused-rate-limited", user=typed, level=logging.WARNING)
    if request.endpoint == "auth.change_password" and current_user.is_authenticated:
        form = ChangePasswordForm(username=current_user.username)
        form.current_password.errors = [_("Too many wrong passwords. Wait a quarter of an hour and try again.")]
        page = render_template("auth/change_password.html", form=form, title=_("Change your password"))
        return page, 429
    form = LoginForm()
    form.password.errors = [_("Too many failed sign-ins. Wait a quarter of an hour and try again.")]
    return render_template("auth/login.html", form=form, title=_("Sign in")), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _config_limit("LOGIN_RATE_LIMIT_PER_ACCOUNT"),
    key_func=_typed_username,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
@limiter.limit(
    _config_limit("LOGIN_RATE_LIMIT_PER_ADDRESS"),
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("visits.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            # The same words for an unknown user, a wrong password and a deactivated account.
            g.sign_in_failed = True
            log_event("sign-in-refused", user=repr(form.username.data.strip().lower()[:64]))
            form.password.errors.append(_("Wrong username or password, or the account is not active."))
        else:
            db.session.commit()
            language = session.get("language")
            session.clear()  # a new session at sign-in: nothing carried over from before
            if language:
                session["language"] = language
            session.permanent = True  # ends PERMANENT_SESSION_LIFETIME after the last request
            login_user(user, remember=form.remember.data)
            log_event("sign-in", user=f"{user.id}:{user.username}")
            return redirect(_safe_next(request.args.get("next")) or url_for("visits.home"))
    return render_template("auth/login.html", form=form, title=_("Sign in"))


@bp.post("/logout")
def logout():
    """Sign out here and everywhere else: the session version moves on, so every session of the user ends."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        log_event("sign-out")
        user.session_version += 1
        db.session.commit()
    logout_user()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _password_change_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(
    _config_limit("PASSWORD_CHANGE_RATE_LIMIT"),
    key_func=_password_change_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="password-change",
)
def change_password():
    """Change one's own password; every other session of the user ends, this one goes on."""
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            g.sign_in_failed = True
            log_event("password-change-refused", level=logging.WARNING)
            form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            set_new_password(user, form.new_password.data)
            db.session.commit()
            # The bumped session version signed this session out too: sign it in again, as it was.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            session.permanent = True
            login_user(user, remember=remembered)
            log_event("password-changed")
            flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("visits.home"))
    return render_template("auth/change_password.html", form=form, title=_("Change your password"))
