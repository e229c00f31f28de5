"""Who may do what: every route of the URL map, every method, every kind of user, checked against a table.

The test walks ``app.url_map`` (so a new route is covered by itself) and asks each route, with each of its
methods, as: anonymous, a commune official, a commune supervisor, a province supervisor and an
administrator -- once with the URL's parameters naming records of the user's own commune (Búng Lao) and
once naming records of another commune (Quài Tở). The answer must be the one the table ``ACCESS`` gives.

HOW TO ADD YOUR ROUTE (a route missing from the table fails the test, saying which):

    ACCESS = {
        "<endpoint>": {"<METHOD>": "<anonymous> <official> <supervisor> <province> <admin>"},
    }

Five cells, one per user, separated by spaces. A cell is one outcome, or ``own/other`` when the answer for
another commune's record differs from the answer for one's own (e.g. ``ok/404``):

- ``ok``     -- let through: any answer but a refusal below (200, a redirect elsewhere than the sign-in page,
               a form sent back with its errors (200/400/409/422), a 429); never a 5xx.
- ``login``  -- refused for want of signing in: a redirect to ``/login`` (pages) or 401 (the JSON API).
- ``403``    -- refused: not allowed for this role.
- ``404``    -- refused as if it did not exist (another commune's record; see tracker/scoping.py).

The anonymous cell never has ``own/other``. URL parameters come from ``PARAMS`` (own, other): a route with a
parameter not listed there fails too, saying to add it. POST requests are sent with an empty form (CSRF is off
in the tests): what is checked is who gets past the door, not what the form does with the data.
"""

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest

from tests.conftest import PASSWORD
from tests.test_backup import jpeg
from tracker.api.tokens import create_token
from tracker.attachments.photos import store_photo
from tracker.extensions import db
from tracker.models import Concern, User, Village
from tracker.visits.logic import VisitInput, record_visit

ROLES = ("anonymous", "official", "supervisor", "province", "admin")
USERNAMES = {
    "official": "official.bunglao",
    "supervisor": "supervisor.bunglao",
    "province": "supervisor.province",
    "admin": "admin",
}

# fmt: off
ACCESS = {
    # --- signing in and out, language, health check, static files ------------------------------------------
    "auth.login":               {"GET": "ok ok ok ok ok", "POST": "ok ok ok ok ok"},
    "auth.logout":              {"POST": "login login login login login"},  # signing out ends at sign-in
    "auth.change_password":     {"GET": "login ok ok ok ok", "POST": "login ok ok ok ok"},
    "i18n.set_language":        {"POST": "ok ok ok ok ok"},
    "health.healthz":           {"GET": "ok ok ok ok ok"},
    "static":                   {"GET": "ok ok ok ok ok"},
    # --- the public look-up (no account), and the slip an official prints ------------------------------------
    "public.track":             {"GET": "ok ok ok ok ok"},
    "public.concern":           {"GET": "ok ok ok ok ok"},
    "public.satisfaction":      {"POST": "ok ok ok ok ok"},
    "public.slip":              {"GET": "login ok/404 ok/404 ok ok"},
    # --- working offline: the service worker and the manifest are fetched without a session ---------------
    "offline.service_worker":   {"GET": "ok ok ok ok ok"},
    "offline.manifest":         {"GET": "ok ok ok ok ok"},
    "offline.concerns":         {"GET": "login ok ok ok ok"},
    # --- visits and concerns: everyone signed in, within their commune -----------------------------------
    "visits.home":              {"GET": "login ok ok ok ok"},
    "visits.mine":              {"GET": "login ok ok ok ok"},
    "visits.new_visit":         {"GET": "login ok ok ok ok", "POST": "login ok ok ok ok"},
    "visits.show":              {"GET": "login ok/404 ok/404 ok ok"},
    "concerns.index":           {"GET": "login ok ok ok ok"},
    "concerns.mine":            {"GET": "login ok ok ok ok"},
    "concerns.similar":         {"GET": "login ok ok ok ok"},
    "concerns.show":            {"GET": "login ok/404 ok/404 ok ok"},
    "concerns.act":             {"POST": "login ok/404 ok/404 ok ok"},
    # --- photos --------------------------------------------------------------------------------------------
    "attachments.visit_photos":   {"GET": "login ok/404 ok/404 ok ok", "POST": "login ok/404 ok/404 ok ok"},
    "attachments.concern_photos": {"GET": "login ok/404 ok/404 ok ok", "POST": "login ok/404 ok/404 ok ok"},
    "attachments.photo":          {"GET": "login ok/404 ok/404 ok ok"},
    "attachments.thumbnail":      {"GET": "login ok/404 ok/404 ok ok"},
    # --- review and exports: supervisors and administrators -------------------------------------------------
    "review.index":             {"GET": "login 403 ok ok ok"},
    "review.concerns":          {"GET": "login 403 ok ok ok", "POST": "login 403 ok ok ok"},
    "review.concerns_csv":      {"GET": "login 403 ok ok ok"},
    "review.coverage":          {"GET": "login 403 ok ok ok"},
    "review.coverage_csv":      {"GET": "login 403 ok ok ok"},
    "review.trends":            {"GET": "login 403 ok ok ok"},
    "review.village":           {"GET": "login ok/404 ok/404 ok ok"},
    "exports.index":            {"GET": "login 403 ok ok ok", "POST": "login 403 ok ok ok"},
    "exports.report":           {"GET": "login 403 ok ok ok"},
    # --- personal API tokens: each user's own only ---------------------------------------------------------
    "tokens.index":             {"GET": "login ok ok ok ok"},
    "tokens.create":            {"POST": "login ok ok ok ok"},
    "tokens.revoke":            {"POST": "login ok/404 404 404 404"},  # the token is official.bunglao's
    # --- the JSON API (401 for anonymous; another commune's record 404, its village 422 on a new visit) ------
    "api.openapi":              {"GET": "ok ok ok ok ok"},
    "api.csrf_token":           {"GET": "login ok ok ok ok"},
    "api.me":                   {"GET": "login ok ok ok ok"},
    "api.villages":             {"GET": "login ok ok ok ok"},
    "api.categories":           {"GET": "login ok ok ok ok"},
    "api.create_visit":         {"POST": "login ok ok ok ok"},
    "api.get_visit":            {"GET": "login ok/404 ok/404 ok ok"},
    "api.visit_photo":          {"POST": "login ok/404 ok/404 ok ok"},
    "api.list_concerns":        {"GET": "login ok ok ok ok"},
    "api.get_concern":          {"GET": "login ok/404 ok/404 ok ok"},
    "api.change_status":        {"POST": "login ok/404 ok/404 ok ok"},
    "api.add_note":             {"POST": "login ok/404 ok/404 ok ok"},
    "api.concern_photo":        {"POST": "login ok/404 ok/404 ok ok"},
    # --- administration: users for supervisors (a commune's own only) and admins; the rest admins only ------
    "admin.index":              {"GET": "login 403 ok ok ok"},
    "admin.user_list":          {"GET": "login 403 ok ok ok"},
    "admin.new_user":           {"GET": "login 403 ok ok ok", "POST": "login 403 ok ok ok"},
    "admin.edit_user":          {"GET": "login 403 ok/404 ok ok", "POST": "login 403 ok/404 ok ok"},
    "admin.deactivate_user":    {"POST": "login 403 ok/404 ok ok"},
    "admin.reactivate_user":    {"POST": "login 403 ok/404 ok ok"},
    "admin.reset_password":     {"POST": "login 403 ok/404 ok ok"},
    "admin.audit_trail":        {"GET": "login 403 403 403 ok"},
    "admin.category_list":      {"GET": "login 403 403 403 ok"},
    "admin.new_category":       {"GET": "login 403 403 403 ok", "POST": "login 403 403 403 ok"},
    "admin.edit_category":      {"GET": "login 403 403 403 ok", "POST": "login 403 403 403 ok"},
    "admin.retire_category":    {"POST": "login 403 403 403 ok"},
    "admin.reinstate_category": {"POST": "login 403 403 403 ok"},
    "admin.village_list":       {"GET": "login 403 403 403 ok"},
    "admin.new_village":        {"GET": "login 403 403 403 ok", "POST": "login 403 403 403 ok"},
    "admin.edit_village":       {"GET": "login 403 403 403 ok", "POST": "login 403 403 403 ok"},
    "admin.import_villages":    {"GET": "login 403 403 403 ok", "POST": "login 403 403 403 ok"},
    "admin.import_preview":     {"GET": "login 403 403 403 ok"},
    "admin.confirm_import":     {"POST": "login 403 403 403 ok"},
    "admin.import_template_csv":  {"GET": "login 403 403 403 ok"},
    "admin.import_template_xlsx": {"GET": "login 403 403 403 ok"},
}
# fmt: on

# What each URL parameter is filled with: (a record of Búng Lao, a record of Quài Tở), from the fixture below.
PARAMS = {
    "filename": lambda r: ("css/app.css", "css/app.css"),
    "concern_id": lambda r: (r.concern_own, r.concern_other),
    "visit_id": lambda r: (r.visit_own, r.visit_other),
    "attachment_id": lambda r: (r.photo_own, r.photo_other),
    "village_id": lambda r: (r.world.hua_chan, r.world.hua_sa_a),
    "user_id": lambda r: (r.world.colleague_bl, r.world.official_qt),  # a user to manage, never one signed in here
    "category_id": lambda r: (r.world.housing, r.world.housing),  # categories are province-wide
    "code": lambda r: (r.code_own, r.code_other),  # the public look-up: any concern's code
    "action": lambda r: ("note", "note"),  # one of the concern actions (tracker/concerns/forms.py)
    "token_id": lambda r: (r.token_own, r.token_other),  # official.bunglao's and official.quaito's API tokens
    "token": lambda r: ("0" * 32, "0" * 32),  # a village import preview: none stored, so 404 for everyone
}


@dataclass
class Expected:
    own: str
    other: str


def parse(cells: str) -> dict[str, Expected]:
    parts = cells.split()
    assert len(parts) == len(ROLES), f"{cells!r}: one cell per user: {' '.join(ROLES)}"
    expected = {}
    for role, cell in zip(ROLES, parts, strict=True):
        own, _, other = cell.partition("/")
        expected[role] = Expected(own, other or own)
    return expected


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status == 401 or (status in (301, 302, 303, 307, 308) and response.location.split("?")[0].endswith("/login")):
        return "login"
    if status in (403, 404):
        return str(status)
    if status == 405:
        return "405"
    return "ok"


@pytest.fixture
def records(app, factory, world):
    """Records in two communes: a visit, a concern (with its photo) and a user to manage in each."""
    ids = SimpleNamespace(world=world)
    sides = (("own", world.hua_chan, world.official_bl), ("other", world.hua_sa_a, world.official_qt))
    for n, (side, village_id, author_id) in enumerate(sides, start=1):
        concern_id = factory.concern(village_id, author_id, title=f"Concern of the {side} commune")
        with app.test_request_context():
            author = db.session.get(User, author_id)
            visit, _ = record_visit(
                author,
                VisitInput(
                    client_uuid=f"00000000-0000-4000-8000-00000000000{n}",
                    village=db.session.get(Village, village_id),
                    visit_date=date(2026, 11, 2),
                    kind="dialogue",
                ),
            )
            concern = db.session.get(Concern, concern_id)
            photo = store_photo(jpeg(), uploaded_by=author, concern=concern)
            db.session.commit()
            setattr(ids, f"concern_{side}", concern_id)
            setattr(ids, f"code_{side}", concern.reference_code)
            setattr(ids, f"visit_{side}", visit.id)
            setattr(ids, f"photo_{side}", photo.id)
            token, _secret = create_token(author, f"Token of the {side} commune")
            db.session.commit()
            setattr(ids, f"token_{side}", token.id)
    return ids


def urls_for(rule, records) -> tuple[str, str]:
    """The rule's URL for one's own commune and for another commune."""
    values = {"own": {}, "other": {}}
    for name in rule.arguments:
        assert name in PARAMS, (
            f"The route {rule.rule} ({rule.endpoint}) has a parameter <{name}> that tests/test_access.py does not "
            f"know: add it to PARAMS there."
        )
        own, other = PARAMS[name](records)
        values["own"][name], values["other"][name] = own, other
    return tuple(rule.build(values[side], append_unknown=False)[1] for side in ("own", "other"))


def observe(app, records, rules) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    """What the app answers now: (endpoint, method) -> role -> {"own": outcome, "other": outcome}."""
    clients = {role: app.test_client() for role in ROLES}
    for role, client in clients.items():
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            assert client.post("/login", data={"username": USERNAMES[role], "password": PASSWORD}).status_code == 302
    observed = {}
    for rule in rules:
        urls = urls_for(rule, records)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cells = observed[(rule.endpoint, method)] = {}
            for role in ROLES:
                client = clients[role]
                cells[role] = {}
                for side, url in zip(("own", "other"), urls, strict=True):
                    if side == "other" and (role == "anonymous" or urls[0] == urls[1]):
                        cells[role]["other"] = cells[role]["own"]
                        continue
                    response = client.open(url, method=method, data={} if method != "GET" else None)
                    cells[role][side] = outcome(response)
                    response.get_data()  # streamed answers (CSV) run to their end
                    response.close()
                    if rule.endpoint == "auth.logout" and role != "anonymous":
                        client.post("/login", data={"username": USERNAMES[role], "password": PASSWORD})
    return observed


def as_row(cells: dict[str, dict[str, str]]) -> str:
    return " ".join(c["own"] if c["own"] == c["other"] else f"{c['own']}/{c['other']}" for c in cells.values())


def test_every_route_answers_each_user_as_the_table_says(app, records):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    stale = [endpoint for endpoint in ACCESS if endpoint not in {rule.endpoint for rule in rules}]
    assert not stale, f"The access table names endpoints that no longer exist: {stale}"
    observed = observe(app, records, rules)

    missing = [(endpoint, method) for endpoint, method in observed if method not in ACCESS.get(endpoint, {})]
    assert not missing, (
        "These routes are not in the access table of tests/test_access.py: add a row for each (the format is at "
        "the top of that file). What the app answers now is shown as a row: check that it is what should be, "
        "do not copy it blindly.\n"
        + "\n".join(
            f'    "{endpoint}": {{"{method}": "{as_row(observed[(endpoint, method)])}"}},'
            for endpoint, method in missing
        )
    )
    wrong = []
    for (endpoint, method), cells in observed.items():
        expected = parse(ACCESS[endpoint][method])
        for role in ROLES:
            for side in ("own", "other"):
                got, want = cells[role][side], getattr(expected[role], side)
                if got != want:
                    wrong.append(
                        f"{endpoint} {method} as {role} ({side} commune's record): {got}, the table says {want}"
                    )
    assert not wrong, "\n".join(wrong)


def test_anonymous_reaches_only_what_is_public_by_design(app):
    """The table's first column, read back: anonymous gets through only to the public endpoints."""
    public = {
        endpoint
        for endpoint, methods in ACCESS.items()
        for cells in methods.values()
        if parse(cells)["anonymous"].own == "ok"
    }
    allowed = {
        "auth.login",
        "i18n.set_language",
        "health.healthz",
        "static",
        "public.track",
        "public.concern",
        "public.satisfaction",
    }
    # Public by design, added by the offline work and the JSON API: the service worker, the web app manifest
    # and the API's OpenAPI document.
    allowed |= {"offline.service_worker", "offline.manifest", "api.openapi"}
    assert public <= allowed, f"Anonymous may reach more than the public pages: {sorted(public - allowed)}"
