"""The installable web app: its manifest, the service worker served from the site root, the page that shows
my concerns from the copy kept on the phone, and the strings the offline scripts speak.

The outbox itself lives in the browser (static/js/offline.js, IndexedDB) and sends through the JSON API.
"""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..i18n import current_language
from ..models import EVENT_KINDS, PRIORITIES, STATUSES

bp = Blueprint("offline", __name__)

# What the service worker keeps from its first visit on: the app's own files (cache-first: a new version of
# any of them changes the worker's version, so the phone fetches them all again) and the pages that must
# open with no signal (network-first, the copy kept is used when there is no network).
STATIC_FOLDERS = ("css", "js", "icons")
SHELL_PAGES = ("visits.new_visit", "offline.concerns")


def _static_files() -> list[Path]:
    root = Path(current_app.static_folder)
    files = []
    for folder in STATIC_FOLDERS:
        files += sorted(p for p in (root / folder).iterdir() if p.is_file() and p.name != "sw.js")
    return files


def _worker_version(files: list[Path], source: bytes) -> str:
    digest = hashlib.sha256(source)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.before_request
def leave_the_session_alone():
    """The worker and the manifest are fetched by the browser on its own, at any moment (while the sign-in
    form is being sent, say): their answers must not send back the session cookie they came with."""
    if request.endpoint in ("offline.service_worker", "offline.manifest"):
        request_ctx._session = current_app.session_interface.make_null_session(current_app)


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the site root so that it controls every page. Its version is a hash of the
    files it keeps: when one changes, the browser installs the new worker, which fetches them again."""
    root = Path(current_app.static_folder)
    source = (root / "js" / "sw.js").read_bytes()
    files = _static_files()
    static = [url_for("static", filename=p.relative_to(root).as_posix()) for p in files]
    pages = [url_for(endpoint) for endpoint in SHELL_PAGES]
    settings = {
        "version": _worker_version(files, source),
        "static": static,
        "pages": pages,
        "staticPrefix": url_for("static", filename=""),
        "offlinePage": url_for("offline.concerns"),
        "myConcerns": url_for("concerns.mine"),
        "concernPrefix": url_for("concerns.index"),
    }
    body = source.replace(b"/*SETTINGS*/{}", json.dumps(settings).encode(), 1)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """What a phone needs to install the tracker on its home screen (in the language the browser asks for)."""
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    data = {
        "name": _("Field visits"),
        "short_name": _("Field visits"),
        "description": _("Log village visits and residents' concerns, with or without signal."),
        "lang": _current_language(),
        "start_url": url_for("visits.home"),
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#f5f7f6",
        "theme_color": "#1f5f3f",
        "icons": icons,
    }
    response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _current_language() -> str:
    from ..i18n import current_language

    return current_language()


@bp.get("/offline/concerns")
def concerns():
    """My concerns as kept on this phone: the page is an empty frame filled from IndexedDB by offline.js."""
    return render_template(
        "offline/concerns.html", title=_("My concerns on this phone"), missed="missed" in request.args
    )


@bp.after_app_request
def mark_pages_to_keep(response):
    """The service worker keeps a copy only of a signed-in official's pages (not the sign-in page, not the
    public look-up): it looks for this header."""
    if (
        request.method == "GET"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and current_user
        and current_user.is_authenticated
    ):
        response.headers["X-Keep-Offline"] = "1"
    return response


@bp.after_app_request
def clear_cache_on_sign_out(response):
    """Signing out empties the browser's HTTP cache of this site (pages with residents' names in them).

    Only ``"cache"``: ``"storage"`` would also wipe IndexedDB, where visits not yet sent are kept, and the
    server cannot know whether the outbox is empty. offline.js empties the pages kept by the service worker
    and the copy of my concerns itself before the form is sent, and the sign-in page does it again.
    """
    if request.endpoint == "auth.logout" and request.method == "POST":
        response.headers["Clear-Site-Data"] = '"cache"'
    return response


def strings() -> dict:
    """Every word offline.js may show, in the page's language (it has none of its own)."""
    return {
        "waiting_one": ngettext(
            "%(count)s visit or change waiting to send", "%(count)s visits or changes waiting to send", 1, count="{n}"
        ),
        "waiting_other": ngettext(
            "%(count)s visit or change waiting to send", "%(count)s visits or changes waiting to send", 2, count="{n}"
        ),
        "sending": _("Sending…"),
        "all_sent": _("Everything has been sent."),
        "sent_visit": _("The visit was sent and saved."),
        "offline": _("No signal: it will be sent when the phone is back online."),
        "saved_offline": _("Saved on this phone. It will be sent when there is a signal."),
        "next_try": _("Next try at {time}."),
        "failed_network": _("Could not reach the server."),
        "sign_in_again": _("Your session has ended. Sign in again to send what is waiting; nothing is lost."),
        "sign_in": _("Sign in"),
        "password_change": _("Change your password first; then what is waiting will be sent."),
        "rejected": _("The server refused it:"),
        "conflict": _("Someone else changed this concern first. Your change was not applied."),
        "conflict_theirs": _("Now:"),
        "conflict_yours": _("Your change:"),
        "apply_again": _("Apply mine again on the new version"),
        "discard": _("Discard mine"),
        "remove": _("Remove"),
        "remove_confirm": _("Remove this from the phone? It has not been sent and will be lost."),
        "correct": _("Correct it"),
        "send_now": _("Send now"),
        "show_list": _("Show the list"),
        "hide_list": _("Hide the list"),
        "save_file": _("Save the outbox to a file"),
        "photos": ngettext("%(count)s photo", "%(count)s photos", 2, count="{n}"),
        "photo_one": ngettext("%(count)s photo", "%(count)s photos", 1, count="{n}"),
        "visit_label": _("Visit to {village}, {date}"),
        "concerns_count": _("{n} concern(s)"),
        "status_label": _("Status of {code}: {status}"),
        "note_label": _("Note on {code}"),
        "signout_title": _("Not everything has been sent"),
        "signout_text": _("{n} item(s) on this phone have not reached the server yet. Send them before signing out?"),
        "signout_send": _("Send first"),
        "signout_keep": _("Sign out; keep them on this phone"),
        "signout_keep_hint": _("They stay hidden until you sign in again on this phone, then they are sent."),
        "cancel": _("Cancel"),
        "others_kept": _("Items of another user are kept on this phone until they sign in again."),
        "field_errors": _("Fix what is marked and save again."),
        "not_in_cache": _("This concern is not kept on this phone."),
        "cached_at": _("Kept on this phone at {time}."),
        "no_cache": _("Nothing is kept on this phone yet. Open this page once with a signal."),
        "nothing_assigned": _("Nothing is assigned to you right now."),
        "status_saved": _("Saved on this phone; it will be sent with the version you saw."),
        "waiting_change": _("Waiting to send"),
        "choose_status": _("Choose the new status"),
        "photo_too_large": _("The photo {name} is too large."),
        "photo_of_result": _("Photo of the result"),
        "evidence": _("Evidence"),
        "take_photo": _("Take a photo"),
        "another_photo": _("Choose another photo"),
        "note_resolved": _("Say how the concern was resolved."),
        "note_rejected": _("Give the reason for rejecting the concern."),
        "referral_needed": _("Say to whom the concern is referred."),
        "duplicate_needed": _("Choose the concern this one duplicates."),
        "evidence_needed": _(
            "Concerns of this category need a photo or document as evidence before they are resolved."
        ),
        "storage_full": _("The phone has no room left to keep this. Save the outbox to a file."),
        "statuses": {code: str(label) for code, label in STATUSES.items()},
        "priorities": {code: str(label) for code, label in PRIORITIES.items()},
        "events": {code: str(label) for code, label in EVENT_KINDS.items()},
    }


# The strings as JSON, made once per language: every page carries them, and translating some sixty strings
# at each request was a good part of a page's time.
_strings_json: dict[str, Markup] = {}


def strings_json() -> Markup:
    """:func:`strings` as JSON for a ``<script type="application/json">``, in the page's language."""
    language = current_language()
    if language not in _strings_json:
        _strings_json[language] = htmlsafe_json_dumps(strings(), dumps=current_app.json.dumps)
    return _strings_json[language]


@bp.app_context_processor
def offline_page_settings():
    signed_in = current_user and current_user.is_authenticated
    return {"offline_user_id": current_user.id if signed_in else None, "offline_strings_json": strings_json}
