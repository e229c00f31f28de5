"""Logging a visit with its concerns: the form, its validation, one transaction, exactly once."""

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.localtime import today
from tracker.models import Concern, ConcernEvent, Visit


def visit_form(village, concerns=(), **fields):
    """The fields the visit form posts, with sensible values that ``fields`` override."""
    data = {
        "client_uuid": str(uuid.uuid4()),
        "village_id": str(village),
        "visit_date": today().isoformat(),
        "kind": "dialogue",
        "attendees": "25",
        "notes": "Họp dân tại nhà văn hóa bản.",
        "latitude": "",
        "longitude": "",
        "submit": "Save",
    }
    for index, concern in enumerate(concerns or [{}]):
        entry = {
            "client_uuid": str(uuid.uuid4()),
            "category_id": "",
            "title": "",
            "description": "",
            "resident_name": "",
            "resident_contact": "",
            "households_affected": "",
            "priority": "normal",
        }
        entry.update(concern)
        data.update({f"concerns-{index}-{key}": str(value) for key, value in entry.items()})
    data.update(fields)
    return data


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(Visit.id))),
            db.session.scalar(sa.select(sa.func.count(Concern.id))),
            db.session.scalar(sa.select(sa.func.count(ConcernEvent.id))),
        )


def test_form_offers_only_my_communes_active_villages(client, auth, world, factory):
    factory.village("Bản Cũ", active=False)
    auth.login("official.bunglao")
    page = client.get("/visits/new").get_data(as_text=True)
    assert "Hua Chăn" in page and "Hua Nạ" in page
    assert "Hua Sa A" not in page
    assert "Bản Cũ" not in page
    assert f'value="{today().isoformat()}"' in page  # today, local time, by default


def test_log_a_visit_with_two_concerns(app, client, auth, world):
    auth.login("official.bunglao")
    data = visit_form(
        world.hua_chan,
        concerns=[
            {
                "category_id": world.electricity,
                "title": "Cuối bản chưa có điện",
                "priority": "high",
                "resident_name": "Lò Thị Xuân",
                "resident_contact": "0912 345 678",
                "households_affected": 12,
            },
            {"category_id": world.housing, "title": "Nhà tạm bị dột", "description": "Mái lợp tạm."},
        ],
        officials=str(world.colleague_bl),
        latitude="21.3921",
        longitude="103.2843",
    )
    response = client.post("/visits/new", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Cuối bản chưa có điện" in page and "Nhà tạm bị dột" in page
    with app.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.village.name == "Hua Chăn"
        assert visit.client_uuid == data["client_uuid"]
        assert visit.visit_date == today()
        assert visit.attendees == 25
        assert (visit.latitude, visit.longitude) == (21.3921, 103.2843)
        assert sorted(u.username for u in visit.officials) == ["colleague.bunglao", "official.bunglao"]
        first, second = visit.concerns
        assert (first.title, first.priority, first.resident_name, first.households_affected) == (
            "Cuối bản chưa có điện",
            "high",
            "Lò Thị Xuân",
            12,
        )
        assert first.due_date == today() + timedelta(days=7)
        assert second.due_date == today() + timedelta(days=30)
        assert first.client_uuid == data["concerns-0-client_uuid"]
        assert [e.kind for e in first.events] == ["created"]
        assert first.reference_code != second.reference_code


def test_a_visit_with_no_concern_is_fine(app, client, auth, world):
    auth.login("official.bunglao")
    response = client.post("/visits/new", data=visit_form(world.hua_na))
    assert response.status_code == 302
    assert counts(app)[:2] == (1, 0)


def test_double_submit_stores_one_visit(app, client, auth, world):
    auth.login("official.bunglao")
    data = visit_form(world.hua_chan, concerns=[{"category_id": world.electricity, "title": "Mất điện"}])
    first = client.post("/visits/new", data=data)
    second = client.post("/visits/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert counts(app) == (1, 1, 1)
    assert "This visit was already saved." in client.get(second.location).get_data(as_text=True)


BAD_FIELDS = [
    ({"village_id": ""}, "village_id", "Choose the village you visited."),
    ({"village_id": "abc"}, "village_id", "Choose the village you visited."),
    ({"visit_date": ""}, "visit_date", "Enter the date of the visit."),
    ({"visit_date": "23/11/2026x"}, "visit_date", "Enter a date such as 2026-11-23."),
    ({"visit_date": (today() + timedelta(days=2)).isoformat()}, "visit_date", "cannot be in the future"),
    ({"kind": "party"}, "kind", "Choose one of the options."),
    ({"attendees": "many"}, "attendees", "Enter a whole number."),
    ({"attendees": "-3"}, "attendees", "Enter a number from 0 to 100,000."),
    ({"latitude": "21.39"}, "latitude", "Give both latitude and longitude, or neither."),
    ({"latitude": "48.85", "longitude": "2.35"}, "latitude", "This location is outside Vietnam."),
    ({"longitude": "east"}, "longitude", "Enter a number such as 103.02."),
    ({"notes": "x" * 10001}, "notes", "At most 10000 characters."),
    ({"officials": "999999"}, "officials", "Choose officials from the list."),
    ({"client_uuid": "not-a-uuid"}, "client_uuid", "The form is damaged."),
]


@pytest.mark.parametrize(
    ("fields", "name", "message"), BAD_FIELDS, ids=[f[1] + str(i) for i, f in enumerate(BAD_FIELDS)]
)
def test_each_bad_visit_field_is_named_and_nothing_is_saved(app, client, auth, world, fields, name, message):
    auth.login("official.bunglao")
    data = visit_form(world.hua_chan, concerns=[{"category_id": world.electricity, "title": "Mất điện"}], **fields)
    response = client.post("/visits/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    if name != "client_uuid":
        assert f'id="{name}-error"' in page or f"{name}" in page
    assert "Mất điện" in page  # what was typed is still there
    assert counts(app) == (0, 0, 0)


BAD_CONCERNS = [
    ({"description": "Không có tiêu đề"}, "concerns-0-title", "Say in a few words what the concern is."),
    ({"title": "x" * 201}, "concerns-0-title", "At most 200 characters."),
    ({"title": "Mất điện", "category_id": ""}, "concerns-0-category_id", "Choose a category."),
    ({"title": "Mất điện", "category_id": "999999"}, "concerns-0-category_id", "Choose a category."),
    ({"title": "Mất điện", "priority": "whenever"}, "concerns-0-priority", "Choose one of the options."),
    ({"title": "Mất điện", "households_affected": "a few"}, "concerns-0-households_affected", "Enter a whole number."),
    ({"title": "Mất điện", "resident_contact": "9" * 121}, "concerns-0-resident_contact", "At most 120 characters."),
]


@pytest.mark.parametrize(("concern", "field_id", "message"), BAD_CONCERNS, ids=[c[1] for c in BAD_CONCERNS])
def test_each_bad_concern_field_is_named_beside_it(app, client, auth, world, concern, field_id, message):
    auth.login("official.bunglao")
    good = {"category_id": world.electricity, "title": "Đường sạt lở"}
    response = client.post(
        "/visits/new", data=visit_form(world.hua_chan, concerns=[good, {"category_id": world.housing, **concern}])
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    field_id = field_id.replace("concerns-0", "concerns-1")
    assert f'<p class="error" id="{field_id}-error">{message}' in page
    assert f'aria-describedby="{field_id}-error"' in page
    assert "Đường sạt lở" in page
    assert counts(app) == (0, 0, 0)


def test_village_of_another_commune_is_refused(app, client, auth, world):
    auth.login("official.bunglao")
    response = client.post("/visits/new", data=visit_form(world.hua_sa_a))
    assert response.status_code == 200
    assert "Choose the village you visited." in response.get_data(as_text=True)
    assert counts(app) == (0, 0, 0)


def test_add_another_concern_without_javascript_keeps_what_was_typed(app, client, auth, world):
    auth.login("official.bunglao")
    data = visit_form(
        world.hua_chan,
        concerns=[{"category_id": world.electricity, "title": "Mất điện"}],
        add_concern="Add another concern",
    )
    del data["submit"]
    response = client.post("/visits/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="concerns-1-title"' in page
    assert 'value="Mất điện"' in page
    assert 'class="error"' not in page  # adding a concern is not a failed submission
    assert counts(app) == (0, 0, 0)


def test_blank_concern_entries_are_ignored(app, client, auth, world):
    auth.login("official.bunglao")
    data = visit_form(world.hua_chan, concerns=[{}, {"category_id": world.electricity, "title": "Mất điện"}, {}])
    assert client.post("/visits/new", data=data).status_code == 302
    assert counts(app) == (1, 1, 1)


def test_my_visits_lists_mine_newest_first_and_paginates(app, client, auth, world):
    auth.login("official.bunglao")
    for days_ago in range(23):
        day = (today() - timedelta(days=days_ago)).isoformat()
        assert client.post("/visits/new", data=visit_form(world.hua_chan, visit_date=day)).status_code == 302
    auth.logout()
    auth.login("colleague.bunglao")
    assert "Hua Chăn" not in client.get("/visits").get_data(as_text=True)  # not on their list: they did not go
    auth.logout()
    auth.login("official.bunglao")
    first = client.get("/visits").get_data(as_text=True)
    assert first.count('class="item"') == 20
    assert "page=2" in first
    second = client.get("/visits?page=2").get_data(as_text=True)
    assert second.count('class="item"') == 3
    assert client.get("/visits?page=3").status_code == 200  # past the end: an empty page, not an error


def test_visit_page_shows_the_visit(app, client, auth, world):
    auth.login("official.bunglao")
    response = client.post(
        "/visits/new",
        data=visit_form(
            world.hua_chan, concerns=[{"category_id": world.electricity, "title": "Mất điện"}], kind="door_to_door"
        ),
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Hua Chăn" in page and "Mất điện" in page and "Lò Văn Minh" in page
    assert date.today().year.__str__() in page


def test_a_number_that_is_not_one_gets_one_message(client, auth, world):
    auth.login("official.bunglao")
    page = client.post("/visits/new", data=visit_form(world.hua_chan, attendees="many")).get_data(as_text=True)
    assert '<p class="error" id="attendees-error">Enter a whole number.</p>' in page


def test_a_bad_gps_accuracy_from_the_page_is_dropped_not_refused(app, client, auth, world):
    auth.login("official.bunglao")
    data = visit_form(world.hua_chan, latitude="21.39", longitude="103.28", gps_accuracy_m="NaN?")
    assert client.post("/visits/new", data=data).status_code == 302
    with app.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert (visit.latitude, visit.gps_accuracy_m) == (21.39, None)


def test_similar_open_concerns_are_offered_within_scope(app, client, auth, world, factory):
    factory.concern(world.hua_chan, world.official_bl, "Cuối bản chưa có điện", category="electricity")
    factory.concern(world.hua_chan, world.official_bl, "Nhà tạm bị dột", category="housing")
    auth.login("official.bunglao")
    fragment = client.get(f"/concerns/similar?village={world.hua_chan}&category={world.electricity}")
    assert "Cuối bản chưa có điện" in fragment.get_data(as_text=True)
    assert "Nhà tạm bị dột" not in fragment.get_data(as_text=True)
    assert client.get("/concerns/similar?village=x").get_data(as_text=True).strip() == ""
    auth.logout()
    auth.login("official.quaito")
    other = client.get(f"/concerns/similar?village={world.hua_chan}&category={world.electricity}")
    assert "Cuối bản chưa có điện" not in other.get_data(as_text=True)


def test_a_concern_raised_again_is_added_to_the_open_one(app, client, auth, world, factory):
    open_id = factory.concern(world.hua_chan, world.official_bl, "Cuối bản chưa có điện", category="electricity")
    auth.login("official.bunglao")
    data = visit_form(
        world.hua_chan,
        concerns=[
            {"category_id": world.electricity, "title": "Vẫn chưa có điện", "same_as": open_id},
            {"category_id": world.housing, "title": "Nhà tạm bị dột"},
        ],
    )
    assert client.post("/visits/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 2  # one new, not two
        again = db.session.scalars(
            sa.select(ConcernEvent).where(ConcernEvent.concern_id == open_id, ConcernEvent.kind == "note")
        ).one()
        assert "Vẫn chưa có điện" in again.note


def test_a_link_to_a_concern_that_cannot_take_it_makes_a_new_concern(app, client, auth, world, factory):
    elsewhere = factory.concern(world.hua_sa_a, world.official_qt, "Ở xã khác", category="electricity")
    auth.login("official.bunglao")
    data = visit_form(
        world.hua_chan, concerns=[{"category_id": world.electricity, "title": "Mất điện", "same_as": elsewhere}]
    )
    assert client.post("/visits/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Concern.id)).where(Concern.title == "Mất điện")) == 1
        assert (
            db.session.scalar(sa.select(sa.func.count(ConcernEvent.id)).where(ConcernEvent.concern_id == elsewhere))
            == 1
        )
