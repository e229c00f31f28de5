"""The model layer: folding, UTC times, due dates, reference codes, uniqueness and versions."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.localtime import day_bounds_utc, due_date, local_date, month_bounds_utc
from tracker.models import REFERENCE_ALPHABET, Concern, Village, Visit, new_reference_code
from tracker.textsearch import fold, like_pattern


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Mường Pồn", "muong pon"),
        ("Điện Biên", "dien bien"),
        ("ĐIỆN   BIÊN ", "dien bien"),
        ("Hua Chăn", "hua chan"),
        ("Ẳng Tở", "ang to"),
        ("Quài Tở", "quai to"),
        # The same name typed in decomposed form (NFD) folds the same.
        ("Mu\u031bo\u031b\u0300ng Po\u0302\u0300n", "muong pon"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_removes_vietnamese_diacritics(text, folded):
    assert fold(text) == folded


def test_like_pattern_escapes_wildcards():
    assert like_pattern("50%_a") == "%50\\%\\_a%"


def test_folded_columns_follow_renames(app, factory):
    village_id = factory.village("Hua Chăn", former_commune="Ẳng Tở")
    with app.app_context():
        village = db.session.get(Village, village_id)
        assert (village.name_folded, village.former_commune_folded) == ("hua chan", "ang to")
        village.name = "Hua Nạ"
        db.session.commit()
        assert db.session.scalar(sa.select(Village.id).where(Village.name_folded == "hua na")) == village_id


def test_times_are_stored_in_utc_and_read_back_aware(app, world, factory):
    raised = datetime(2026, 10, 31, 23, 30, tzinfo=timezone(timedelta(hours=7)))
    concern_id = factory.concern(world.hua_chan, world.official_bl, created_at=raised)
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        db.session.expire(concern)
        assert concern.created_at == raised
        assert concern.created_at.tzinfo is not None
        assert concern.created_at.utcoffset() == timedelta(0)
        # The raw value in the database is the UTC wall time.
        raw = db.session.execute(sa.text("SELECT created_at FROM concerns WHERE id = :id"), {"id": concern_id})
        assert str(raw.scalar()).startswith("2026-10-31 16:30")


def test_naive_datetimes_are_refused(app, world):
    with app.app_context():
        visit = Visit(
            village_id=world.hua_chan,
            visit_date=date(2026, 11, 1),
            kind="dialogue",
            created_by_id=world.official_bl,
            created_at=datetime(2026, 11, 1, 8, 0),
        )
        db.session.add(visit)
        with pytest.raises(sa.exc.StatementError):
            db.session.flush()


def test_local_day_and_month_bounds():
    late_october = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 23:30 on 31 October in Điện Biên
    assert local_date(late_october) == date(2026, 10, 31)
    assert local_date(late_october + timedelta(minutes=30)) == date(2026, 11, 1)
    start, end = month_bounds_utc(2026, 10)
    assert start == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert month_bounds_utc(2026, 12)[1] == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert day_bounds_utc(date(2026, 11, 23)) == (
        datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("priority", "due"),
    [("urgent", date(2026, 11, 1)), ("high", date(2026, 11, 7)), ("normal", date(2026, 11, 30))],
)
def test_due_date_counts_local_days_from_the_day_raised(app, priority, due):
    # 23:30 on 31 October local time is still 31 October: the count starts there, across the month end.
    raised = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    with app.app_context():
        assert due_date(raised, priority) == due


def test_new_concern_gets_due_date_reference_and_created_event(app, world, factory):
    raised = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    concern_id = factory.concern(world.hua_chan, world.official_bl, priority="high", created_at=raised)
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert concern.due_date == date(2026, 11, 9)
        assert concern.status == "new"
        assert len(concern.reference_code) == 8
        assert set(concern.reference_code) <= set(REFERENCE_ALPHABET)
        assert [(e.kind, e.new_value, e.author_id) for e in concern.events] == [("created", "new", world.official_bl)]


def test_reference_codes_are_random_and_unambiguous():
    codes = {new_reference_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) & set("ILOU")


def test_visit_client_uuid_is_unique(app, world):
    with app.app_context():
        for _ in range(2):
            db.session.add(
                Visit(
                    client_uuid="8d0f6f0e-5f0c-4c55-9a57-0a8c1f6b9b11",
                    village_id=world.hua_chan,
                    visit_date=date(2026, 11, 1),
                    kind="dialogue",
                    created_by_id=world.official_bl,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_village_names_are_unique_within_a_commune_only(app, factory):
    factory.village("Nà Sáy", "03295")
    factory.village("Nà Sáy", "03301")  # another commune may have a village of the same name
    with pytest.raises(IntegrityError):
        factory.village("Na Say", "03295")  # the same name without accents is the same village


def test_concern_version_detects_a_concurrent_change(app, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert concern.version == 1
        # Someone else changes it meanwhile, through another connection.
        with db.engine.begin() as other:
            other.execute(
                sa.update(Concern.__table__).where(Concern.id == concern_id).values(version=2, title="Đã sửa")
            )
        concern.title = "Sửa của tôi"
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(Concern, concern_id).title == "Đã sửa"


def test_database_refuses_unknown_status(app, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(sa.update(Concern).where(Concern.id == concern_id).values(status="lost"))
        db.session.commit()
