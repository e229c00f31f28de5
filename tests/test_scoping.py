"""Who sees what: one commune for officials and commune supervisors, the province for the others."""

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from tracker.extensions import db
from tracker.models import User, Village
from tracker.scoping import (
    get_concern_or_404,
    get_village_or_404,
    visible_concerns,
    visible_villages,
    visible_visits,
)
from tracker.visits.logic import VisitInput, record_visit


def _names(query):
    return sorted(v.name for v in db.session.scalars(query))


@pytest.mark.parametrize(
    ("username", "villages"),
    [
        ("official.bunglao", ["Hua Chăn", "Hua Nạ"]),
        ("supervisor.bunglao", ["Hua Chăn", "Hua Nạ"]),
        ("official.quaito", ["Hua Sa A"]),
        ("supervisor.province", ["Hua Chăn", "Hua Nạ", "Hua Sa A"]),
        ("admin", ["Hua Chăn", "Hua Nạ", "Hua Sa A"]),
    ],
)
def test_each_role_sees_its_villages(app, world, username, villages):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert _names(visible_villages(user)) == villages


def test_concerns_and_visits_are_scoped_to_the_commune(app, world, factory):
    factory.concern(world.hua_chan, world.official_bl, title="Điện ở Hua Chăn")
    factory.concern(world.hua_sa_a, world.official_qt, title="Giấy tờ ở Hua Sa A")
    with app.app_context():
        quai_to = db.session.get(User, world.official_qt)
        province = db.session.get(User, world.supervisor_province)
        assert [c.title for c in db.session.scalars(visible_concerns(quai_to))] == ["Giấy tờ ở Hua Sa A"]
        assert len(db.session.scalars(visible_concerns(province)).all()) == 2


def test_official_without_a_commune_sees_nothing(app, world, factory):
    stray = factory.user("stray.official", "official", None)
    factory.concern(world.hua_chan, world.official_bl)
    with app.app_context():
        user = db.session.get(User, stray)
        assert db.session.scalars(visible_villages(user)).all() == []
        assert db.session.scalars(visible_concerns(user)).all() == []
        assert db.session.scalars(visible_visits(user)).all() == []


def test_get_helpers_answer_404_outside_scope(app, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    with app.app_context():
        quai_to = db.session.get(User, world.official_qt)
        with pytest.raises(NotFound):
            get_concern_or_404(quai_to, concern_id)
        with pytest.raises(NotFound):
            get_village_or_404(quai_to, world.hua_chan)
        bung_lao = db.session.get(User, world.official_bl)
        assert get_concern_or_404(bung_lao, concern_id).id == concern_id


def test_official_of_quai_to_gets_404_for_a_bung_lao_concern(client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, title="Cuối bản chưa có điện")
    auth.login("official.quaito")
    response = client.get(f"/concerns/{concern_id}")
    assert response.status_code == 404
    assert "Cuối bản chưa có điện" not in response.get_data(as_text=True)
    # A concern that does not exist looks exactly the same.
    missing = client.get("/concerns/999999")
    assert missing.status_code == 404


def test_official_of_quai_to_gets_404_for_a_bung_lao_visit(app, client, auth, world):
    with app.app_context():
        bung_lao = db.session.get(User, world.official_bl)
        visit, _ = record_visit(
            bung_lao,
            VisitInput(
                client_uuid="0b7d2c1e-8a43-4d0e-b3f5-1c2d3e4f5a6b",
                village=db.session.get(Village, world.hua_chan),
                visit_date=date(2026, 11, 2),
                kind="dialogue",
            ),
        )
        visit_id = visit.id
    auth.login("official.quaito")
    assert client.get(f"/visits/{visit_id}").status_code == 404
    auth.logout()
    auth.login("supervisor.province")
    assert client.get(f"/visits/{visit_id}").status_code == 200


def test_concerns_list_never_shows_another_commune(client, auth, world, factory):
    factory.concern(world.hua_chan, world.official_bl, title="Điện ở Hua Chăn")
    factory.concern(world.hua_sa_a, world.official_qt, title="Giấy tờ ở Hua Sa A")
    auth.login("official.quaito")
    page = client.get("/concerns/").get_data(as_text=True)
    assert "Giấy tờ ở Hua Sa A" in page
    assert "Điện ở Hua Chăn" not in page
    assert "Hua Chăn" not in page  # not even in the village filter
