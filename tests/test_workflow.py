"""The status machine: allowed changes write their event; refused ones change nothing."""

import pytest

from tracker.extensions import db
from tracker.models import Concern, User
from tracker.workflow import TRANSITIONS, TransitionError, change_status


@pytest.fixture
def concern_and_actor(app, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    with app.app_context():
        yield db.session.get(Concern, concern_id), db.session.get(User, world.official_bl)


def test_resolve_then_reopen(concern_and_actor):
    concern, actor = concern_and_actor
    change_status(concern, "in_progress", actor)
    change_status(concern, "resolved", actor, note="Đã kéo điện.")
    assert concern.resolved_at is not None and concern.resolution_note == "Đã kéo điện."
    change_status(concern, "in_progress", actor)
    db.session.commit()
    assert concern.resolved_at is None
    assert [(e.kind, e.old_value, e.new_value) for e in concern.events] == [
        ("created", None, "new"),
        ("status", "new", "in_progress"),
        ("status", "in_progress", "resolved"),
        ("status", "resolved", "in_progress"),
    ]


@pytest.mark.parametrize(("status", "note"), [("resolved", ""), ("rejected", "  ")])
def test_resolving_or_rejecting_needs_words(concern_and_actor, status, note):
    concern, actor = concern_and_actor
    with pytest.raises(TransitionError):
        change_status(concern, status, actor, note=note)
    assert concern.status == "new" and len(concern.events) == 1


def test_illegal_change_is_refused_and_writes_nothing(concern_and_actor):
    concern, actor = concern_and_actor
    change_status(concern, "rejected", actor, note="Ngoài thẩm quyền của xã.")
    with pytest.raises(TransitionError):
        change_status(concern, "resolved", actor, note="?")
    assert concern.status == "rejected" and len(concern.events) == 2


def test_duplicate_needs_another_concern(concern_and_actor):
    concern, actor = concern_and_actor
    with pytest.raises(TransitionError):
        change_status(concern, "duplicate", actor, duplicate_of=concern)
    assert "duplicate" in TRANSITIONS["new"]
