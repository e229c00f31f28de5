"""The concerns list and a concern's page with its timeline."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..formutils import select_choices
from ..localtime import today
from ..models import STATUSES, Category, ConcernEvent, Village
from ..scoping import get_concern_or_404, visible_villages
from .forms import ConcernFilterForm
from .logic import ConcernFilters, concern_list_query

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


@bp.get("/<int:concern_id>")
def show(concern_id: int):
    concern = get_concern_or_404(current_user, concern_id)
    events = db.session.scalars(
        sa.select(ConcernEvent)
        .where(ConcernEvent.concern_id == concern.id)
        .options(so.joinedload(ConcernEvent.author))
        .order_by(ConcernEvent.created_at, ConcernEvent.id)
    ).all()
    return render_template(
        "concerns/show.html",
        title=concern.title,
        concern=concern,
        events=events,
        today=today(),
        STATUSES=STATUSES,
    )
