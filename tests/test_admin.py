"""Administration: who may manage whom, users, villages one by one, categories and the audit trail.

The village import has its own file (test_village_import.py), and so do the password rules
(test_passwords.py).
"""

import re

import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, PASSWORD, QUAI_TO
from tracker.admin.audit import record
from tracker.admin.permissions import can_manage_user, manageable_users
from tracker.extensions import db
from tracker.models import AuditEvent, Category, Concern, User, Village

ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/villages",
    "/admin/villages/new",
    "/admin/villages/import",
    "/admin/villages/template.csv",
    "/admin/villages/template.xlsx",
    "/admin/categories",
    "/admin/categories/new",
    "/admin/audit",
]
ADMINISTRATOR_ONLY = [
    page for page in ADMIN_PAGES if page.startswith(("/admin/villages", "/admin/categories", "/admin/audit"))
]


def user_row(app, user_id: int) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        return {
            "full_name": user.full_name,
            "role": user.role,
            "commune_id": user.commune_id,
            "active": user.active,
            "password_hash": user.password_hash,
            "session_version": user.session_version,
        }


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def user_form(app, **values) -> dict:
    """What the user form sends, for an official of Búng Lao unless told otherwise."""
    commune = values.pop("commune", BUNG_LAO)
    with app.app_context():
        from tracker.models import Commune

        commune_id = db.session.scalar(sa.select(Commune.id).where(Commune.code == commune)) if commune else ""
    return {"full_name": "Lò Văn Sơn", "role": "official", "commune_id": commune_id, "language": ""} | values


def main(response) -> str:
    """The page's main content, without the header and footer (which name the signed-in user)."""
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def category_options(response) -> list[str]:
    """The categories the visit form offers."""
    page = response.get_data(as_text=True)
    select = re.search(r'<select[^>]*id="concerns-0-category_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def temporary_password(response) -> str:
    match = re.search(r'<dd class="code secret">([^<]+)</dd>', response.get_data(as_text=True))
    assert match, "the temporary password is shown"
    return match.group(1)


# --- Who may use Administration at all ------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_an_official_is_refused_every_administration_page(client, auth, world, path):
    auth.login("official.bunglao")
    assert client.get(path).status_code == 403


def test_an_official_is_refused_every_administration_action(client, auth, world, app):
    auth.login("official.bunglao")
    before = user_row(app, world.colleague_bl)
    for path in (
        f"/admin/users/{world.colleague_bl}",
        f"/admin/users/{world.colleague_bl}/deactivate",
        f"/admin/users/{world.colleague_bl}/reset-password",
        f"/admin/villages/{world.hua_chan}",
        f"/admin/categories/{world.electricity}/retire",
    ):
        assert client.post(path, data=user_form(app)).status_code == 403
    assert user_row(app, world.colleague_bl) == before
    assert audit_count(app) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize("username", ["supervisor.bunglao", "supervisor.province"])
@pytest.mark.parametrize("path", ADMINISTRATOR_ONLY)
def test_a_supervisor_is_refused_the_administrators_pages(client, auth, world, username, path):
    auth.login(username)
    assert client.get(path).status_code == 403


def test_the_administration_link_shows_for_those_who_may_use_it(client, auth, world):
    for username, shown in [("official.bunglao", False), ("supervisor.bunglao", True), ("admin", True)]:
        auth.login(username)
        page = client.get("/").get_data(as_text=True)
        assert ('href="/admin/"' in page) is shown, username
        auth.logout()


def test_a_supervisor_sees_only_the_users_section(client, auth, world):
    auth.login("supervisor.bunglao")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/users"' in page
    assert 'href="/admin/villages"' not in page and 'href="/admin/audit"' not in page


# --- Whom a supervisor manages --------------------------------------------------------------------------


def test_can_manage_user_and_the_list_agree_for_every_pair(app, world):
    with app.app_context():
        everyone = db.session.scalars(sa.select(User)).all()
        for actor in everyone:
            listed = {user.id for user in db.session.scalars(manageable_users(actor))}
            allowed = {user.id for user in everyone if can_manage_user(actor, user)}
            assert listed == allowed, actor.username


def test_who_manages_whom(app, world):
    with app.app_context():
        get = lambda user_id: db.session.get(User, user_id)  # noqa: E731
        commune_supervisor, province_supervisor, admin = (
            get(world.supervisor_bl),
            get(world.supervisor_province),
            get(world.admin),
        )
        official_bl, official_qt = get(world.official_bl), get(world.official_qt)
        assert can_manage_user(commune_supervisor, official_bl)
        assert not can_manage_user(commune_supervisor, official_qt)  # another commune
        assert not can_manage_user(commune_supervisor, commune_supervisor)
        assert not can_manage_user(commune_supervisor, province_supervisor)
        assert not can_manage_user(commune_supervisor, admin)
        assert can_manage_user(province_supervisor, official_qt)
        assert not can_manage_user(province_supervisor, commune_supervisor)
        assert all(can_manage_user(admin, user) for user in (official_bl, commune_supervisor, province_supervisor))
        assert not can_manage_user(official_bl, official_bl)


def test_a_commune_supervisor_lists_only_the_officials_of_their_commune(client, auth, world):
    auth.login("supervisor.bunglao")
    page = main(client.get("/admin/users"))
    assert "Lò Văn Minh" in page and "Cà Thị Lả" in page
    for someone_else in ("Quàng Thị Hoa", "Nguyễn Thị Lan", "Trần Quốc Bảo", "Tòng Văn Hải"):
        assert someone_else not in page


@pytest.mark.parametrize("target", ["official_qt", "supervisor_province", "admin", "supervisor_bl"])
def test_a_commune_supervisor_cannot_touch_users_outside_their_officials(app, client, auth, world, target):
    user_id = getattr(world, target)
    before = user_row(app, user_id)
    auth.login("supervisor.bunglao")
    assert client.get(f"/admin/users/{user_id}").status_code == 404
    assert client.post(f"/admin/users/{user_id}", data=user_form(app, full_name="Changed")).status_code == 404
    assert client.post(f"/admin/users/{user_id}/deactivate").status_code == 404
    assert client.post(f"/admin/users/{user_id}/reactivate").status_code == 404
    assert client.post(f"/admin/users/{user_id}/reset-password").status_code == 404
    assert user_row(app, user_id) == before
    assert audit_count(app) == 0


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_a_supervisor_cannot_make_anyone_an_administrator_or_a_supervisor(app, client, auth, world, role):
    auth.login("supervisor.bunglao")
    before = user_row(app, world.official_bl)
    response = client.post(f"/admin/users/{world.official_bl}", data=user_form(app, role=role))
    assert response.status_code == 200
    assert "Choose one of the options." in response.get_data(as_text=True)
    assert user_row(app, world.official_bl) == before

    response = client.post("/admin/users/new", data=user_form(app, username="new.boss", role=role))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "new.boss")) is None
    assert audit_count(app) == 0


def test_the_rule_refuses_a_role_the_form_did_not_offer(app, world):
    """The rule holds even without the form's choices (a hand-made request, another caller)."""
    from tracker.admin.errors import RuleError
    from tracker.admin.users import UserData, update_user

    with app.app_context():
        supervisor = db.session.get(User, world.supervisor_bl)
        official = db.session.get(User, world.official_bl)
        with pytest.raises(RuleError) as error:
            update_user(supervisor, official, UserData(full_name=official.full_name, role="admin"))
        assert error.value.field == "role"
        assert db.session.get(User, world.official_bl).role == "official"


def test_a_commune_supervisor_cannot_put_an_official_in_another_commune(app, client, auth, world):
    auth.login("supervisor.bunglao")
    before = user_row(app, world.official_bl)
    response = client.post(f"/admin/users/{world.official_bl}", data=user_form(app, commune=QUAI_TO))
    assert "Choose one of the options." in response.get_data(as_text=True)
    assert user_row(app, world.official_bl) == before
    response = client.post("/admin/users/new", data=user_form(app, username="lo.van.son", commune=QUAI_TO))
    assert "Choose one of the options." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "lo.van.son")) is None


def test_a_commune_supervisor_adds_an_official_to_their_commune(app, client, auth, world):
    auth.login("supervisor.bunglao")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="admin"' not in form and 'value="supervisor"' not in form
    response = client.post("/admin/users/new", data=user_form(app, username=" Lo.Van.Son "))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = temporary_password(response)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "lo.van.son"))
        assert (user.role, user.commune.code, user.must_change_password) == ("official", BUNG_LAO, True)
        event = db.session.scalar(sa.select(AuditEvent))
        assert (event.action, event.actor_id, event.target_id) == ("user_created", world.supervisor_bl, user.id)
        assert event.changes["username"] == [None, "lo.van.son"]
        assert password not in str(event.changes)
    # The supervisor now manages them.
    assert client.get(f"/admin/users/{user.id}").status_code == 200


def test_a_province_supervisor_manages_the_officials_of_every_commune(app, client, auth, world):
    auth.login("supervisor.province")
    page = main(client.get("/admin/users"))
    assert "Lò Văn Minh" in page and "Quàng Thị Hoa" in page and "Tòng Văn Hải" not in page
    response = client.post(f"/admin/users/{world.official_qt}", data=user_form(app, commune=BUNG_LAO))
    assert response.status_code == 302
    assert user_row(app, world.official_qt)["commune_id"] == user_row(app, world.official_bl)["commune_id"]


# --- Users, as the administrator ------------------------------------------------------------------------


def test_the_administrator_creates_every_kind_of_user(app, client, auth, world):
    auth.login("admin")
    for username, role, commune in [
        ("can.bo.moi", "official", BUNG_LAO),
        ("giam.sat.xa", "supervisor", QUAI_TO),
        ("giam.sat.tinh", "supervisor", None),
        ("quan.tri.2", "admin", None),
    ]:
        response = client.post("/admin/users/new", data=user_form(app, username=username, role=role, commune=commune))
        assert response.status_code == 200 and temporary_password(response)
    with app.app_context():
        roles = dict(db.session.execute(sa.select(User.username, User.role)).all())
        assert roles["quan.tri.2"] == "admin" and roles["giam.sat.tinh"] == "supervisor"
        assert db.session.scalar(sa.select(User).where(User.username == "giam.sat.tinh")).is_province_wide


@pytest.mark.parametrize(
    ("values", "field_message"),
    [
        ({"username": "official.bunglao"}, "This username is already taken."),
        ({"username": "Lò Văn"}, "3 to 64 characters"),
        ({"username": "ab"}, "From 3 to 64 characters."),
        ({"username": "ok.name", "full_name": ""}, "Enter the person's full name."),
        ({"username": "ok.name", "commune": None}, "A commune official belongs to a commune: choose it."),
        ({"username": "ok.name", "role": "admin"}, "An administrator works for the whole province"),
        ({"username": "ok.name", "role": "chief"}, "Choose one of the options."),
        ({"username": "ok.name", "language": "fr"}, "Choose one of the options."),
        ({"username": "ok.name", "commune_id": "999999"}, "Choose one of the options."),
    ],
)
def test_a_bad_new_user_is_refused_with_the_reason_beside_the_field(app, client, auth, world, values, field_message):
    auth.login("admin")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = client.post("/admin/users/new", data=user_form(app, **values))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_message in page
    assert 'class="error"' in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == count
    assert audit_count(app) == 0


def test_editing_a_user_records_the_old_and_new_values(app, client, auth, world):
    auth.login("admin")
    response = client.post(
        f"/admin/users/{world.official_bl}",
        data=user_form(app, full_name="Lò Văn  Minh ", role="supervisor", commune=QUAI_TO, language="en"),
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world.official_bl)
        assert (user.full_name, user.role, user.commune.code, user.language) == (
            "Lò Văn Minh",
            "supervisor",
            QUAI_TO,
            "en",
        )
        event = db.session.scalar(sa.select(AuditEvent))
        assert event.action == "user_updated" and event.actor_id == world.admin
        assert event.changes == {
            "role": ["official", "supervisor"],
            "commune": ["Xã Búng Lao", "Xã Quài Tở"],
            "language": [None, "en"],
        }
    # Saving again without a change records nothing.
    client.post(
        f"/admin/users/{world.official_bl}",
        data=user_form(app, full_name="Lò Văn Minh", role="supervisor", commune=QUAI_TO, language="en"),
    )
    assert audit_count(app) == 1
    page = client.get(f"/admin/users/{world.official_bl}").get_data(as_text=True)
    assert "Recent changes" in page and "User changed" in page


def test_the_administrator_cannot_take_away_their_own_role_or_deactivate_themselves(app, client, auth, world):
    auth.login("admin")
    response = client.post(f"/admin/users/{world.admin}", data=user_form(app, role="official"))
    assert "You cannot change your own role" in response.get_data(as_text=True)
    client.post(f"/admin/users/{world.admin}/deactivate")
    assert user_row(app, world.admin)["role"] == "admin" and user_row(app, world.admin)["active"]
    assert client.get("/admin/users").status_code == 200


def test_a_deactivated_users_session_stops_at_the_next_request(app, client, auth, world):
    official = app.test_client()
    official.post("/login", data={"username": "official.bunglao", "password": PASSWORD, "remember": "y"})
    assert official.get("/").status_code == 200

    auth.login("admin")
    response = client.post(f"/admin/users/{world.official_bl}/deactivate", follow_redirects=True)
    assert "can no longer sign in" in response.get_data(as_text=True)

    response = official.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert official.post("/login", data={"username": "official.bunglao", "password": PASSWORD}).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action)) == "user_deactivated"

    # Reactivated: they sign in again, but the old session (and its "keep me signed in" cookie) stays ended.
    client.post(f"/admin/users/{world.official_bl}/reactivate")
    assert official.get("/").status_code == 302
    assert official.post("/login", data={"username": "official.bunglao", "password": PASSWORD}).status_code == 302
    assert official.get("/").status_code == 200


def test_a_deactivated_user_keeps_their_name_on_their_work(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    auth.login("admin")
    client.post(f"/admin/users/{world.official_bl}/deactivate")
    with app.app_context():
        assert db.session.get(Concern, concern_id).created_by.full_name == "Lò Văn Minh"
    page = client.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "Lò Văn Minh" in page and "Deactivated" in page
    assert "Lò Văn Minh" not in main(client.get("/admin/users"))


def test_resetting_a_password_ends_the_sessions_and_asks_for_a_new_password(app, client, auth, world):
    official = app.test_client()
    official.post("/login", data={"username": "official.bunglao", "password": PASSWORD})
    auth.login("supervisor.bunglao")
    response = client.post(f"/admin/users/{world.official_bl}/reset-password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = temporary_password(response)
    assert official.get("/").status_code == 302  # signed out
    assert official.post("/login", data={"username": "official.bunglao", "password": PASSWORD}).status_code == 200
    assert official.post("/login", data={"username": "official.bunglao", "password": password}).status_code == 302
    # Until the password is changed, every page leads to the change-password page.
    for path in ("/", "/visits/new", "/concerns/", "/admin/users"):
        response = official.get(path)
        assert response.status_code == 302 and response.location == "/account/password", path
    assert official.get("/account/password").status_code == 200
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent))
        assert (event.action, event.changes) == ("password_reset", {})


def test_nobody_resets_their_own_password_from_administration(app, client, auth, world):
    auth.login("admin")
    before = user_row(app, world.admin)
    response = client.post(f"/admin/users/{world.admin}/reset-password", follow_redirects=True)
    assert "use the Change your password page" in response.get_data(as_text=True)
    assert user_row(app, world.admin) == before


def test_the_user_list_finds_people_without_accents_and_pages(app, client, auth, world, factory):
    auth.login("admin")
    page = client.get("/admin/users?q=lo+van+minh").get_data(as_text=True)
    assert "Lò Văn Minh" in page and "Quàng Thị Hoa" not in page
    assert "official.quaito" in client.get("/admin/users?q=QUAITO").get_data(as_text=True)
    page = client.get("/admin/users?q=nobody-at-all").get_data(as_text=True)
    assert "No user matches these filters." in page
    page = main(client.get("/admin/users?role=admin"))
    assert "Trần Quốc Bảo" in page and "Lò Văn Minh" not in page

    app.config["PAGE_SIZE"] = 2
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 of 3" in first and 'rel="next"' in first
    last = client.get("/admin/users?page=3").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_a_user_outside_any_scope_is_missing_for_the_administrator_too(client, auth, world):
    auth.login("admin")
    assert client.get("/admin/users/999999").status_code == 404


# --- Villages one by one --------------------------------------------------------------------------------


def test_the_village_list_finds_a_village_by_its_former_commune(client, auth, world):
    auth.login("admin")
    for query in ("Ẳng Tở", "ang to", "ANG TO", "Ang To"):
        page = client.get("/admin/villages", query_string={"q": query}).get_data(as_text=True)
        assert "Hua Chăn" in page and "Hua Sa A" not in page, query
    page = client.get("/admin/villages", query_string={"q": "hua"}).get_data(as_text=True)
    assert "Hua Chăn" in page and "Hua Nạ" in page and "Hua Sa A" in page
    assert "No village matches these filters." in client.get("/admin/villages?q=zzz").get_data(as_text=True)


def test_the_village_list_is_per_commune(app, client, auth, world, factory):
    auth.login("admin")
    quai_to = factory.commune_id(QUAI_TO)
    page = client.get(f"/admin/villages?commune={quai_to}").get_data(as_text=True)
    assert "Hua Sa A" in page and "Hua Chăn" not in page


def test_the_village_list_says_so_when_there_are_none(app, client, auth, factory):
    factory.user("admin", "admin", None)
    auth.login("admin")
    page = client.get("/admin/villages").get_data(as_text=True)
    assert "No villages yet." in page


def test_adding_a_village(app, client, auth, world, factory):
    auth.login("admin")
    data = {
        "name": "Pá  Khoang",
        "commune_id": factory.commune_id(BUNG_LAO),
        "former_commune": "Chiềng Đông",
        "households": "77",
        "latitude": "21.41",
        "longitude": "103.30",
        "distance_km": "6.5",
        "active": "y",
    }
    response = client.post("/admin/villages/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        village = db.session.scalar(sa.select(Village).where(Village.name == "Pá Khoang"))
        assert (village.households, village.distance_km, village.former_commune_folded) == (77, 6.5, "chieng dong")
        event = db.session.scalar(sa.select(AuditEvent))
        assert event.action == "village_created" and event.changes["households"] == [None, 77]
    # Offered in the visit form to the officials of Búng Lao.
    auth.logout()
    auth.login("official.bunglao")
    assert "Pá Khoang" in client.get("/visits/new").get_data(as_text=True)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "hua chan"}, "This commune already has a village of this name."),
        ({"name": ""}, "Enter the village's name."),
        ({"commune_id": ""}, "Choose the commune."),
        ({"latitude": "48.85", "longitude": "2.35"}, "This location is outside Vietnam."),
        ({"latitude": "21.4", "longitude": ""}, "Give both latitude and longitude, or neither."),
        ({"households": "many"}, "Enter a whole number."),
        ({"distance_km": "-3"}, "Enter a number of kilometres from 0 to 500."),
    ],
)
def test_a_bad_village_is_refused_beside_the_field(app, client, auth, world, factory, values, message):
    auth.login("admin")
    data = {"name": "Pá Khoang", "commune_id": factory.commune_id(BUNG_LAO), "active": "y"} | values
    response = client.post("/admin/villages/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Village.id))) == 3


def test_a_village_no_longer_in_use_is_not_offered(app, client, auth, world, factory):
    auth.login("admin")
    data = {"name": "Hua Nạ", "commune_id": factory.commune_id(BUNG_LAO), "former_commune": ""}
    assert client.post(f"/admin/villages/{world.hua_na}", data=data).status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent))
        assert event.action == "village_updated" and event.changes == {"active": [True, False]}
    auth.logout()
    auth.login("official.bunglao")
    form = client.get("/visits/new").get_data(as_text=True)
    assert "Hua Nạ" not in form and "Hua Chăn" in form


def test_the_visit_form_lets_the_search_find_the_former_commune(client, auth, world):
    auth.login("official.bunglao")
    form = client.get("/visits/new").get_data(as_text=True)
    assert re.search(rf'<option data-former="Ẳng Tở" value="{world.hua_chan}">Hua Chăn</option>', form)


def test_a_missing_village_is_404(client, auth, world):
    auth.login("admin")
    assert client.get("/admin/villages/999999").status_code == 404


# --- Categories -----------------------------------------------------------------------------------------


def test_adding_and_renaming_a_category(app, client, auth, world):
    auth.login("admin")
    data = {"name_vi": "Cháy rừng", "name_en": "Forest fires", "requires_evidence": "y"}
    assert client.post("/admin/categories/new", data=data).status_code == 302
    with app.app_context():
        category = db.session.scalar(sa.select(Category).where(Category.code == "forest_fires"))
        assert category.active and category.requires_evidence
        assert category.sort_order > db.session.scalar(sa.select(Category.sort_order).where(Category.code == "other"))
        category_id = category.id
    response = client.post(
        f"/admin/categories/{category_id}", data={"name_vi": "Cháy rừng, cháy nương", "name_en": "Fires"}
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "category_updated"
        assert event.changes["name_vi"] == ["Cháy rừng", "Cháy rừng, cháy nương"]
        assert event.changes["requires_evidence"] == [True, False]
    auth.logout()
    auth.login("official.bunglao")
    assert "Fires" in category_options(client.get("/visits/new"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name_vi": "dien", "name_en": "Power"}, "Another category already has this name."),
        ({"name_vi": "Cháy rừng", "name_en": "ELECTRICITY"}, "Another category already has this name."),
        ({"name_vi": "", "name_en": "Fires"}, "Enter the name in Vietnamese."),
        ({"name_vi": "Cháy rừng", "name_en": "Fires", "sort_order": "first"}, "Enter a whole number."),
    ],
)
def test_a_bad_category_is_refused_beside_the_field(app, client, auth, world, values, message):
    auth.login("admin")
    response = client.post("/admin/categories/new", data=values)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 13


def test_a_retired_category_stays_on_old_concerns_and_is_no_longer_offered(app, client, auth, world, factory):
    concern = factory.concern(world.hua_chan, world.official_bl, category="electricity")
    auth.login("admin")
    assert client.post(f"/admin/categories/{world.electricity}/retire").status_code == 302
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "Retired" in page and "1 concern" in page
    auth.logout()

    auth.login("official.bunglao")
    offered = category_options(client.get("/visits/new"))
    assert "Electricity" not in offered and "Housing and temporary housing" in offered
    assert "Electricity" in client.get(f"/concerns/{concern}").get_data(as_text=True)
    auth.logout()

    auth.login("admin")
    client.post(f"/admin/categories/{world.electricity}/reinstate")
    with app.app_context():
        assert db.session.get(Category, world.electricity).active
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["category_retired", "category_reinstated"]


def test_the_last_category_offered_cannot_be_retired(app, client, auth, world):
    with app.app_context():
        for category in db.session.scalars(sa.select(Category).where(Category.id != world.other_id)):
            category.active = False
        db.session.commit()
    auth.login("admin")
    response = client.post(f"/admin/categories/{world.other_id}/retire", follow_redirects=True)
    assert "At least one category must stay offered." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, world.other_id).active


@pytest.fixture
def world(world, factory):
    world.other_id = factory.category_id("other")
    return world


# --- The audit trail ------------------------------------------------------------------------------------


def test_the_audit_trail_shows_who_changed_what_newest_first_in_pages(app, client, auth, world):
    auth.login("admin")
    client.post(f"/admin/users/{world.official_bl}", data=user_form(app, full_name="Lò Văn Minh", language="vi"))
    client.post(f"/admin/users/{world.official_qt}/deactivate")
    client.post(f"/admin/categories/{world.housing}/retire")
    app.config["PAGE_SIZE"] = 2
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert first.index("Category retired") < first.index("User deactivated")
    assert "Trần Quốc Bảo" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "User changed" in second and "Tiếng Việt" in second
    only_users = client.get("/admin/audit?about=user").get_data(as_text=True)
    assert "Category retired" not in only_users
    assert "Nothing of this kind has been changed yet." in client.get("/admin/audit?about=village").get_data(
        as_text=True
    )


def test_the_audit_trail_is_empty_at_first(client, auth, world):
    auth.login("admin")
    assert "Nothing has been changed in Administration yet." in client.get("/admin/audit").get_data(as_text=True)


def test_the_audit_trail_is_append_only(app, world):
    with app.app_context():
        admin = db.session.get(User, world.admin)
        event = record(admin, "user_updated", "user", world.official_bl, "Lò Văn Minh", {"role": ["official", "admin"]})
        db.session.commit()
        event.changes = {}
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEvent, event.id).changes == {"role": ["official", "admin"]}


# --- Odd input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users?q=%00&role=x&commune=abc&status=zzz&page=abc",
        "/admin/villages?q=a%00b&commune=-1&status=%00&page=-3",
        "/admin/audit?about=%00&page=99999",
    ],
)
def test_odd_filters_give_a_page_not_an_error(client, auth, world, path):
    auth.login("admin")
    assert client.get(path).status_code == 200


def test_control_characters_are_dropped_from_names(app, client, auth, world, factory):
    auth.login("admin")
    response = client.post(
        "/admin/villages/new", data={"name": "Pá\x00 Khoang\t", "commune_id": factory.commune_id(BUNG_LAO)}
    )
    assert response.status_code == 302
    response = client.post(f"/admin/users/{world.official_bl}", data=user_form(app, full_name="Lò\x1fVăn\x00 Minh"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Village.name).where(Village.name_folded == "pa khoang")) == "Pá Khoang"
        assert db.session.get(User, world.official_bl).full_name == "Lò Văn Minh"


def test_a_province_supervisor_chooses_the_commune_of_a_new_official(app, client, auth, world):
    auth.login("supervisor.province")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="commune_id"[^>]*>\s*<option selected value="">Choose the commune</option>', form)
    response = client.post("/admin/users/new", data=user_form(app, username="lo.van.son", commune=None))
    assert "A commune official belongs to a commune: choose it." in response.get_data(as_text=True)
