"""Working on a concern from its page: status, assignment, priority, notes, escalation, satisfaction,
and no lost update when two people change it at once."""

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.localtime import today
from tracker.models import Concern, ConcernEvent


def concern_state(app, concern_id):
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        kinds = [
            e.kind
            for e in db.session.scalars(
                sa.select(ConcernEvent).where(ConcernEvent.concern_id == concern_id).order_by(ConcernEvent.id)
            )
        ]
        return concern.status, concern.assignee_id, concern.version, kinds


def form_fields(page: str, action: str) -> dict:
    """The hidden fields of one action form on the page (version and the last event seen)."""
    start = page.index('action="/concerns/')
    block = page[page.index(f'/{action}"', start) :]
    version = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', block).group(1)
    seen = re.search(rf'name="{action}-seen_event" type="hidden" value="(\d+)"', block).group(1)
    return {f"{action}-version": version, f"{action}-seen_event": seen}


def post(client, concern_id, action, fields, page=None):
    page = page if page is not None else client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    data = {**form_fields(page, action), **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/concerns/{concern_id}/{action}", data=data)


def test_official_takes_works_and_resolves_a_concern(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    auth.login("official.bunglao")
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert "I will deal with it" in page
    assert post(client, concern_id, "take", {}).status_code == 302
    assert post(client, concern_id, "status", {"status": "in_progress"}).status_code == 302
    response = post(client, concern_id, "status", {"status": "resolved", "note": "Đã làm căn cước tại nhà."})
    assert response.status_code == 302
    assert "Status changed to “Resolved”." in client.get(response.location).get_data(as_text=True)
    status, assignee, _version, kinds = concern_state(app, concern_id)
    assert (status, assignee) == ("resolved", world.official_bl)
    assert kinds == ["created", "assignment", "status", "status"]


def test_resolving_without_a_note_or_without_evidence_is_refused(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="electricity")
    auth.login("supervisor.bunglao")
    response = post(client, concern_id, "status", {"status": "resolved", "note": ""})
    assert response.status_code == 200
    assert "Say how the concern was resolved." in response.get_data(as_text=True)
    response = post(client, concern_id, "status", {"status": "resolved", "note": "Đã kéo điện."})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "need a photo or document as evidence" in page
    assert "Đã kéo điện." in page  # what was typed is kept
    assert concern_state(app, concern_id)[0::3] == ("new", ["created"])


def test_a_status_that_is_not_offered_is_refused(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    auth.login("supervisor.bunglao")
    response = post(client, concern_id, "status", {"status": "lost"})
    assert "Choose the new status." in response.get_data(as_text=True)
    assert concern_state(app, concern_id)[0] == "new"


def test_referral_and_duplicate_from_the_page(app, client, auth, world, factory):
    first = factory.concern(world.hua_chan, world.official_bl, category="paperwork", title="Cũ")
    second = factory.concern(world.hua_chan, world.official_bl, category="paperwork", title="Mới")
    with app.app_context():
        code = db.session.get(Concern, first).reference_code
    auth.login("supervisor.bunglao")
    bad = post(
        client,
        first,
        "status",
        {
            "status": "referred",
            "referred_to": "Phòng Tư pháp",
            "referral_date": "2026-11-10",
            "referral_due_date": "2026-11-01",
        },
    )
    assert "cannot be expected before the dispatch date" in bad.get_data(as_text=True)
    response = post(
        client,
        first,
        "status",
        {
            "status": "referred",
            "referred_to": "Phòng Tư pháp",
            "referral_number": "88/UBND",
            "referral_date": "2026-11-10",
            "referral_due_date": "2026-11-25",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/concerns/{first}").get_data(as_text=True)
    assert "Phòng Tư pháp" in page and "88/UBND" in page
    loose = f"{code[:4].lower()}-{code[4:].lower()}"
    assert post(client, second, "status", {"status": "duplicate", "duplicate_of": loose}).status_code == 302
    with app.app_context():
        assert db.session.get(Concern, second).duplicate_of_id == first
    unknown = post(client, first, "status", {"status": "in_progress", "duplicate_of": ""})
    assert unknown.status_code == 302


def test_supervisor_assigns_and_an_official_cannot(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    auth.login("official.bunglao")
    assert "action-assign" not in client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert (
        client.post(f"/concerns/{concern_id}/assign", data={"assign-assignee": world.colleague_bl}).status_code == 403
    )
    auth.logout()
    auth.login("supervisor.bunglao")
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert "Quàng Thị Hoa" not in page  # an official of another commune is not offered
    bad = post(client, concern_id, "assign", {"assignee": world.official_qt}, page)
    assert "Choose an official from the list." in bad.get_data(as_text=True)
    assert post(client, concern_id, "assign", {"assignee": world.colleague_bl}).status_code == 302
    assert concern_state(app, concern_id)[1] == world.colleague_bl
    assert "Cà Thị Lả" in client.get(f"/concerns/{concern_id}").get_data(as_text=True)


def test_another_communes_official_gets_404_for_every_action(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    auth.login("official.quaito")
    for action in ("status", "take", "note", "priority", "escalate", "assign", "satisfaction", "nonsense"):
        assert client.post(f"/concerns/{concern_id}/{action}", data={}).status_code == 404
    assert concern_state(app, concern_id)[3] == ["created"]


def test_priority_note_escalation_and_satisfaction(app, client, auth, world, factory):
    raised = datetime.now(UTC) - timedelta(days=3)
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork", created_at=raised)
    with app.app_context():
        db.session.get(Concern, concern_id).assignee_id = world.official_bl
        db.session.commit()
    auth.login("official.bunglao")
    assert post(client, concern_id, "priority", {"priority": "urgent"}).status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern_id).due_date == today() - timedelta(days=2)
    assert "Overdue" in client.get("/concerns/mine").get_data(as_text=True)
    empty = post(client, concern_id, "note", {"text": ""})
    assert "Write the note." in empty.get_data(as_text=True)
    assert post(client, concern_id, "note", {"text": "Đã hẹn trưởng bản.", "public": "y"}).status_code == 302
    assert post(client, concern_id, "escalate", {"reason": "Cần xe của xã."}).status_code == 302
    assert post(client, concern_id, "status", {"status": "resolved", "note": "Xong."}).status_code == 302
    assert post(client, concern_id, "satisfaction", {"satisfaction": "partly"}).status_code == 302
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert "Partly satisfied" in page and "Đã hẹn trưởng bản." in page and "Cần xe của xã." in page
    assert concern_state(app, concern_id)[3] == ["created", "priority", "note", "escalation", "status", "satisfaction"]


def test_second_of_two_concurrent_changes_is_refused_and_nothing_is_overwritten(app, world, factory, auth, client):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    with app.app_context():
        db.session.get(Concern, concern_id).assignee_id = world.official_bl
        db.session.commit()
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    other.post("/login", data={"username": "supervisor.bunglao", "password": "correct-horse-battery"})
    auth.login("official.bunglao")
    # Both open the concern.
    mine = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    theirs = other.get(f"/concerns/{concern_id}").get_data(as_text=True)
    # The supervisor rejects it first.
    assert (
        post(other, concern_id, "status", {"status": "rejected", "note": "Ngoài thẩm quyền."}, theirs).status_code
        == 302
    )
    before = concern_state(app, concern_id)
    # The official, still on the old page, tries to move it on.
    response = post(client, concern_id, "status", {"status": "in_progress", "note": "Tôi đang làm."}, mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone changed this concern after you opened it" in page
    assert "Tông Văn Hải" in page or "Tòng Văn Hải" in page  # who changed it
    assert "Tôi đang làm." in page  # what was typed is kept
    assert concern_state(app, concern_id) == before  # nothing overwritten, no event added
    assert before[0] == "rejected"


def test_my_concerns_lists_what_is_mine_most_overdue_first(app, client, auth, world, factory):
    now = datetime.now(UTC)
    ids = {
        "later": factory.concern(world.hua_chan, world.official_bl, "Hạn sau", category="paperwork", created_at=now),
        "late": factory.concern(
            world.hua_chan, world.official_bl, "Quá hạn lâu", category="paperwork", created_at=now - timedelta(days=40)
        ),
        "soon": factory.concern(
            world.hua_chan, world.official_bl, "Sắp đến hạn", category="paperwork", priority="urgent", created_at=now
        ),
        "theirs": factory.concern(world.hua_chan, world.official_bl, "Của người khác", category="paperwork"),
    }
    with app.app_context():
        for key, concern_id in ids.items():
            db.session.get(Concern, concern_id).assignee_id = (
                world.colleague_bl if key == "theirs" else world.official_bl
            )
        db.session.commit()
    auth.login("official.bunglao")
    page = client.get("/concerns/mine").get_data(as_text=True)
    positions = [page.index(title) for title in ("Quá hạn lâu", "Sắp đến hạn", "Hạn sau")]
    assert positions == sorted(positions)
    assert "Của người khác" not in page
    assert date.today().year  # the page renders dates without error


def test_conflict_keeps_the_form_and_a_second_try_goes_through(app, world, factory, auth, client):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="paperwork")
    with app.app_context():
        db.session.get(Concern, concern_id).assignee_id = world.official_bl
        db.session.commit()
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    other.post("/login", data={"username": "supervisor.bunglao", "password": "correct-horse-battery"})
    auth.login("official.bunglao")
    mine = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert post(other, concern_id, "priority", {"priority": "high"}).status_code == 302
    after_theirs = concern_state(app, concern_id)
    refused = post(client, concern_id, "priority", {"priority": "urgent"}, mine)
    assert refused.status_code == 409
    again = refused.get_data(as_text=True)
    assert "Priority changed" in again  # the change made meanwhile is listed
    assert concern_state(app, concern_id) == after_theirs  # nothing overwritten
    # A note overwrites nothing: it goes through from the old page too.
    assert post(client, concern_id, "note", {"text": "Ghi chú."}, mine).status_code == 302
    # Sent again from the refreshed form, the change goes through.
    assert post(client, concern_id, "priority", {"priority": "urgent"}, again).status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern_id).priority == "urgent"
