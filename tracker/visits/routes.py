"""Logging visits: the home page, the visit form, my visits and a visit's page."""

import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formutils import select_choices
from ..localtime import today
from ..models import Category, Concern, User, Village, Visit, visit_officials
from ..scoping import commune_ids_clause, get_visit_or_404, visible_concerns, visible_villages, visible_visits
from .forms import VisitForm
from .logic import ConcernInput, VisitInput, record_visit

bp = Blueprint("visits", __name__)


@bp.get("/")
def home():
    """The official's start page: log a visit, what is assigned to me, my latest visits."""
    my_visits = db.session.scalars(_my_visits_query().options(so.selectinload(Visit.concerns)).limit(5)).all()
    open_assigned = db.session.scalar(
        sa.select(sa.func.count(Concern.id)).where(Concern.assignee_id == current_user.id, Concern.is_open)
    )
    return render_template("visits/home.html", title=_("Home"), my_visits=my_visits, open_assigned=open_assigned)


@bp.route("/visits/new", methods=["GET", "POST"])
def new_visit():
    form = _visit_form()
    if request.method == "GET":
        form.client_uuid.data = str(uuid.uuid4())
        for entry in form.concerns:
            entry.form.client_uuid.data = str(uuid.uuid4())
    elif form.add_concern.data:
        # Without JavaScript, "add another concern" comes back here with what was typed so far.
        form.add_concern_entry()
        form.concerns[-1].form.client_uuid.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        visit, created = record_visit(current_user, _visit_input(form))
        if created:
            count = len(visit.concerns)
            flash(
                ngettext("Visit saved with %(num)d concern.", "Visit saved with %(num)d concerns.", count)
                if count
                else _("Visit saved."),
                "success",
            )
        else:
            flash(_("This visit was already saved."), "info")
        return redirect(url_for("visits.show", visit_id=visit.id))
    return render_template("visits/new.html", title=_("Log a visit"), form=form, today_iso=today().isoformat())


@bp.get("/visits")
def mine():
    """The visits I went on, newest first."""
    page = db.paginate(
        _my_visits_query().options(so.selectinload(Visit.concerns)),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("visits/mine.html", title=_("My visits"), page=page)


@bp.get("/visits/<int:visit_id>")
def show(visit_id: int):
    visit = get_visit_or_404(current_user, visit_id)
    return render_template("visits/show.html", title=visit.village.name, visit=visit)


def _my_visits_query() -> sa.Select:
    went = sa.select(visit_officials.c.visit_id).where(visit_officials.c.user_id == current_user.id)
    return (
        visible_visits(current_user)
        .where(sa.or_(Visit.id.in_(went), Visit.created_by_id == current_user.id))
        .options(so.contains_eager(Visit.village).joinedload(Village.commune))
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    )


def _visit_form() -> VisitForm:
    """The visit form with the villages, colleagues and categories the current user may choose."""
    villages = db.session.scalars(
        visible_villages(current_user)
        .where(Village.active)
        .options(so.joinedload(Village.commune))
        .order_by(Village.name_folded)
    ).all()

    # The search box also finds a village by its former (pre-2025) commune: "Ẳng Tở" finds those now in Búng Lao.
    def former(v: Village) -> dict:
        return {"data-former": v.former_commune} if v.former_commune else {}

    if current_user.is_province_wide:  # grouped by commune
        village_choices = [
            SelectChoice(value=v.id, label=v.name, optgroup=v.commune.name, render_kw=former(v))
            for v in sorted(villages, key=lambda v: (v.commune.name_folded, v.name_folded))
        ]
    else:
        village_choices = [SelectChoice(value=v.id, label=v.name, render_kw=former(v)) for v in villages]
    colleagues = db.session.scalars(
        sa.select(User)
        .where(User.active, User.id != current_user.id, User.role.in_(("official", "supervisor")))
        .where(commune_ids_clause(current_user, User.commune_id))
        .order_by(User.full_name)
    ).all()
    categories = db.session.scalars(
        sa.select(Category).where(Category.active).order_by(Category.sort_order, Category.id)
    ).all()
    return VisitForm(
        village_choices=[SelectChoice(value="", label=_("Choose the village")), *village_choices],
        official_choices=select_choices((u.id, u.full_name) for u in colleagues),
        category_choices=select_choices((c.id, c.name) for c in categories),
    )


def _open_concern_of(village: Village, concern_id: int | None) -> Concern | None:
    """The open concern of ``village`` the official linked to; None (a new concern then) if it is not one."""
    if not concern_id:
        return None
    return db.session.scalar(
        visible_concerns(current_user).where(
            Concern.id == concern_id, Concern.village_id == village.id, Concern.is_open
        )
    )


def _visit_input(form: VisitForm) -> VisitInput:
    """The validated form as the plain data :func:`record_visit` takes."""
    village = db.session.get(Village, form.village_id.data)
    categories = {c.id: c for c in db.session.scalars(sa.select(Category)).all()}
    others = db.session.scalars(sa.select(User).where(User.id.in_(form.officials.data or []))).all()
    concerns = [
        ConcernInput(
            category=categories[entry.form.category_id.data],
            title=entry.form.title.data,
            description=entry.form.description.data or "",
            resident_name=entry.form.resident_name.data,
            resident_contact=entry.form.resident_contact.data,
            households_affected=entry.form.households_affected.data,
            priority=entry.form.priority.data,
            client_uuid=entry.form.client_uuid.data,
            same_as=_open_concern_of(village, entry.form.same_as.data),
        )
        for entry in form.concerns
        if not entry.form.is_blank()
    ]
    return VisitInput(
        client_uuid=form.client_uuid.data,
        village=village,
        visit_date=form.visit_date.data or today(),
        kind=form.kind.data,
        attendees=form.attendees.data,
        notes=form.notes.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        gps_accuracy_m=form.gps_accuracy_m.data,
        other_officials=list(others),
        concerns=concerns,
    )
