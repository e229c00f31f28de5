"""The export page (download the month's resolved concerns as CSV or XLSX) and the monthly report page.

Both are the supervisors' and administrators' (403 for officials, see :mod:`.scope`); a commune outside
the user's scope answers 404. The views only read the form and hand over to the modules of the package.
"""

import os
import tempfile

from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import current_language
from ..localtime import today
from .files import FORMATS, csv_stream, file_name, month_label, scope_label, write_xlsx
from .forms import ExportForm, ReportForm, chosen_month, set_choices
from .report import LABELS, monthly_figures
from .rows import headers, record_personal_data_export
from .scope import ExportScope, commune_for, default_month, may_export

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.before_request
def only_supervisors():
    if not may_export(current_user):
        abort(403)


def _default_commune_code() -> str:
    """The scope a page opens on: the whole province ("") for a province-wide user, else their commune."""
    commune = commune_for(current_user, None)
    return commune.code if commune is not None else ""


@bp.route("/", methods=["GET", "POST"])
def index():
    """The export form; sending it downloads the file (or shows the form again with what is wrong)."""
    language = current_language()
    if request.method == "POST":
        form = ExportForm()
        commune = commune_for(current_user, request.form.get("commune"))  # 404 before anything else
    else:
        form = ExportForm(
            month=request.args.get("month") or str(default_month()),
            commune=request.args.get("commune") or _default_commune_code(),
        )
        commune = commune_for(current_user, form.commune.data)  # a commune out of scope in the address: 404
    # Checked by commune_for (404 when out of scope); the field then names the commune it found.
    form.commune.data = commune.code if commune is not None else ""
    set_choices(form, current_user, language)
    if not form.validate_on_submit():
        return render_template(
            "exports/index.html",
            title=_("Export resolved concerns"),
            form=form,
            column_headers=headers(False, language),
        )

    scope = ExportScope(chosen_month(form), commune, current_user)
    file_format = form.file_format
    include_personal = bool(form.include_personal_data.data)
    if include_personal:
        # Recorded, and committed, before the first resident's name leaves the server.
        record_personal_data_export(scope, current_user, file_format)
        db.session.commit()
    name = file_name(scope, file_format, language)
    if file_format == "csv":
        response = Response(
            stream_with_context(csv_stream(scope, language=language, include_personal=include_personal)),
            content_type=FORMATS["csv"],
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        response = send_file(
            _xlsx_file(scope, language, include_personal),
            mimetype=FORMATS["xlsx"],
            as_attachment=True,
            download_name=name,
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_file(scope: ExportScope, language: str, include_personal: bool):
    """The workbook written to a temporary file, opened for reading and already unlinked: the open file is
    all that is left of it, and it disappears when the response closes it (or if anything fails)."""
    handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, scope, language=language, include_personal=include_personal)
        return open(path, "rb")
    finally:
        os.unlink(path)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@bp.get("/report")
def report():
    """The monthly report of a month and scope: the figures of :func:`.report.monthly_figures`."""
    language = current_language()
    form = ReportForm(request.args, month=str(default_month()), commune=_default_commune_code())
    commune = commune_for(current_user, form.commune.data)
    form.commune.data = commune.code if commune is not None else ""
    set_choices(form, current_user, language)
    figures = scope = None
    if form.validate():
        scope = ExportScope(chosen_month(form), commune, current_user)
        figures = monthly_figures(scope, language)
    return render_template(
        "exports/report.html",
        title=_("Monthly report"),
        form=form,
        figures=figures,
        labels=LABELS,
        month=_capitalised(month_label(scope.month, language)) if scope else None,
        scope_name=scope_label(scope) if scope else None,
        percent=lambda share: "" if share is None else format_percent(share),
        decimal=lambda value: "" if value is None else format_decimal(value, "#,##0.#"),
        today=today(),
    )
