"""The concerns list, my concerns, a concern's page with its timeline, and the actions on a concern.

Each action (status, assignment, priority, note, escalation, satisfaction) is a small form on the concern's
page that posts to ``/concerns/<id>/<action>``. The change itself is made by :mod:`tracker.workflow`; a
change made meanwhile by someone else is caught by the concern's version and answered with 409 and the
list of what changed, with what the user typed kept in the form.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from .. import workflow
from ..extensions import db
from ..formutils import select_choices
from ..localtime import today
from ..models import PRIORITIES, SATISFACTION, STATUSES, Category, Concern, ConcernEvent, User, Village
from ..scoping import get_concern_or_404, visible_concerns, visible_villages
from .forms import (
    AssignForm,
    ConcernFilterForm,
    EscalateForm,
    NoteForm,
    PriorityForm,
    SatisfactionForm,
    StatusForm,
    TakeForm,
)
from .logic import ConcernFilters, EvidencePhotoError, apply_status_change, concern_list_query

bp = Blueprint("concerns", __name__, url_prefix="/concerns")


@bp.get("/")
def index():
    form = ConcernFilterForm(request.args)
    villages = db.session.scalars(visible_villages(current_user).order_by(Village.name_folded)).all()
    categories = db.session.scalars(sa.select(Category).order_by(Category.sort_order, Category.id)).all()
    form.village.choices = select_choices([("", _l("Any village")), *((v.id, v.name) for v in villages)])
    form.category.choices = select_choices([("", _l("Any category")), *((c.id, c.name) for c in categories)])
    filters = ConcernFilters(
        status=form.status.data if form.status.data in STATUSES or form.status.data == "open" else None,
        category_id=form.category.data,
        village_id=form.village.data,
        text=form.q.data,
    )
    page = db.paginate(
        concern_list_query(current_user, filters),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "concerns/index.html",
        title=_("Concerns"),
        form=form,
        page=page,
        args=args,
        today=today(),
        filtered=bool(args),
    )


@bp.get("/mine")
def mine():
    """The open concerns assigned to me: the most overdue first, then by the day they are due."""
    query = (
        visible_concerns(current_user)
        .where(Concern.assignee_id == current_user.id, Concern.is_open)
        .options(so.contains_eager(Concern.village), so.joinedload(Concern.category))
        .order_by(Concern.effective_due_date, Concern.id)
    )
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("concerns/mine.html", title=_("My concerns"), page=page, today=today())


@bp.get("/similar")
def similar():
    """Open concerns of a village and category, offered while a new one is typed (an HTML fragment)."""
    village_id = request.args.get("village", type=int)
    category_id = request.args.get("category", type=int)
    concerns = []
    if village_id and category_id:
        concerns = db.session.scalars(
            visible_concerns(current_user)
            .where(
                Concern.village_id == village_id,
                Concern.category_id == category_id,
                Concern.is_open,
            )
            .order_by(Concern.created_at.desc())
            .limit(5)
        ).all()
    return render_template("concerns/_similar.html", concerns=concerns)


@bp.get("/<int:concern_id>")
def show(concern_id: int):
    concern = get_concern_or_404(current_user, concern_id)
    return concern_page(concern, action_forms(concern))


# --- Actions -------------------------------------------------------------------------------------------

FORMS = {
    "status": StatusForm,
    "assign": AssignForm,
    "take": TakeForm,
    "priority": PriorityForm,
    "note": NoteForm,
    "escalate": EscalateForm,
    "satisfaction": SatisfactionForm,
}


def action_forms(concern: Concern, posted: str | None = None) -> dict:
    """The action forms the current user may use on ``concern``; only ``posted`` reads the request."""
    user = current_user
    allowed = {
        "status": bool(workflow.allowed_transitions(concern, user)),
        "assign": workflow.may_assign(user, concern),
        "take": workflow.may_take(user, concern),
        "priority": workflow.may_change_priority(user, concern),
        "note": True,
        "escalate": workflow.may_escalate(user, concern),
        "satisfaction": workflow.may_record_satisfaction(user, concern),
    }
    last_event = max((e.id for e in concern.events), default=0)
    forms = {}
    for name, form_class in FORMS.items():
        if not allowed[name]:
            continue
        form = form_class(prefix=name) if name == posted else form_class(prefix=name, formdata=None)
        if name != posted:
            form.version.data = concern.version
            form.seen_event.data = last_event
        forms[name] = form
    if "status" in forms:
        forms["status"].status.choices = select_choices(
            [("", _l("Choose…")), *((s, STATUSES[s]) for s in workflow.allowed_transitions(concern, user))]
        )
    if "assign" in forms:
        forms["assign"].assignee.choices = select_choices((u.id, u.full_name) for u in assignable_users(concern))
    if "priority" in forms and posted != "priority":
        forms["priority"].priority.data = concern.priority
    return forms


def assignable_users(concern: Concern) -> list[User]:
    """Active officials and supervisors of the concern's commune, other than its current assignee."""
    return db.session.scalars(
        sa.select(User)
        .where(
            User.active,
            User.role.in_(("official", "supervisor")),
            User.commune_id == concern.village.commune_id,
            User.id != sa.func.coalesce(concern.assignee_id, 0),
        )
        .order_by(User.full_name)
    ).all()


@bp.post("/<int:concern_id>/<action>")
def act(concern_id: int, action: str):
    """Apply one action to a concern, refusing it when the concern changed since the page was opened."""
    if action not in FORMS:
        abort(404)
    concern = get_concern_or_404(current_user, concern_id)
    forms = action_forms(concern, posted=action)
    form = forms.get(action)
    # A stale page first: the change meanwhile may be why this action is no longer offered. A note
    # overwrites nothing, so it is added whatever happened meanwhile.
    posted_version = request.form.get(f"{action}-version", str(concern.version))
    if action != "note" and posted_version != str(concern.version):
        return conflict(concern, forms, action, form or FORMS[action](prefix=action))
    if form is None:
        abort(403)
    if not form.validate_on_submit():
        return concern_page(concern, forms, focus=action)
    try:
        message = APPLY[action](concern, form)
        db.session.commit()
    except workflow.TransitionError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return concern_page(get_concern_or_404(current_user, concern_id), forms, focus=action)
    except EvidencePhotoError as error:
        db.session.rollback()
        form.photo.errors = [*form.photo.errors, str(error)]
        return concern_page(get_concern_or_404(current_user, concern_id), forms, focus=action)
    except StaleDataError:
        # Someone saved between our check and our write: the version in the WHERE clause caught it.
        db.session.rollback()
        return conflict(get_concern_or_404(current_user, concern_id), forms, action, form)
    flash(message, "success")
    return redirect(url_for("concerns.show", concern_id=concern.id))


def _apply_status(concern: Concern, form: StatusForm) -> str:
    new_status = form.status.data
    referral = workflow.Referral(
        to=form.referred_to.data or "",
        number=form.referral_number.data,
        sent_on=form.referral_date.data,
        due_on=form.referral_due_date.data,
    )
    apply_status_change(
        concern,
        current_user,
        new_status,
        note=form.note.data,
        duplicate_code=form.duplicate_of.data,
        referral=referral,
        photo=form.photo.data,
    )
    return _("Status changed to “%(status)s”.", status=STATUSES[new_status])


def _apply_assign(concern: Concern, form: AssignForm) -> str:
    assignee = db.session.get(User, form.assignee.data)
    workflow.assign(concern, assignee, current_user)
    return _("Assigned to %(name)s.", name=assignee.full_name)


def _apply_take(concern: Concern, form: TakeForm) -> str:
    workflow.assign(concern, current_user, current_user)
    return _("The concern is now yours.")


def _apply_priority(concern: Concern, form: PriorityForm) -> str:
    workflow.change_priority(concern, form.priority.data, current_user)
    return _("Priority changed to “%(priority)s”.", priority=PRIORITIES[form.priority.data])


def _apply_note(concern: Concern, form: NoteForm) -> str:
    workflow.add_note(concern, form.text.data, current_user, public=form.public.data)
    return _("Note added.")


def _apply_escalate(concern: Concern, form: EscalateForm) -> str:
    workflow.escalate(concern, current_user, form.reason.data)
    return _("The supervisor has been asked to step in.")


def _apply_satisfaction(concern: Concern, form: SatisfactionForm) -> str:
    workflow.record_satisfaction(concern, form.satisfaction.data, current_user)
    return _("The resident's satisfaction has been recorded.")


APPLY = {
    "status": _apply_status,
    "assign": _apply_assign,
    "take": _apply_take,
    "priority": _apply_priority,
    "note": _apply_note,
    "escalate": _apply_escalate,
    "satisfaction": _apply_satisfaction,
}


def conflict(concern: Concern, forms: dict, action: str, form):
    """Answer 409: the concern changed since the page was opened. Nothing was saved.

    The form keeps what was typed and now carries the current version, so the user can look at the
    changes and send it again; if the change made meanwhile means the action is no longer offered, what
    was typed is shown with the changes instead.
    """
    seen = int(form.seen_event.data) if str(form.seen_event.data or "").isdigit() else 0
    changes = [event for event in concern.events if event.id > seen]
    form.version.data = concern.version
    form.seen_event.data = max((e.id for e in concern.events), default=0)
    typed = []
    if action not in forms:
        typed = [(f.label.text, f.data) for f in form if f.type in ("StringField", "TextAreaField") and f.data]
    return concern_page(concern, forms, focus=action, changes=changes, typed=typed, status=409)


def concern_page(concern: Concern, forms: dict, focus=None, changes=None, typed=(), status: int = 200):
    events = db.session.scalars(
        sa.select(ConcernEvent)
        .where(ConcernEvent.concern_id == concern.id)
        .options(so.joinedload(ConcernEvent.author))
        .order_by(ConcernEvent.created_at, ConcernEvent.id)
    ).all()
    # Assignment events keep user ids: name them all with one query.
    ids = {int(v) for e in events if e.kind == "assignment" for v in (e.old_value, e.new_value) if v}
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return (
        render_template(
            "concerns/show.html",
            title=concern.title,
            concern=concern,
            events=events,
            user_names=names,
            forms=forms,
            focus=focus,
            changes=changes,
            typed=typed,
            today=today(),
            STATUSES=STATUSES,
            PRIORITIES=PRIORITIES,
            SATISFACTION=SATISFACTION,
        ),
        status,
    )
