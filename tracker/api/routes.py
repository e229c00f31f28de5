"""The endpoints of the JSON API (``/api/v1``). The rules are the web forms': the same functions make the change."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .. import workflow
from ..attachments.photos import NO_FILE, PhotoRejected, store_photo
from ..concerns.forms import referral_dates_problem
from ..concerns.logic import ConcernFilters, apply_status_change, concern_list_query
from ..extensions import csrf, db, limiter
from ..models import (
    PRIORITIES,
    STATUSES,
    VISIT_KINDS,
    Attachment,
    Category,
    Concern,
    ConcernEvent,
    User,
    Village,
    Visit,
)
from ..scoping import commune_ids_clause, get_concern_or_404, get_visit_or_404, visible_concerns, visible_villages
from ..visits.forms import MAX_LENGTHS, count_problem, location_problem, visit_date_problem
from ..visits.logic import ConcernInput, VisitInput, find_visit_by_uuid, record_visit
from . import serialize
from .auth import authenticate, rate_limit_key
from .errors import ApiError, error_response, http_error_response, invalid
from .validation import MAX_ID, Reader, json_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked in auth.authenticate, from the X-CSRFToken header, for session requests only
bp.before_request(authenticate)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)

UUID_USED = _l("This UUID was already used for something else. Make a new one.")


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return http_error_response(error)


def _id_or_404(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise ApiError(404)
    return value


# --- Who I am, and what I may choose ------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document())


@bp.get("/csrf-token")
def csrf_token():
    return jsonify({"csrf_token": generate_csrf()})


@bp.get("/me")
def me():
    return jsonify(serialize.me_json(current_user))


@bp.get("/villages")
def villages():
    rows = db.session.scalars(
        visible_villages(current_user)
        .where(Village.active)
        .options(so.joinedload(Village.commune))
        .order_by(Village.name_folded, Village.id)
    ).all()
    return jsonify({"villages": [serialize.village_json(v) for v in rows]})


def _active_categories() -> list[Category]:
    return db.session.scalars(
        sa.select(Category).where(Category.active).order_by(Category.sort_order, Category.id)
    ).all()


@bp.get("/categories")
def categories():
    return jsonify({"categories": [serialize.category_json(c) for c in _active_categories()]})


# --- Visits ----------------------------------------------------------------------------------------------------


def _visible_visit_by_uuid(client_uuid: str) -> Visit | None:
    """The stored visit with this UUID; :raise ApiError: 422 if it exists but is not the user's to see."""
    visit = find_visit_by_uuid(client_uuid)
    if visit is None:
        return None
    if db.session.scalar(visible_villages(current_user).where(Village.id == visit.village_id)) is None:
        raise invalid({"client_uuid": [UUID_USED]})
    return visit


def _visit_answer(visit: Visit, created: bool):
    return jsonify({"visit": serialize.visit_json(visit), "created": created}), 201 if created else 200


@bp.post("/visits")
def create_visit():
    body = Reader(json_body())
    client_uuid = body.uuid("client_uuid")
    body.finish()
    # A repeat (a retry after a lost answer) gets the stored visit, whatever else it carries.
    existing = _visible_visit_by_uuid(client_uuid)
    if existing is not None:
        return _visit_answer(existing, False)
    try:
        data = _read_visit(body, client_uuid)
    except ApiError:
        # The first copy, racing this one, may have stored the visit (and so its concerns' UUIDs) meanwhile.
        db.session.rollback()
        existing = _visible_visit_by_uuid(client_uuid)
        if existing is not None:
            return _visit_answer(existing, False)
        raise
    try:
        visit, created = record_visit(current_user, data)
    except IntegrityError:
        # Another request stored one of the concerns' UUIDs meanwhile.
        db.session.rollback()
        existing = _visible_visit_by_uuid(client_uuid)
        if existing is not None:
            return _visit_answer(existing, False)
        raise invalid({"concerns": [UUID_USED]}) from None
    if not created and db.session.scalar(visible_villages(current_user).where(Village.id == visit.village_id)) is None:
        raise invalid({"client_uuid": [UUID_USED]})
    return _visit_answer(visit, created)


def _read_visit(body: Reader, client_uuid: str) -> VisitInput:
    """The visit in the body as :func:`record_visit` takes it; every problem named. :raise ApiError:"""
    problems = body.problems
    village_id = body.record_id("village_id", required=True, message=_l("Choose the village you visited."))
    visit_date = body.day("visit_date", required=True)
    kind = body.choice("kind", VISIT_KINDS, default="dialogue")
    attendees = body.integer("attendees")
    notes = body.text("notes", max_length=MAX_LENGTHS["notes"]) or ""
    latitude = body.number("latitude")
    longitude = body.number("longitude")
    accuracy = body.number("gps_accuracy_m")
    official_ids = body.array("official_ids", max_items=50)
    items = body.array("concerns", max_items=current_app.config["MAX_CONCERNS_PER_VISIT"])

    village = None
    if village_id is not None:
        village = db.session.scalar(visible_villages(current_user).where(Village.id == village_id, Village.active))
        if village is None:
            body.invalid("village_id", _l("Choose the village you visited."))
    if problem := visit_date_problem(visit_date):
        body.invalid("visit_date", problem)
    if problem := count_problem(attendees):
        body.invalid("attendees", problem)
    if (latitude is not None or longitude is not None) and (problem := location_problem(latitude, longitude)):
        body.invalid("latitude", problem)
    if accuracy is not None and not 0 <= accuracy <= 100000:
        body.invalid("gps_accuracy_m", _l("Must be from 0 to 100,000."))

    others = []
    if official_ids:
        ids = []
        for index, value in enumerate(official_ids):
            if isinstance(value, bool) or not isinstance(value, int):
                body.bad_type(f"official_ids[{index}]", _l("Must be a whole number."))
            else:
                ids.append(value)
        allowed = {
            u.id: u
            for u in db.session.scalars(
                sa.select(User)
                .where(User.active, User.role.in_(("official", "supervisor")))
                .where(commune_ids_clause(current_user, User.commune_id))
            )
        }
        if any(i not in allowed and i != current_user.id for i in ids):
            body.invalid("official_ids", _l("Choose officials of your commune."))
        others = [allowed[i] for i in dict.fromkeys(ids) if i in allowed]

    concerns = []
    categories = {c.id: c for c in _active_categories()}
    seen_uuids: set[str] = set()
    for index, item in enumerate(items or []):
        prefix = f"concerns[{index}]."
        if not isinstance(item, dict):
            problems.add(f"concerns[{index}]", _l("Must be an object."), bad_type=True)
            continue
        entry = Reader(item, prefix=prefix, problems=problems)
        concern_uuid = entry.uuid("client_uuid")
        category_id = entry.record_id("category_id", required=True, message=_l("Choose a category."))
        title = entry.text("title", required=True, max_length=MAX_LENGTHS["title"], blank_ok=False)
        description = entry.text("description", max_length=MAX_LENGTHS["description"]) or ""
        resident_name = entry.text("resident_name", max_length=MAX_LENGTHS["resident_name"])
        resident_contact = entry.text("resident_contact", max_length=MAX_LENGTHS["resident_contact"])
        households = entry.integer("households_affected")
        priority = entry.choice("priority", PRIORITIES, default="normal")
        same_as_id = entry.record_id("same_as_id", message=_l("Choose an open concern of this village."))
        if category_id is not None and category_id not in categories:
            entry.invalid("category_id", _l("Choose a category."))
        if problem := count_problem(households):
            entry.invalid("households_affected", problem)
        if concern_uuid is not None:
            if concern_uuid in seen_uuids or db.session.scalar(
                sa.select(Concern.id).where(Concern.client_uuid == concern_uuid)
            ):
                entry.invalid("client_uuid", UUID_USED)
            seen_uuids.add(concern_uuid)
        same_as = None
        if same_as_id is not None and village is not None:
            # As on the visit form: an open concern of this village, or (if it is not one) a new concern.
            same_as = db.session.scalar(
                visible_concerns(current_user).where(
                    Concern.id == same_as_id, Concern.village_id == village.id, Concern.is_open
                )
            )
        if not problems:
            concerns.append(
                ConcernInput(
                    category=categories[category_id],
                    title=title,
                    description=description,
                    resident_name=resident_name,
                    resident_contact=resident_contact,
                    households_affected=households,
                    priority=priority,
                    client_uuid=concern_uuid,
                    same_as=same_as,
                )
            )
    body.finish()
    return VisitInput(
        client_uuid=client_uuid,
        village=village,
        visit_date=visit_date,
        kind=kind,
        attendees=attendees,
        notes=notes,
        latitude=latitude,
        longitude=longitude,
        gps_accuracy_m=accuracy,
        other_officials=others,
        concerns=concerns,
    )


@bp.get("/visits/<int:visit_id>")
def get_visit(visit_id: int):
    visit = get_visit_or_404(current_user, _id_or_404(visit_id))
    return jsonify({"visit": serialize.visit_json(visit)})


# --- Photos ----------------------------------------------------------------------------------------------------


def _store_photo_once(*, visit: Visit | None = None, concern: Concern | None = None):
    """Store the photo of a multipart request once per client UUID; answer 201 (stored) or 200 (already)."""
    form = Reader(request.form.to_dict())
    client_uuid = form.uuid("client_uuid")
    is_evidence = False
    if concern is not None:
        is_evidence = form.choice("is_evidence", ("0", "1"), default="0") == "1"
    form.finish()
    file = request.files.get("photo")
    if file is None or (not file.filename and not file.content_length):
        # Also on a retry: a request without its photo is refused, whatever its UUID.
        raise invalid({"photo": [str(NO_FILE)]})
    existing = db.session.scalar(sa.select(Attachment).where(Attachment.client_uuid == client_uuid))
    if existing is not None:
        if (visit is not None and existing.visit_id == visit.id) or (
            concern is not None and existing.concern_id == concern.id
        ):
            return jsonify({"photo": serialize.photo_json(existing), "created": False}), 200
        raise invalid({"client_uuid": [UUID_USED]})
    try:
        attachment = store_photo(
            request.files.get("photo"),
            uploaded_by=current_user,
            visit=visit,
            concern=concern,
            is_evidence=is_evidence,
            client_uuid=client_uuid,
        )
        db.session.commit()
    except PhotoRejected as error:
        db.session.rollback()
        raise invalid({"photo": [str(error)]}) from None
    except IntegrityError:
        # The same photo sent twice at once: the other copy was stored.
        db.session.rollback()
        existing = db.session.scalar(sa.select(Attachment).where(Attachment.client_uuid == client_uuid))
        if existing is None:
            raise
        return jsonify({"photo": serialize.photo_json(existing), "created": False}), 200
    return jsonify({"photo": serialize.photo_json(attachment), "created": True}), 201


@bp.post("/visits/<int:visit_id>/photos")
def visit_photo(visit_id: int):
    visit = get_visit_or_404(current_user, _id_or_404(visit_id))
    return _store_photo_once(visit=visit)


@bp.post("/concerns/<int:concern_id>/photos")
def concern_photo(concern_id: int):
    concern = get_concern_or_404(current_user, _id_or_404(concern_id))
    return _store_photo_once(concern=concern)


# --- Concerns --------------------------------------------------------------------------------------------------


@bp.get("/concerns")
def list_concerns():
    query = Reader(request.args.to_dict())
    status = query.choice("status", tuple(STATUSES))
    village_id = query.text("village_id")
    assignee = query.choice("assignee", ("me",))
    open_only = query.choice("open", ("0", "1"), default="0") == "1"
    page = query.text("page")
    per_page = query.text("per_page")
    numbers = {}
    for name, value, low, high, default in (
        ("village_id", village_id, 1, MAX_ID, None),
        ("page", page, 1, 100000, 1),
        ("per_page", per_page, 1, 200, 50),
    ):
        if value is None or value == "":
            numbers[name] = default
        elif not value.isascii() or not value.isdigit():
            query.bad_type(name, _l("Must be a whole number."))
        elif not low <= int(value) <= high:
            query.invalid(name, _l("Must be from %(min)d to %(max)d.", min=low, max=high))
        else:
            numbers[name] = int(value)
    query.finish()
    filters = ConcernFilters(
        status=status or ("open" if open_only else None),
        village_id=numbers["village_id"],
        assignee_id=current_user.id if assignee == "me" else None,
    )
    select = concern_list_query(current_user, filters)
    if open_only and status:
        select = select.where(Concern.is_open)
    result = db.paginate(select, page=numbers["page"], per_page=numbers["per_page"], error_out=False)
    return jsonify(
        {
            "concerns": [serialize.concern_summary(c) for c in result.items],
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "pages": result.pages,
        }
    )


def _concern(concern_id: int) -> Concern:
    return get_concern_or_404(current_user, _id_or_404(concern_id))


@bp.get("/concerns/<int:concern_id>")
def get_concern(concern_id: int):
    return jsonify({"concern": serialize.concern_json(_concern(concern_id), current_user)})


def _event_by_uuid(client_uuid: str, concern: Concern) -> ConcernEvent | None:
    """The event stored for this UUID on ``concern``. :raise ApiError: 422 if it is another concern's."""
    event = db.session.scalar(sa.select(ConcernEvent).where(ConcernEvent.client_uuid == client_uuid))
    if event is not None and event.concern_id != concern.id:
        raise invalid({"client_uuid": [UUID_USED]})
    return event


def _conflict(concern: Concern):
    raise ApiError(
        409,
        "conflict",
        _l("Someone else changed this concern in the meantime. Look at it again before changing it."),
        current=serialize.concern_json(concern, current_user),
    )


@bp.post("/concerns/<int:concern_id>/status")
def change_status(concern_id: int):
    concern = _concern(concern_id)
    body = Reader(json_body())
    client_uuid = body.uuid("client_uuid")
    version = body.integer("version", required=True, minimum=1, maximum=MAX_ID)
    status = body.choice("status", tuple(STATUSES), required=True)
    note = body.text("note", max_length=5000)
    resolution_note = body.text("resolution_note", max_length=5000)
    rejection_reason = body.text("rejection_reason", max_length=5000)
    duplicate_of = body.text("duplicate_of", max_length=20)
    referral = None
    if (given := body.object("referral")) is not None:
        referral = workflow.Referral(
            to=given.text("to", max_length=200) or "",
            number=given.text("number", max_length=60),
            sent_on=given.day("date"),
            due_on=given.day("due_date"),
        )
        if problem := referral_dates_problem(referral.sent_on, referral.due_on):
            given.invalid("due_date", problem)
    body.finish()

    if _event_by_uuid(client_uuid, concern) is not None:  # a retry: already applied
        return jsonify({"concern": serialize.concern_json(concern, current_user), "created": False})
    if version != concern.version:
        _conflict(concern)
    if not workflow.may_change_status(current_user, concern, status):
        raise ApiError(
            403, "forbidden", _l("Only a supervisor, or the official the concern is assigned to, may do this.")
        )
    if status == "resolved" and resolution_note and resolution_note.strip():
        note = resolution_note
    elif status == "rejected" and rejection_reason and rejection_reason.strip():
        note = rejection_reason
    try:
        apply_status_change(
            concern,
            current_user,
            status,
            note=note,
            duplicate_code=duplicate_of,
            referral=referral,
            client_uuid=client_uuid,
        )
        db.session.commit()
    except workflow.TransitionError as error:
        field = _status_field(concern, status, note)
        db.session.rollback()
        raise invalid({field: [str(error)]}) from None
    except (StaleDataError, IntegrityError):
        # Saved meanwhile: this very change (a retry racing the first copy), or someone else's.
        db.session.rollback()
        concern = _concern(concern_id)
        if _event_by_uuid(client_uuid, concern) is not None:
            return jsonify({"concern": serialize.concern_json(concern, current_user), "created": False})
        _conflict(concern)
    return jsonify({"concern": serialize.concern_json(concern, current_user), "created": True})


def _status_field(concern: Concern, status: str, note: str | None) -> str:
    """The field a refused status change is about (for the ``fields`` of the 422), checked as the workflow does."""
    if status not in workflow.TRANSITIONS.get(concern.status, ()):
        return "status"
    if status in ("resolved", "rejected") and not (note or "").strip():
        return "note"
    return {"duplicate": "duplicate_of", "referred": "referral.to"}.get(status, "status")


@bp.post("/concerns/<int:concern_id>/notes")
def add_note(concern_id: int):
    concern = _concern(concern_id)
    body = Reader(json_body())
    client_uuid = body.uuid("client_uuid")
    text = body.text("text", required=True, max_length=5000, blank_ok=False)
    body.integer("version", minimum=1, maximum=MAX_ID)  # informational: a note overwrites nothing
    public = body.boolean("public")
    body.finish()
    event = _event_by_uuid(client_uuid, concern)
    created = event is None
    if created:
        try:
            event = workflow.add_note(concern, text, current_user, public=public)
            event.client_uuid = client_uuid
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            concern = _concern(concern_id)
            event = _event_by_uuid(client_uuid, concern)
            if event is None:
                raise
            created = False
    answer = {
        "event": serialize.event_json(event),
        "concern": serialize.concern_json(concern, current_user),
        "created": created,
    }
    return jsonify(answer), 201 if created else 200
