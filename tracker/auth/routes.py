"""Sign-in and sign-out. Every other page needs a signed-in user (see :func:`require_login`)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from ..extensions import db, login_manager
from ..i18n import _safe_next
from ..passwords import verify_password
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
}


@bp.before_app_request
def require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


# What someone who must change their password may still reach (see require_password_change).
WHILE_CHANGING_PASSWORD = {"auth.change_password", "auth.logout", "i18n.set_language", "static"}


@bp.before_app_request
def require_password_change():
    """After an administrator's reset, nothing but choosing a new password until it is done."""
    if request.endpoint in WHILE_CHANGING_PASSWORD or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("visits.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            # The same words for an unknown user, a wrong password and a deactivated account.
            current_app.logger.info("sign-in refused for %r from %s", form.username.data, request.remote_addr)
            form.password.errors.append(_("Wrong username or password, or the account is not active."))
        else:
            db.session.commit()
            language = session.get("language")
            session.clear()  # a new session at sign-in: nothing carried over from before
            if language:
                session["language"] = language
            login_user(user, remember=form.remember.data)
            current_app.logger.info("sign-in of %s from %s", user.username, request.remote_addr)
            return redirect(_safe_next(request.args.get("next")) or url_for("visits.home"))
    return render_template("auth/login.html", form=form, title=_("Sign in"))


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; every other session of the user ends, this one goes on."""
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            set_new_password(user, form.new_password.data)
            db.session.commit()
            # The bumped session version signed this session out too: sign it in again, as it was.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            login_user(user, remember=remembered)
            current_app.logger.info("password changed by %s", user.username)
            flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("visits.home"))
    return render_template("auth/change_password.html", form=form, title=_("Change your password"))
