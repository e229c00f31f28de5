"""Photos: adding them to a visit or a concern from the phone, and sending them to who may see them."""

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import csrf, db
from ..models import Concern, Visit
from ..scoping import get_attachment_or_404, get_concern_or_404, get_visit_or_404
from .photos import THUMBNAIL_CONTENT_TYPE, PhotoRejected, add_photos, stored_path

bp = Blueprint("attachments", __name__)

# Photos never change under their id: a phone may keep them a while, for this user only.
CACHE_CONTROL = "private, max-age=604800"


@bp.route("/visits/<int:visit_id>/photos", methods=["GET", "POST"])
@csrf.exempt  # checked in _upload, once the larger size limit of this form applies
def visit_photos(visit_id: int):
    _allow_several_photos()
    visit = get_visit_or_404(current_user, visit_id)
    return _upload(visit=visit)


@bp.route("/concerns/<int:concern_id>/photos", methods=["GET", "POST"])
@csrf.exempt  # checked in _upload, once the larger size limit of this form applies
def concern_photos(concern_id: int):
    _allow_several_photos()
    concern = get_concern_or_404(current_user, concern_id)
    return _upload(concern=concern)


@bp.get("/photos/<int:attachment_id>")
def photo(attachment_id: int):
    attachment = get_attachment_or_404(current_user, attachment_id)
    return _send(attachment.stored_name, attachment.content_type)


@bp.get("/photos/<int:attachment_id>/thumbnail")
def thumbnail(attachment_id: int):
    attachment = get_attachment_or_404(current_user, attachment_id)
    if not attachment.thumbnail_name:
        return _send(attachment.stored_name, attachment.content_type)
    return _send(attachment.thumbnail_name, THUMBNAIL_CONTENT_TYPE)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """More bytes than the form may carry: the upload page again, saying what the limits are."""
    # The record is not loaded again here: its page's address is enough to send the user back.
    visit_id, concern_id = request.view_args.get("visit_id"), request.view_args.get("concern_id")
    return render_template(
        "attachments/upload.html",
        **_page(visit_id=visit_id, concern_id=concern_id),
        photo_error=_(
            "The photos you sent are too large together: at most %(num)d photos of %(mb)d MB each at once. "
            "Send fewer or smaller photos.",
            num=current_app.config["MAX_PHOTOS_PER_UPLOAD"],
            mb=current_app.config["MAX_PHOTO_BYTES"] // (1024 * 1024),
        ),
    ), 413


@bp.app_template_global()
def new_upload_uuid() -> str:
    """A fresh UUID for a photo form, so that the same form sent twice stores its photos once."""
    return str(uuid.uuid4())


@bp.app_template_global()
def photo_limits() -> dict:
    """The limits the photo form states and its script checks before sending."""
    return {
        "bytes": current_app.config["MAX_PHOTO_BYTES"],
        "mb": current_app.config["MAX_PHOTO_BYTES"] // (1024 * 1024),
        "files": current_app.config["MAX_PHOTOS_PER_UPLOAD"],
    }


def _allow_several_photos() -> None:
    """This form may carry several photos: raise the request's size limit (the app's allows one)."""
    config = current_app.config
    request.max_content_length = config["MAX_PHOTOS_PER_UPLOAD"] * config["MAX_PHOTO_BYTES"] + 1024 * 1024


def _upload(visit: Visit | None = None, concern: Concern | None = None):
    """Show the photo form (GET), or store the photos sent and go back to the record's page."""
    page = _page(visit=visit, concern=concern)
    if request.method == "GET":
        return render_template("attachments/upload.html", **page)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    is_evidence = concern is not None and request.form.get("is_evidence") == "y"
    try:
        stored = add_photos(
            request.files.getlist("photos"),
            uploaded_by=current_user,
            visit=visit,
            concern=concern,
            is_evidence=is_evidence,
            upload_uuid=request.form.get("upload_uuid"),
        )
        db.session.commit()
    except PhotoRejected as error:
        db.session.rollback()  # the files of the photos already stored from this form go too
        return render_template("attachments/upload.html", **page, photo_error=str(error), evidence=is_evidence), 422
    except IntegrityError:
        # The same form sent twice at once (a double tap on a weak signal): the other copy was stored.
        db.session.rollback()
        flash(_("These photos had already been added."), "info")
        return redirect(page["back_url"] + "#photos")
    flash(ngettext("%(num)d photo added.", "%(num)d photos added.", len(stored)), "success")
    return redirect(page["back_url"] + "#photos")


def _page(visit: Visit | None = None, concern: Concern | None = None, visit_id=None, concern_id=None) -> dict:
    """What the upload page shows for the visit or concern (or only their ids, when the request was refused)."""
    if visit is not None or visit_id is not None:
        visit_id = visit.id if visit is not None else visit_id
        return {
            "title": _("Add photos"),
            "record_label": _("Visit to %(village)s", village=visit.village.name) if visit is not None else None,
            "upload_url": url_for("attachments.visit_photos", visit_id=visit_id),
            "back_url": url_for("visits.show", visit_id=visit_id),
            "evidence_choice": False,
        }
    concern_id = concern.id if concern is not None else concern_id
    return {
        "title": _("Add photos"),
        "record_label": concern.title if concern is not None else None,
        "upload_url": url_for("attachments.concern_photos", concern_id=concern_id),
        "back_url": url_for("concerns.show", concern_id=concern_id),
        "evidence_choice": True,
        "requires_evidence": concern is not None and concern.category.requires_evidence and concern.is_open,
    }


def _send(name: str, content_type: str):
    """Send a stored file by the name kept in the database (never a name from the request)."""
    try:
        path = stored_path(name)
    except ValueError:
        abort(404)
    if not path.is_file():
        current_app.logger.warning("photo file missing from the upload folder: %s", name)
        abort(404)
    response = send_file(path, mimetype=content_type, conditional=True, etag=True, max_age=None)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
