"""The public look-up (no account needed) and the slip an official prints for a resident.

``/track`` and ``/track/<code>`` are listed in ``auth.routes.PUBLIC_ENDPOINTS``; the slip is not: it needs
a signed-in official who may see the concern. Look-ups are rate-limited per address (``TRACK_RATE_LIMIT``)
and never cached: a resident's phone may be shared.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, TooManyRequests

from ..extensions import db, limiter
from ..localtime import today
from ..scoping import get_concern_or_404
from ..workflow import TransitionError
from .forms import LookupForm, SatisfactionForm
from .logic import find_concern, public_view, qr_code_svg, record_resident_satisfaction, spaced_code

bp = Blueprint("public", __name__)


def _track_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


def _only_the_empty_form() -> bool:
    """Opening the empty look-up form is not a look-up: it does not count against the limit."""
    return request.endpoint == "public.track" and "code" not in request.args


# One budget for every way of trying a code: the form, the bookmarkable address and the answer form.
lookup_limit = limiter.shared_limit(_track_limit, scope="track", exempt_when=_only_the_empty_form)


@bp.after_request
def keep_private(response):
    """A shared phone must not keep or show a looked-up concern again, and no search engine should list it."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(TooManyRequests)
def too_many_lookups(error):
    page = render_template("public/too_many.html", title=_("Too many look-ups"), language_next=url_for("public.track"))
    return page, 429


def _not_found():
    """The one answer for a code that matches nothing and for text that is not a code: 404, the same page.

    The typed text is not shown back, and the language switch returns to the empty form, so that the two
    cases give the very same page.
    """
    return (
        render_template(
            "public/track.html",
            title=_("Look up a concern"),
            form=LookupForm(formdata=None),
            not_found=True,
            language_next=url_for("public.track"),
        ),
        404,
    )


def _concern_page(concern, satisfaction_form=None):
    view = public_view(concern, today())
    return render_template(
        "public/concern.html",
        title=_("Concern %(code)s", code=view.spaced_code),
        concern=view,
        form=satisfaction_form or SatisfactionForm(formdata=None),
    )


@bp.get("/track")
@lookup_limit
def track():
    """The look-up form; with ``?code=`` (the form sent), the concern or the not-found answer."""
    if "code" not in request.args:
        return render_template("public/track.html", title=_("Look up a concern"), form=LookupForm(formdata=None))
    form = LookupForm(request.args)
    if not form.validate():  # nothing typed
        return render_template("public/track.html", title=_("Look up a concern"), form=form)
    concern = find_concern(form.code.data)
    return _concern_page(concern) if concern else _not_found()


# ``path``: a code typed with a slash in it is answered like any other malformed code, not by the site's 404.
@bp.get("/track/<path:code>")
@lookup_limit
def concern(code: str):
    """The concern with reference code ``code``, at an address that can be bookmarked or put in a QR code."""
    concern = find_concern(code)
    return _concern_page(concern) if concern else _not_found()


@bp.post("/track/<code>/satisfaction")
@lookup_limit
def satisfaction(code: str):
    """The resident's answer to "are you satisfied?", once, for a resolved concern; then back to its page."""
    concern = find_concern(code)
    if concern is None:
        return _not_found()
    form = SatisfactionForm()
    if not form.validate_on_submit():
        return _concern_page(concern, form)
    try:
        record_resident_satisfaction(concern, form.answer.data)
        db.session.commit()
    except TransitionError as error:
        db.session.rollback()
        flash(str(error), "error")
    except StaleDataError:  # the concern changed meanwhile (another answer, a reopening): nothing was saved
        db.session.rollback()
        raise Conflict() from None
    else:
        flash(_("Thank you. Your answer has been recorded."), "success")
    return redirect(url_for("public.concern", code=concern.reference_code), code=303)


@bp.get("/concerns/<int:concern_id>/slip")
def slip(concern_id: int):
    """A slip for a resident without a phone or e-mail: the code to read aloud, and where to look it up.

    :raise 404: if the concern does not exist or the official may not see it.
    """
    concern = get_concern_or_404(current_user, concern_id)
    return render_template(
        "public/slip.html",
        title=_("Slip for the resident"),
        concern=concern,
        code=spaced_code(concern.reference_code),
        # The address is printed with a break allowed before the path: a long host name wraps there.
        site_url=url_for("public.track", _external=True).removesuffix(url_for("public.track")),
        track_path=url_for("public.track"),
        qr_svg=qr_code_svg(
            url_for("public.concern", code=concern.reference_code, _external=True),
            _("QR code: opens the page of this concern"),
        ),
    )
