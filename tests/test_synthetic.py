"""flask load-synthetic: province-scale synthetic data, here at a small size, on both databases."""

from collections import Counter, defaultdict

import sqlalchemy as sa

from tests.conftest import PASSWORD, empty_all_tables
from tracker import localtime
from tracker.extensions import db
from tracker.localtime import local_date, today, utcnow
from tracker.models import STATUSES, Commune, Concern, ConcernEvent, User, Village, Visit, visit_officials
from tracker.places import ensure_default_categories, load_communes
from tracker.workflow import TRANSITIONS

SMALL = ["load-synthetic", "--villages", "30", "--years", "1", "--seed", "7", "--password", PASSWORD]


def snapshot() -> list[tuple]:
    return db.session.execute(
        sa.select(Concern.reference_code, Concern.title, Concern.status, Concern.created_at).order_by(Concern.id)
    ).all()


def test_load_synthetic_fills_every_status_with_consistent_events(app, runner, client):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "30 villages" in result.output
    with app.app_context():
        communes = db.session.scalar(sa.select(sa.func.count(Commune.id)))
        assert communes == 45
        assert db.session.scalar(sa.select(sa.func.count(Village.id))) == 30
        # A supervisor and four officials per commune, and two for the whole province.
        roles = Counter(db.session.execute(sa.select(User.role, User.commune_id.is_(None))).all())
        assert roles == {("official", False): 4 * communes, ("supervisor", False): communes, ("supervisor", True): 2}
        visits = db.session.scalar(sa.select(sa.func.count(Visit.id)))
        concerns = db.session.scalars(sa.select(Concern).order_by(Concern.id)).all()
        # About 150,000 visits and 250,000 concerns for 1,446 villages over five years, here scaled down.
        assert 30 * 20.75 * 0.7 < visits < 30 * 20.75 * 1.3
        assert 1.3 * visits < len(concerns) < 2.1 * visits
        assert set(Counter(c.status for c in concerns)) == set(STATUSES)

        events = defaultdict(list)
        for event in db.session.scalars(sa.select(ConcernEvent).order_by(ConcernEvent.id)):
            events[event.concern_id].append(event)
        users = {u.id: u for u in db.session.scalars(sa.select(User))}
        villages = {v.id: v for v in db.session.scalars(sa.select(Village))}
        now = utcnow()
        first_day = today().replace(year=today().year - 1)
        for concern in concerns:
            timeline = events[concern.id]
            commune = villages[concern.village_id].commune_id
            assert timeline[0].kind == "created" and timeline[0].created_at == concern.created_at
            assert [e.kind for e in timeline].count("created") == 1
            assert [e.created_at for e in timeline] == sorted(e.created_at for e in timeline)
            assert concern.created_at <= timeline[-1].created_at <= now
            assert first_day <= local_date(concern.created_at) <= today()
            # Each status change follows the workflow, from "new" to the concern's status.
            status = "new"
            for event in timeline:
                if event.kind == "status":
                    assert event.old_value == status and event.new_value in TRANSITIONS[status]
                    status = event.new_value
            assert status == concern.status
            assert (concern.resolved_at is not None) == (concern.status == "resolved")
            if concern.status == "resolved":
                assert concern.resolved_at == [e for e in timeline if e.kind == "status"][-1].created_at
                assert concern.resolution_note
            if concern.status == "rejected":
                assert concern.rejection_reason
            if concern.status == "duplicate":
                original = db.session.get(Concern, concern.duplicate_of_id)
                assert original.village_id == concern.village_id and original.id < concern.id
            if concern.status == "referred":
                assert concern.referred_to and concern.referral_due_date
            # Scope: the people on a concern are of its village's commune.
            assert users[concern.created_by_id].commune_id == commune
            if concern.assignee_id is not None:
                assert users[concern.assignee_id].commune_id == commune
            if concern.visit_id is not None:
                visit = db.session.get(Visit, concern.visit_id)
                assert visit.village_id == concern.village_id
        for _visit, user_id, village_id in db.session.execute(
            sa.select(visit_officials.c.visit_id, visit_officials.c.user_id, Visit.village_id).join(
                Visit, Visit.id == visit_officials.c.visit_id
            )
        ):
            assert users[user_id].commune_id == villages[village_id].commune_id
        official = db.session.scalar(sa.select(User.username).where(User.role == "official").order_by(User.id).limit(1))
    # Synthetic users sign in with the password given, and see their home page.
    client.post("/login", data={"username": official, "password": PASSWORD})
    assert client.get("/").status_code == 200
    assert client.get("/concerns/mine").status_code == 200


def test_load_synthetic_refuses_a_database_with_visits_unless_forced(app, runner):
    assert runner.invoke(args=SMALL).exit_code == 0
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Visit.id)))
    refused = runner.invoke(args=SMALL)
    assert refused.exit_code != 0
    assert "already has visits" in refused.output and "--force" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == before
    forced = runner.invoke(args=[*SMALL, "--villages", "3", "--force"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Visit.id))) > before
        assert db.session.scalar(sa.select(sa.func.count(Village.id))) == 33
        # New rows after the old ones: the database's own ids still work.
        db.session.add(Village(name="Bản mới", commune_id=db.session.scalar(sa.select(Commune.id).limit(1))))
        db.session.commit()


def test_load_synthetic_is_the_same_for_the_same_seed(app, runner, monkeypatch):
    # The same clock for both runs: today's moments that would fall after "now" are placed before it.
    stopped = utcnow()
    monkeypatch.setattr(localtime, "utcnow", lambda: stopped)
    assert runner.invoke(args=SMALL).exit_code == 0
    with app.app_context():
        first = snapshot()
        empty_all_tables()
        load_communes(11)
        ensure_default_categories()
    assert runner.invoke(args=SMALL).exit_code == 0
    with app.app_context():
        assert snapshot() == first
