"""The life of a concern: every legal and illegal change, who may make it, and the events written."""

from datetime import UTC, date, datetime

import pytest

from tracker.extensions import db
from tracker.models import Attachment, Concern, ConcernEvent, User
from tracker.workflow import (
    TRANSITIONS,
    Referral,
    TransitionError,
    add_note,
    allowed_transitions,
    assign,
    change_priority,
    change_status,
    escalate,
    record_satisfaction,
)

ALL_STATUSES = ["new", "in_progress", "referred", "resolved", "rejected", "duplicate"]


@pytest.fixture
def people(app, world):
    with app.app_context():
        yield {
            name: db.session.get(User, getattr(world, name))
            for name in ("official_bl", "colleague_bl", "official_qt", "supervisor_bl", "supervisor_province", "admin")
        }


def make_concern(world, factory, category="paperwork", assignee="official_bl", **values) -> int:
    concern_id = factory.concern(world.hua_chan, world.official_bl, category=category, **values)
    if assignee:
        with factory.app.app_context():
            concern = db.session.get(Concern, concern_id)
            concern.assignee_id = getattr(world, assignee)
            db.session.commit()
    return concern_id


def put_in(concern: Concern, status: str, actor: User, other: Concern | None = None) -> None:
    """Bring a new concern to ``status`` by legal steps."""
    steps = {
        "new": [],
        "in_progress": ["in_progress"],
        "referred": ["referred"],
        "resolved": ["resolved"],
        "rejected": ["rejected"],
        "duplicate": ["duplicate"],
    }[status]
    for step in steps:
        change_status(
            concern, step, actor, note="Ghi chú.", duplicate_of=other, referral=Referral(to="Phòng Nông nghiệp")
        )


def all_pairs():
    return [(old, new) for old in ALL_STATUSES for new in ALL_STATUSES if old != new]


@pytest.mark.parametrize(("old", "new"), all_pairs())
def test_every_transition_is_allowed_or_refused_with_nothing_changed(app, world, factory, people, old, new):
    other_id = make_concern(world, factory, title="Kiến nghị khác")
    concern_id = make_concern(world, factory)
    with app.app_context():
        supervisor = db.session.get(User, world.supervisor_bl)
        concern = db.session.get(Concern, concern_id)
        other = db.session.get(Concern, other_id)
        put_in(concern, old, supervisor, other)
        db.session.commit()
        events_before = len(concern.events)
        if new in TRANSITIONS[old]:
            change_status(
                concern, new, supervisor, note="Ghi chú.", duplicate_of=other, referral=Referral(to="Phòng Nông nghiệp")
            )
            db.session.commit()
            assert concern.status == new
            assert concern.events[-1].kind == "status"
            assert (concern.events[-1].old_value, concern.events[-1].new_value) == (old, new)
            assert len(concern.events) == events_before + 1
        else:
            with pytest.raises(TransitionError):
                change_status(
                    concern,
                    new,
                    supervisor,
                    note="Ghi chú.",
                    duplicate_of=other,
                    referral=Referral(to="Phòng Nông nghiệp"),
                )
            db.session.rollback()
            db.session.expire_all()
            assert concern.status == old
            assert len(concern.events) == events_before


def test_resolve_then_reopen(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory))
    official = db.session.get(User, world.official_bl)
    change_status(concern, "in_progress", official)
    change_status(concern, "resolved", official, note="Đã làm xong giấy tờ.")
    assert concern.resolved_at is not None and concern.resolution_note == "Đã làm xong giấy tờ."
    change_status(concern, "in_progress", official)
    db.session.commit()
    assert concern.resolved_at is None
    assert [(e.kind, e.old_value, e.new_value, e.public) for e in concern.events] == [
        ("created", None, "new", True),
        ("status", "new", "in_progress", True),
        ("status", "in_progress", "resolved", True),
        ("status", "resolved", "in_progress", True),
    ]


@pytest.mark.parametrize(("status", "note"), [("resolved", ""), ("rejected", "  ")])
def test_resolving_or_rejecting_needs_words(app, world, factory, people, status, note):
    concern = db.session.get(Concern, make_concern(world, factory))
    with pytest.raises(TransitionError):
        change_status(concern, status, people["supervisor_bl"], note=note)
    assert concern.status == "new" and len(concern.events) == 1


def test_duplicate_needs_another_concern(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory))
    with pytest.raises(TransitionError):
        change_status(concern, "duplicate", people["supervisor_bl"], duplicate_of=concern)
    with pytest.raises(TransitionError):
        change_status(concern, "duplicate", people["supervisor_bl"])
    assert concern.status == "new"


def test_referral_keeps_its_paper_trail_and_its_deadline_makes_it_overdue(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory, priority="normal"))
    with pytest.raises(TransitionError):
        change_status(concern, "referred", people["official_bl"], referral=Referral(to="  "))
    change_status(
        concern,
        "referred",
        people["official_bl"],
        note="Chuyển phòng chuyên môn.",
        referral=Referral(
            to="Phòng Nông nghiệp và Môi trường",
            number="125/UBND-VP",
            sent_on=date(2026, 11, 2),
            due_on=date(2026, 11, 17),
        ),
    )
    db.session.commit()
    assert (concern.referred_to, concern.referral_number, concern.referral_date, concern.referral_due_date) == (
        "Phòng Nông nghiệp và Môi trường",
        "125/UBND-VP",
        date(2026, 11, 2),
        date(2026, 11, 17),
    )
    assert concern.is_open
    # The hand-off's deadline, not the concern's own due date, decides whether it is overdue.
    assert concern.effective_due_date == date(2026, 11, 17)
    assert concern.is_overdue(date(2026, 11, 18)) and not concern.is_overdue(date(2026, 11, 17))


def test_official_works_only_on_what_is_assigned_to_them(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory, assignee="colleague_bl"))
    with pytest.raises(TransitionError):
        change_status(concern, "in_progress", people["official_bl"])
    assert allowed_transitions(concern, people["official_bl"]) == []
    assert "in_progress" in allowed_transitions(concern, people["colleague_bl"])
    assert concern.status == "new" and len(concern.events) == 1


def test_only_a_supervisor_rejects(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory))
    with pytest.raises(TransitionError):
        change_status(concern, "rejected", people["official_bl"], note="Ngoài thẩm quyền.")
    assert "rejected" not in allowed_transitions(concern, people["official_bl"])
    change_status(concern, "rejected", people["supervisor_bl"], note="Ngoài thẩm quyền của xã.")
    assert concern.rejection_reason == "Ngoài thẩm quyền của xã."


def test_evidence_needed_before_resolving_some_categories(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory, category="electricity"))
    with pytest.raises(TransitionError):
        change_status(concern, "resolved", people["official_bl"], note="Đã có điện.")
    assert concern.status == "new"
    concern.attachments.append(
        Attachment(
            stored_name="x.jpg",
            content_type="image/jpeg",
            size_bytes=10,
            uploaded_by=people["official_bl"],
            is_evidence=True,
        )
    )
    change_status(concern, "resolved", people["official_bl"], note="Đã có điện.")
    db.session.commit()
    assert concern.status == "resolved"


def test_supervisor_assigns_an_official_of_the_commune(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory, assignee=None))
    with pytest.raises(TransitionError):
        assign(concern, people["official_qt"], people["supervisor_bl"])  # another commune
    with pytest.raises(TransitionError):
        assign(concern, people["colleague_bl"], people["official_bl"])  # an official does not assign others
    assign(concern, people["colleague_bl"], people["supervisor_bl"])
    db.session.commit()
    assert concern.assignee_id == world.colleague_bl
    event = concern.events[-1]
    assert (event.kind, event.old_value, event.new_value, event.public) == (
        "assignment",
        None,
        str(world.colleague_bl),
        False,
    )


def test_official_takes_an_unassigned_concern_once(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory, assignee=None))
    assign(concern, people["official_bl"], people["official_bl"])
    db.session.commit()
    with pytest.raises(TransitionError):
        assign(concern, people["colleague_bl"], people["colleague_bl"])  # taken already
    assert concern.assignee_id == world.official_bl


def test_priority_change_counts_the_due_date_again_from_the_day_raised(app, world, factory, people):
    raised = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 23:30 on 31 October, local time
    concern = db.session.get(Concern, make_concern(world, factory, created_at=raised))
    assert concern.due_date == date(2026, 11, 30)
    change_priority(concern, "urgent", people["official_bl"])
    db.session.commit()
    assert concern.due_date == date(2026, 11, 1)
    assert (concern.events[-1].kind, concern.events[-1].old_value, concern.events[-1].new_value) == (
        "priority",
        "normal",
        "urgent",
    )
    with pytest.raises(TransitionError):
        change_priority(concern, "urgent", people["official_bl"])
    with pytest.raises(TransitionError):
        change_priority(concern, "high", people["colleague_bl"])  # not theirs


def test_notes_escalation_and_satisfaction(app, world, factory, people):
    concern = db.session.get(Concern, make_concern(world, factory))
    with pytest.raises(TransitionError):
        add_note(concern, "   ", people["colleague_bl"])
    add_note(concern, "Đã gọi điện cho trưởng bản.", people["colleague_bl"])
    add_note(concern, "Đang chờ hồ sơ.", people["official_bl"], public=True)
    with pytest.raises(TransitionError):
        escalate(concern, people["supervisor_bl"], "?")
    escalate(concern, people["official_bl"], "Cần xe của xã.")
    with pytest.raises(TransitionError):
        record_satisfaction(concern, "satisfied", people["official_bl"])  # not resolved yet
    change_status(concern, "resolved", people["official_bl"], note="Xong.")
    record_satisfaction(concern, "partly", None)
    with pytest.raises(TransitionError):
        record_satisfaction(concern, "satisfied", None)  # the resident answers once
    record_satisfaction(concern, "satisfied", people["official_bl"])  # an official may record a follow-up
    db.session.commit()
    assert concern.satisfaction == "satisfied"
    kinds = [
        (e.kind, e.public)
        for e in db.session.scalars(
            db.select(ConcernEvent).where(ConcernEvent.concern_id == concern.id).order_by(ConcernEvent.id)
        )
    ]
    assert kinds == [
        ("created", True),
        ("note", False),
        ("note", True),
        ("escalation", False),
        ("status", True),
        ("satisfaction", False),
        ("satisfaction", False),
    ]
