"""Language and formatting: which language a page speaks, and dates and numbers in it.

The language comes from the signed-in user's saved preference, then the choice kept in the session, then
the browser's ``Accept-Language``, then Vietnamese. Dates and times are shown in the province's time zone.
"""

import functools
from datetime import date, datetime

from babel import Locale
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_timedelta, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import db
from .localtime import utcnow
from .models import LANGUAGES

LOGIN_MESSAGE = _l("Please sign in to continue.")

bp = Blueprint("i18n", __name__)

# Babel's medium Vietnamese date ("3 thg 11, 2026") is not how officials write a date.
DAY_FORMATS = {"vi": "dd/MM/yyyy"}
MOMENT_FORMATS = {"vi": "HH:mm dd/MM/yyyy"}


def select_locale() -> str:
    if not has_request_context():  # the CLI, a background job
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "vi"


def current_language() -> str:
    """The language code of the current page ("vi" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None else "vi"


def select_timezone() -> str:
    return current_app.config["PROVINCE_TIMEZONE"]


@bp.post("/language")
def set_language():
    """Save the chosen language (for the user if signed in, else in the session) and go back."""
    language = request.form.get("language")
    if language in LANGUAGES:
        session["language"] = language
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("visits.home"))


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; never an address elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@functools.cache
def _group_symbol(locale: str) -> str:
    """The thousands separator of ``locale`` ("." in Vietnamese, "," in English), where digits are grouped by
    three as both languages' standard pattern does (``#,##0.###``)."""
    return Locale.parse(locale).number_symbols["latn"]["group"]


def _page_translations():
    """The translations of the request's locale, kept on ``g`` while that locale holds."""
    locale = get_locale()
    kept = g.get("page_translations")
    if kept is None or kept[0] is not locale:
        kept = g.page_translations = (locale, get_translations())
    return kept[1]


def register_filters(app: Flask) -> None:
    @app.template_filter("day")
    def day_filter(value: date | datetime | None) -> str:
        """A day as people write it: 03/11/2026 in Vietnamese, Nov 3, 2026 in English."""
        if not value:
            return ""
        return format_date(value, DAY_FORMATS.get(current_language(), "medium"))

    @app.template_filter("moment")
    def moment_filter(value: datetime | None) -> str:
        """A moment in the province's time: 09:05 03/11/2026, or Nov 3, 2026, 9:05 AM."""
        if not value:
            return ""
        return format_datetime(value, MOMENT_FORMATS.get(current_language(), "medium"))

    @app.template_filter("ago")
    def ago_filter(value: datetime | None) -> str:
        """How long ago, in words ("3 ngày trước")."""
        if not value:
            return ""
        return format_timedelta(value - utcnow(), add_direction=True, threshold=1.1)

    @app.template_filter("number")
    def number_filter(value) -> str:
        if value is None:
            return ""
        if type(value) is int:  # the counts of the review, by the hundred on a page: Babel's way, without Babel
            return format(value, ",").replace(",", _group_symbol(str(get_locale())))
        return format_decimal(value)

    # Flask-Babel finds the request's translations anew for every string of a template (a hundred on a page);
    # the page's templates look them up once, and again only if the locale changes (force_locale).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["safe_next"] = _safe_next
