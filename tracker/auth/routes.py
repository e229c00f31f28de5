"""Sign-in and sign-out. Every other page needs a signed-in user (see :func:`require_login`)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, login_manager
from ..i18n import _safe_next
from .forms import LoginForm
from .session import authenticate

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
