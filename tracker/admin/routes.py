"""The Administration section: users, villages and their import, categories, the audit trail.

Administrators use all of it; supervisors only the users they manage (see :mod:`.permissions`). The
section answers 403 to anyone else, and to a supervisor for the parts that are the administrator's; a user
outside the actor's scope answers 404. The views read the form, call one function of ``users``,
``villages``, ``villages_import`` or ``categories`` that does the work in one transaction, and render or
redirect.
"""

from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..formutils import select_choices
from ..models import ROLES, Category, Commune, User
from ..scoping import get_village_or_404, visible_communes
from ..textsearch import fold, like_pattern
from . import audit, categories, users, villages, villages_import
from .errors import RuleError
from .forms import (
    ActionForm,
    AuditFilterForm,
    CategoryForm,
    ImportForm,
    NewUserForm,
    UserFilterForm,
    UserForm,
    VillageFilterForm,
    VillageForm,
)
from .permissions import (
    assignable_communes,
    assignable_roles,
    can_administer,
    get_managed_user_or_404,
    is_administrator,
    manageable_users,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_an_administrative_role():
    """Only administrators and supervisors have an Administration section (403: it is not a record)."""
    if not can_administer(current_user):
        abort(403)


def administrators_only(view):
    """For the parts that are the administrator's alone: villages, categories, the audit trail."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_administrator(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.context_processor
def administration_sections():
    return {"is_administrator": is_administrator(current_user)}


def _page(query: sa.Select):
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _query_args() -> dict:
    """The list's filters, to carry over to its other pages."""
    return {key: value for key, value in request.args.items() if key != "page" and value}


def _apply_rule_error(form, error: RuleError) -> bool:
    """Put a rule's message beside its field; return False if it belongs to no field of ``form``."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


@bp.get("/")
def index():
    return render_template("admin/index.html", title=_("Administration"))


# --- Users ----------------------------------------------------------------------------------------------


@bp.get("/users")
def user_list():
    form = UserFilterForm(request.args)
    roles = assignable_roles(current_user)
    communes = assignable_communes(current_user)
    form.role.choices = select_choices([("", _l("Any role")), *((r, ROLES[r]) for r in roles)])
    form.commune.choices = select_choices([("", _l("Any commune")), *((c.id, c.name) for c in communes)])
    query = manageable_users(current_user).options(so.joinedload(User.commune))
    status = form.status.data if form.status.data in ("active", "inactive", "all") else "active"
    if status != "all":
        query = query.where(User.active.is_(status == "active"))
    if form.role.data in roles:
        query = query.where(User.role == form.role.data)
    if form.commune.data:
        query = query.where(User.commune_id == form.commune.data)
    text = users.clean_name(form.q.data)
    if fold(text):
        pattern = like_pattern(text)
        query = query.where(
            sa.or_(User.full_name_folded.like(pattern, escape="\\"), User.username.like(pattern, escape="\\"))
        )
    page = _page(query.order_by(User.full_name_folded, User.id))
    args = _query_args()
    filtered = bool(set(args) - {"status"}) or status != "active"
    return render_template("admin/users.html", title=_("Users"), form=form, page=page, args=args, filtered=filtered)


def _user_form_choices() -> dict:
    roles = [(role, ROLES[role]) for role in assignable_roles(current_user)]
    communes = [(c.id, c.name) for c in assignable_communes(current_user)]
    if current_user.role == "admin":
        communes = [("", _l("None: the whole province")), *communes]
    elif len(communes) > 1:  # a province-wide supervisor chooses; nothing is chosen for them
        communes = [("", _l("Choose the commune")), *communes]
    return {
        "actor": current_user._get_current_object(),
        "role_choices": select_choices(roles),
        "commune_choices": select_choices(communes),
    }


def _user_data(form: UserForm) -> users.UserData:
    commune = db.session.get(Commune, form.commune_id.data) if form.commune_id.data else None
    return users.UserData(
        full_name=form.full_name.data,
        role=form.role.data,
        commune=commune,
        language=form.language.data or None,
    )


def _temporary_password_page(user: User, password: str, created: bool):
    """The one time a temporary password is shown: not kept by the browser's cache."""
    response = make_response(
        render_template(
            "admin/user_password.html",
            title=_("Temporary password"),
            user=user,
            password=password,
            created=created,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm(**_user_form_choices())
    if request.method == "GET":
        if current_user.commune_id is not None:
            form.commune_id.data = current_user.commune_id
        form.role.data = "official"
    if form.validate_on_submit():
        try:
            user, password = users.create_user(current_user, form.username.data, _user_data(form))
        except RuleError as error:
            if not _apply_rule_error(form, error):
                flash(error.message, "info")
        else:
            return _temporary_password_page(user, password, created=True)
    return render_template("admin/user_form.html", title=_("New user"), form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = get_managed_user_or_404(current_user, user_id)
    form = UserForm(obj=user, **_user_form_choices())
    if request.method == "GET":
        form.language.data = user.language or ""
    if form.validate_on_submit():
        try:
            changed = users.update_user(current_user, user, _user_data(form))
        except RuleError as error:
            if not _apply_rule_error(form, error):
                flash(error.message, "info")
        else:
            flash(_("The changes have been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".edit_user", user_id=user.id))
    history = []
    if is_administrator(current_user):
        history = db.session.scalars(
            audit.audit_query(audit.AuditFilters(target_type="user", target_id=user.id)).limit(10)
        ).all()
    return render_template(
        "admin/user_form.html",
        title=user.full_name,
        form=form,
        user=user,
        actions=ActionForm(),
        history=history,
    )


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = get_managed_user_or_404(current_user, user_id)
    if ActionForm().validate_on_submit():
        try:
            users.set_active(current_user, user, active)
        except RuleError as error:
            flash(error.message, "info")
        else:
            if active:
                flash(_("%(name)s can sign in again.", name=user.full_name), "success")
            else:
                flash(_("%(name)s can no longer sign in, and has been signed out.", name=user.full_name), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int):
    user = get_managed_user_or_404(current_user, user_id)
    if ActionForm().validate_on_submit():
        try:
            password = users.reset_password(current_user, user)
        except RuleError as error:
            flash(error.message, "info")
        else:
            return _temporary_password_page(user, password, created=False)
    return redirect(url_for(".edit_user", user_id=user.id))


# --- Villages -------------------------------------------------------------------------------------------


def _commune_choices() -> list:
    return select_choices((c.id, c.name) for c in db.session.scalars(visible_communes(current_user)))


@bp.get("/villages")
@administrators_only
def village_list():
    form = VillageFilterForm(request.args)
    form.commune.choices = [*select_choices([("", _l("Any commune"))]), *_commune_choices()]
    status = form.status.data if form.status.data in villages.VILLAGE_STATUSES else "active"
    filters = villages.VillageFilters(text=form.q.data, commune_id=form.commune.data, status=status)
    page = _page(villages.village_list_query(current_user, filters))
    args = _query_args()
    filtered = bool(set(args) - {"status"}) or status != "active"
    return render_template(
        "admin/villages.html", title=_("Villages"), form=form, page=page, args=args, filtered=filtered
    )


def _village_data(form: VillageForm) -> villages.VillageData:
    return villages.VillageData(
        name=form.name.data,
        commune=db.session.get(Commune, form.commune_id.data),
        former_commune=form.former_commune.data,
        households=form.households.data,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        distance_km=form.distance_km.data,
        active=form.active.data,
    )


@bp.route("/villages/new", methods=["GET", "POST"])
@administrators_only
def new_village():
    form = VillageForm(commune_choices=[*select_choices([("", _l("Choose the commune"))]), *_commune_choices()])
    if request.method == "GET" and request.args.get("commune", "").isdigit():
        form.commune_id.data = int(request.args["commune"])
    if form.validate_on_submit():
        try:
            village = villages.save_village(current_user, None, _village_data(form))
        except RuleError as error:
            _apply_rule_error(form, error)
        else:
            flash(_("%(name)s has been added.", name=village.name), "success")
            return redirect(url_for(".village_list", commune=village.commune_id))
    return render_template("admin/village_form.html", title=_("New village"), form=form, village=None)


@bp.route("/villages/<int:village_id>", methods=["GET", "POST"])
@administrators_only
def edit_village(village_id: int):
    village = get_village_or_404(current_user, village_id)
    form = VillageForm(obj=village, commune_choices=_commune_choices())
    if form.validate_on_submit():
        try:
            villages.save_village(current_user, village, _village_data(form))
        except RuleError as error:
            _apply_rule_error(form, error)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for(".edit_village", village_id=village.id))
    history = db.session.scalars(
        audit.audit_query(audit.AuditFilters(target_type="village", target_id=village.id)).limit(10)
    ).all()
    return render_template("admin/village_form.html", title=village.name, form=form, village=village, history=history)


# --- Importing villages ---------------------------------------------------------------------------------


@bp.route("/villages/import", methods=["GET", "POST"])
@administrators_only
def import_villages():
    # Refuse a file far too large before reading it (the form's own checks read the whole request).
    too_large = request.method == "POST" and (request.content_length or 0) > villages_import.MAX_BYTES + 65536
    form = ImportForm(formdata=None) if too_large else ImportForm()
    if too_large:
        form.file.errors = [_("The file is larger than %(size)s MB: split it into several.", size="2")]
    elif form.validate_on_submit():
        storage = form.file.data
        try:
            upload = villages_import.read_upload(storage.filename, storage.read(villages_import.MAX_BYTES + 1))
        except villages_import.ImportFileError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            token = villages_import.store_upload(current_user, upload)
            return redirect(url_for(".import_preview", token=token))
    return render_template("admin/import.html", title=_("Import villages"), form=form)


def _expired_preview():
    flash(_("This preview has expired or is not yours. Upload the file again."), "info")
    return redirect(url_for(".import_villages"))


@bp.get("/villages/import/<token>")
@administrators_only
def import_preview(token: str):
    upload = villages_import.load_upload(current_user, token)
    if upload is None:
        return _expired_preview()
    preview = villages_import.preview_import(current_user, upload)
    return render_template(
        "admin/import_preview.html",
        title=_("Check the import"),
        upload=upload,
        preview=preview,
        token=token,
        form=ActionForm(),
    )


@bp.post("/villages/import/<token>")
@administrators_only
def confirm_import(token: str):
    upload = villages_import.load_upload(current_user, token)
    if upload is None:
        return _expired_preview()
    form = ActionForm()
    # Checked again: the villages may have changed since the preview was shown.
    preview = villages_import.preview_import(current_user, upload)
    error = None
    if form.validate_on_submit():
        try:
            counts = villages_import.apply_import(current_user, preview, upload.filename)
        except RuleError as rule:
            error = rule.message
            preview = villages_import.preview_import(current_user, upload)
        else:
            villages_import.discard_upload(token)
            if preview.has_changes:
                flash(
                    _(
                        "Villages imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.",
                        new=counts["new"],
                        changed=counts["changed"],
                        unchanged=counts["unchanged"],
                    ),
                    "success",
                )
            else:
                flash(_("Nothing to import: every village in the file is already as it says."), "info")
            return redirect(url_for(".village_list"))
    return render_template(
        "admin/import_preview.html",
        title=_("Check the import"),
        upload=upload,
        preview=preview,
        token=token,
        form=form,
        error=error,
    )


@bp.get("/villages/template.csv")
@administrators_only
def import_template_csv():
    response = make_response(villages_import.template_csv())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=villages.csv"
    return response


@bp.get("/villages/template.xlsx")
@administrators_only
def import_template_xlsx():
    explanations = [
        (_("Column"), _("What it holds"), _("Example")),
        ("name", _("The village's name, with its accents. Required."), "Hua Chăn"),
        ("commune", _("The commune's official code, or its name. Required."), "03301"),
        ("former_commune", _("The commune it belonged to before 2025, if it changed. Optional."), "Ẳng Tở"),
        ("households", _("Number of households. Optional."), "96"),
        ("latitude", _("Latitude, between 8 and 24. Optional; give it with the longitude."), "21.39211"),
        ("longitude", _("Longitude, between 102 and 118. Optional; give it with the latitude."), "103.28432"),
        ("distance_km", _("Distance to the commune centre in kilometres. Optional."), "11.5"),
        ("", _("An empty cell leaves the village's value as it is. An import never renames a village."), ""),
    ]
    content = villages_import.template_xlsx(explanations, (_("Villages"), _("Explanations")))
    response = make_response(content)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = "attachment; filename=villages.xlsx"
    return response


# --- Categories -----------------------------------------------------------------------------------------


def _get_category_or_404(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    return category


@bp.get("/categories")
@administrators_only
def category_list():
    return render_template(
        "admin/categories.html",
        title=_("Categories"),
        categories=categories.categories_in_order(),
        counts=categories.concern_counts(),
        actions=ActionForm(),
    )


def _category_data(form: CategoryForm) -> categories.CategoryData:
    return categories.CategoryData(
        name_vi=form.name_vi.data,
        name_en=form.name_en.data,
        requires_evidence=form.requires_evidence.data,
        sort_order=form.sort_order.data,
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@administrators_only
def new_category():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = categories.save_category(current_user, None, _category_data(form))
        except RuleError as error:
            _apply_rule_error(form, error)
        else:
            flash(_("The category %(name)s has been added.", name=category.name), "success")
            return redirect(url_for(".category_list"))
    return render_template("admin/category_form.html", title=_("New category"), form=form, category=None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@administrators_only
def edit_category(category_id: int):
    category = _get_category_or_404(category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            categories.save_category(current_user, category, _category_data(form))
        except RuleError as error:
            _apply_rule_error(form, error)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for(".category_list"))
    return render_template(
        "admin/category_form.html", title=category.name, form=form, category=category, actions=ActionForm()
    )


@bp.post("/categories/<int:category_id>/retire")
@administrators_only
def retire_category(category_id: int):
    return _set_category_active(category_id, False)


@bp.post("/categories/<int:category_id>/reinstate")
@administrators_only
def reinstate_category(category_id: int):
    return _set_category_active(category_id, True)


def _set_category_active(category_id: int, active: bool):
    category = _get_category_or_404(category_id)
    if ActionForm().validate_on_submit():
        try:
            categories.set_category_active(current_user, category, active)
        except RuleError as error:
            flash(error.message, "info")
        else:
            if active:
                flash(_("%(name)s is offered again for new concerns.", name=category.name), "success")
            else:
                flash(
                    _("%(name)s is no longer offered; the concerns that have it keep it.", name=category.name),
                    "success",
                )
    return redirect(url_for(".category_list"))


# --- The audit trail ------------------------------------------------------------------------------------


@bp.get("/audit")
@administrators_only
def audit_trail():
    form = AuditFilterForm(request.args)
    about = form.about.data if form.about.data in audit.TARGET_TYPES else None
    page = _page(audit.audit_query(audit.AuditFilters(target_type=about)))
    return render_template(
        "admin/audit.html", title=_("Audit trail"), form=form, page=page, args=_query_args(), filtered=bool(about)
    )


@bp.app_template_global()
def audit_target_url(event) -> str | None:
    """Where an audit event's target can be seen now, if anywhere."""
    if event.target_id is None:
        return None
    if event.target_type == "user":
        return url_for("admin.edit_user", user_id=event.target_id)
    if event.target_type == "village":
        return url_for("admin.edit_village", village_id=event.target_id)
    if event.target_type == "category":
        return url_for("admin.edit_category", category_id=event.target_id)
    return None


bp.add_app_template_global(audit.field_label, "audit_field_label")
bp.add_app_template_global(audit.value_label, "audit_value_label")
