"""The supervisors' review: the overview, the list of concerns (filters, bulk assignment, CSV), the
villages' coverage, the trends; and a village's page, which is anyone's who may see the village.

The views read the address, call the queries of this package and render: the numbers are defined in
:mod:`.glance`, :mod:`.coverage`, :mod:`.trends` and :mod:`.resolution`.
"""

from dataclasses import astuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..concerns.logic import concern_list_query
from ..extensions import db
from ..i18n import current_language
from ..localtime import today
from ..models import STATUSES, User
from ..scoping import get_village_or_404
from . import bulk, charts
from .access import commune_or_404, may_review
from .coverage import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    SHOW_CHOICES,
    as_coverage,
    coverage_by_commune,
    coverage_cell,
    coverage_columns,
    coverage_query,
    coverage_summary,
)
from .csvfile import csv_response
from .forms import BulkAssignForm, CommuneForm, CoverageForm, ReviewFilterForm
from .glance import (
    AGE_BUCKETS,
    MEDIAN_WINDOW_DAYS,
    commune_rows,
    escalated_concerns,
    glance,
    overdue_concerns,
    urgent_concerns,
)
from .listing import (
    assignee_filter_choices,
    category_choices,
    commune_choices,
    csv_cell,
    days_overdue,
    filters_from_form,
    list_columns,
    people_choices,
    people_in_scope,
    village_choices,
)
from .paging import KeptCountPagination, RowPagination
from .trends import monthly_trends
from .village import VISITS_PER_PAGE, latest_concerns, village_numbers, village_visits_query

bp = Blueprint("review", __name__)

# Open to anyone who may see the village; every other page of the review is the supervisors'.
OPEN_TO_ALL = {"review.village"}


@bp.before_request
def only_supervisors():
    if request.endpoint not in OPEN_TO_ALL and not may_review(current_user):
        abort(403)


def _args(*drop: str) -> dict:
    """The address's filters, without the page number (and ``drop``), for links that keep them."""
    return {key: value for key, value in request.args.items() if key not in ("page", *drop) and value}


def _decimal(value: float) -> str:
    """A number of days with at most one decimal, the language's way (3,5 in Vietnamese)."""
    return format_decimal(value, format="#,##0.#")


def _commune_form():
    """The province-wide user's choice of commune (None for a commune supervisor) and the commune chosen.

    :raise 404: if the commune asked for is not one the user may see.
    """
    form = CommuneForm(request.args)
    commune = commune_or_404(current_user, form.commune.data)
    if not current_user.is_province_wide:
        return None, commune
    form.commune.choices = commune_choices(current_user, _l("The whole province"))
    return form, commune


# --- Overview ------------------------------------------------------------------------------------------


@bp.get("/review/")
def index():
    """At a glance: the numbers, the overdue, urgent and escalated concerns, and one row per commune."""
    form, commune = _commune_form()
    day = today()
    commune_id = commune.id if commune else None
    return render_template(
        "review/index.html",
        title=_("Review"),
        form=form,
        commune=commune,
        scope_args={"commune": commune_id} if commune_id else {},
        numbers=glance(current_user, day, commune_id),
        overdue=overdue_concerns(current_user, day, commune_id),
        urgent=urgent_concerns(current_user, commune_id),
        escalated=escalated_concerns(current_user, commune_id),
        communes=commune_rows(current_user, day) if current_user.is_province_wide and not commune else None,
        coverage=coverage_summary(current_user, day, DEFAULT_DAYS, commune_id),
        coverage_days=DEFAULT_DAYS,
        age_buckets=AGE_BUCKETS,
        median_window=MEDIAN_WINDOW_DAYS,
        decimal=_decimal,
        STATUSES=STATUSES,
        today=day,
        days_overdue=days_overdue,
    )


# --- The list of concerns ------------------------------------------------------------------------------


def _list_filters():
    """The list's filter form, read from the address, with its choices; the filters; the commune chosen."""
    form = ReviewFilterForm(request.args)
    form.validate()
    commune = commune_or_404(current_user, form.commune.data)
    commune_id = commune.id if commune else None
    if current_user.is_province_wide:
        form.commune.choices = commune_choices(current_user, _l("Any commune"))
    form.village.choices = village_choices(current_user, commune_id, form.village.data)
    form.category.choices = category_choices()
    people = people_in_scope(current_user, commune_id)
    form.assignee.choices = assignee_filter_choices(people, current_user, commune_id)
    return form, filters_from_form(form, today(), commune_id), commune, people


@bp.route("/review/concerns", methods=["GET", "POST"])
def concerns():
    """The concerns in scope, filtered and sorted as the address says, a page at a time.

    A POST (to the same address, filters included) assigns the ticked concerns to one person, then comes
    back to the list as it was; a refused form is shown again with what was ticked.
    """
    form, filters, commune, people = _list_filters()
    commune_id = commune.id if commune else None
    assign_form = BulkAssignForm(prefix="bulk")  # its ids apart from the filters'
    active_people = [person for person in people if person.active]
    assign_form.assignee.choices = people_choices(active_people, current_user, commune_id, [("", _l("Choose…"))])
    # validate_on_submit() is False on a GET; a refused POST shows the list again with what was ticked.
    if assign_form.validate_on_submit():
        _assign(assign_form)
        return redirect(url_for("review.concerns", **_args()))
    page = KeptCountPagination(
        count_key=("concerns", astuple(filters)),
        select=concern_list_query(current_user, filters),
        session=db.session(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    args = _args()
    return render_template(
        "review/concerns.html",
        title=_("Concerns to review"),
        form=form,
        assign_form=assign_form,
        ticked=set(assign_form.concerns.data or ()) if request.method == "POST" else set(),
        page=page,
        args=args,
        filtered=bool(_args("sort")),
        in_use=len(_args("sort")),
        columns=list_columns(current_user),
        today=today(),
        days_overdue=days_overdue,
        scope_args={"commune": commune_id} if commune_id else {},
    )


def _assign(form: BulkAssignForm) -> None:
    """Make the bulk assignment in one transaction and say what happened, concern by concern if refused."""
    assignee = db.session.get(User, form.assignee.data)
    result = bulk.assign_many(current_user, form.concerns.data, assignee)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone changed these concerns meanwhile; nothing was assigned. Please try again."), "error")
        return
    if result.assigned:
        flash(
            ngettext(
                "%(num)d concern assigned to %(name)s.",
                "%(num)d concerns assigned to %(name)s.",
                len(result.assigned),
                name=assignee.full_name,
            ),
            "success",
        )
    for concern, reason in result.refused:
        flash(_("%(code)s was not assigned. %(reason)s", code=concern.reference_code, reason=reason), "error")
    if result.missing:
        flash(
            ngettext(
                "%(num)d ticked concern was not found; it may have been removed from your scope.",
                "%(num)d ticked concerns were not found; they may have been removed from your scope.",
                result.missing,
            ),
            "error",
        )


@bp.get("/review/concerns.csv")
def concerns_csv():
    """The filtered list as CSV, every page of it, with the columns the page shows."""
    _form, filters, _commune, _people = _list_filters()
    day = today()
    columns = list_columns(current_user)
    query = concern_list_query(current_user, filters).execution_options(yield_per=200)

    def rows():
        for concern in db.session.scalars(query):
            yield [csv_cell(concern, key, day) for key, _heading in columns]

    return csv_response(f"concerns-{day.isoformat()}.csv", [heading for _key, heading in columns], rows())


# --- Coverage ------------------------------------------------------------------------------------------


def _coverage_filters():
    form = CoverageForm(request.args)
    form.validate()
    commune = commune_or_404(current_user, form.commune.data)
    if current_user.is_province_wide:
        form.commune.choices = commune_choices(current_user, _l("The whole province"))
    days = form.days.data if form.days.data and not form.days.errors else DEFAULT_DAYS
    show = form.show.data if form.show.data in SHOW_CHOICES else "unvisited"
    return form, commune, days, show


@bp.get("/review/coverage")
def coverage():
    """Which villages have been visited lately: the unvisited ones furthest first, or every village."""
    form, commune, days, show = _coverage_filters()
    day = today()
    commune_id = commune.id if commune else None
    page = RowPagination(
        count_key=("coverage", day, days, commune_id, show),
        select=coverage_query(current_user, day, days, commune_id, show),
        session=db.session(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "review/coverage.html",
        title=_("Coverage"),
        form=form,
        commune=commune,
        days=days,
        min_days=MIN_DAYS,
        max_days=MAX_DAYS,
        show=show,
        rows=[as_coverage(row) for row in page.items],
        page=page,
        args=_args(),
        columns=coverage_columns(current_user, days),
        summary=coverage_summary(current_user, day, days, commune_id),
        by_commune=coverage_by_commune(current_user, day, days)
        if current_user.is_province_wide and not commune
        else None,
        today=day,
        scope_args={"commune": commune_id} if commune_id else {},
    )


@bp.get("/review/coverage.csv")
def coverage_csv():
    """The coverage list as CSV (all of it, not one page), with the columns the page shows."""
    _form, commune, days, show = _coverage_filters()
    day = today()
    columns = coverage_columns(current_user, days)
    query = coverage_query(current_user, day, days, commune.id if commune else None, show)

    def rows():
        for row in db.session.execute(query.execution_options(yield_per=200)):
            item = as_coverage(row)
            yield [coverage_cell(item, key, day) for key, _heading in columns]

    return csv_response(f"coverage-{day.isoformat()}.csv", [heading for _key, heading in columns], rows())


# --- Trends --------------------------------------------------------------------------------------------

MONTH_FORMATS = {"vi": "MM/yyyy"}  # as officials write a month; Babel's own for other languages


@bp.get("/review/trends")
def trends():
    """Concerns raised and resolved per month over the last twelve months, and the median days to resolve."""
    form, commune = _commune_form()
    commune_id = commune.id if commune else None
    months = monthly_trends(current_user, today(), commune_id)
    month_format = MONTH_FORMATS.get(current_language(), "MMM yyyy")
    labels = [format_date(m.month, month_format) for m in months]
    place = commune.name if commune else (current_user.commune.name if current_user.commune else None)
    flow = charts.bar_chart(
        chart_id="chart-flow",
        title=_("Concerns raised and resolved per month"),
        description=_(
            "Bars for each of the last %(num)d months, the current month last: concerns raised, then concerns "
            "resolved. The same numbers are in the table below.",
            num=len(months),
        ),
        rows=labels,
        series=[
            charts.Series(_("Concerns raised"), [m.raised for m in months]),
            charts.Series(_("Concerns resolved"), [m.resolved for m in months]),
        ],
        value_label=_decimal,
        tick_label=_decimal,
    )
    speed = charts.bar_chart(
        chart_id="chart-median",
        title=_("Median days to resolve, by month resolved"),
        description=_(
            "One bar for each of the last %(num)d months, the current month last; a dash where nothing was "
            "resolved. The same numbers are in the table below.",
            num=len(months),
        ),
        rows=labels,
        series=[charts.Series(_("Median days to resolve"), [m.median_days for m in months])],
        value_label=_decimal,
        tick_label=_decimal,
    )
    return render_template(
        "review/trends.html",
        title=_("Trends"),
        form=form,
        commune=commune,
        place=place,
        months=list(zip(labels, months, strict=True)),
        flow_chart=flow,
        median_chart=speed,
        decimal=_decimal,
        scope_args={"commune": commune_id} if commune_id else {},
    )


# --- A village -----------------------------------------------------------------------------------------


@bp.get("/villages/<int:village_id>")
def village(village_id: int):
    """A village's profile, its numbers, its visits (a page at a time) and its latest concerns.

    :raise 404: if the village does not exist or is outside the user's scope.
    """
    village = get_village_or_404(current_user, village_id)
    day = today()
    visits = db.paginate(village_visits_query(current_user, village), per_page=VISITS_PER_PAGE, error_out=False)
    return render_template(
        "review/village.html",
        title=village.name,
        village=village,
        numbers=village_numbers(current_user, village, day),
        visits=visits,
        concerns=latest_concerns(current_user, village),
        today=day,
        may_review=may_review(current_user),
    )
