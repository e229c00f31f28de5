"""The pages officials, supervisors and residents use ask the database a fixed number of questions, however
many records there are: the same number of SQL statements with a handful of concerns and with a commune's
year of synthetic data (``flask load-synthetic``), on both databases.

Every page is asked for once before counting (first-time work such as loading the categories is not the
page's), then counted with few records, then again after the records have grown under the same user: more
concerns assigned to the official, more visits they went on, a longer timeline on the concern looked at,
more villages, visits and concerns everywhere for the supervisors.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, PASSWORD
from tracker.concerns.logic import new_concern
from tracker.extensions import db
from tracker.localtime import utcnow
from tracker.models import OPEN_STATUSES, Category, Concern, ConcernEvent, User, Village, Visit, visit_officials
from tracker.workflow import add_note, escalate


def count_statements(app, client, url: str) -> int:
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        response.get_data()
        response.close()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(statements)


def start(app, world) -> tuple[int, str]:
    """A few records: three concerns assigned to the official, a visit, a note and an escalation."""
    with app.app_context():
        official = db.session.get(User, world.official_bl)
        village = db.session.get(Village, world.hua_chan)
        category = db.session.scalar(sa.select(Category).where(Category.code == "roads"))
        concerns = [new_concern(official, village, category, f"Đường vào bản số {n}") for n in range(3)]
        for concern in concerns:
            concern.assignee = official
        db.session.add(
            Visit(
                village=village, visit_date=utcnow().date(), kind="dialogue", created_by=official, officials=[official]
            )
        )
        db.session.flush()
        add_note(concerns[0], "Đã gọi điện cho trưởng bản", official, public=True)
        escalate(concerns[1], official, "Cần hỗ trợ")
        db.session.commit()
        return concerns[0].id, concerns[0].reference_code


def grow(app, runner, world, concern_id: int) -> None:
    """A year of synthetic data in every commune, then Búng Lao's concerns reopened and given to the same
    official, who went on every visit there, and a long timeline on the concern looked at."""
    result = runner.invoke(
        args=["load-synthetic", "--villages", "90", "--years", "1", "--password", PASSWORD, "--force"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        commune_id = db.session.scalar(sa.select(Village.commune_id).where(Village.id == world.hua_chan))
        in_bung_lao = sa.select(Village.id).where(Village.commune_id == commune_id)
        db.session.execute(
            sa.update(Concern)
            .where(Concern.village_id.in_(in_bung_lao), Concern.status.in_([*OPEN_STATUSES, "resolved"]))
            .values(assignee_id=world.official_bl, status="in_progress", resolved_at=None)
        )
        went = sa.select(visit_officials.c.visit_id).where(visit_officials.c.user_id == world.official_bl)
        visits = db.session.scalars(
            sa.select(Visit.id).where(Visit.village_id.in_(in_bung_lao), Visit.id.not_in(went))
        ).all()
        db.session.execute(sa.insert(visit_officials), [{"visit_id": v, "user_id": world.official_bl} for v in visits])
        now = utcnow()
        db.session.execute(
            sa.insert(ConcernEvent),
            [
                {
                    "concern_id": concern_id,
                    "author_id": world.official_bl,
                    "kind": "note",
                    "note": f"Ghi chú {n}",
                    "public": n % 2 == 0,
                    "created_at": now + timedelta(seconds=n),
                }
                for n in range(60)
            ],
        )
        db.session.commit()
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    Concern.assignee_id == world.official_bl, Concern.status.in_(OPEN_STATUSES)
                )
            )
            > 20
        )  # more than a page of them


@pytest.mark.parametrize("review_cache", [False, True], ids=["each-request", "numbers-kept"])
def test_no_page_asks_more_questions_when_the_data_grows(
    app, client, auth, runner, world, factory, capsys, review_cache
):
    # Without the review's kept numbers (tracker/review/cache.py) every request makes them; with it, a request
    # after the first with the same data reads them from the process.
    app.config["REVIEW_CACHE"] = review_cache
    concern_id, code = start(app, world)
    commune = factory.commune_id(BUNG_LAO)
    category = factory.category_id("roads")
    pages = {
        "official.bunglao": [
            "/",
            "/concerns/mine",
            "/visits/new",
            "/visits",
            f"/concerns/{concern_id}",
        ],
        "supervisor.bunglao": [
            "/review/",
            "/review/concerns",
            "/review/coverage",
            "/review/trends",
            f"/concerns/{concern_id}",
        ],
        "supervisor.province": [
            "/review/",
            f"/review/?commune={commune}",
            "/review/concerns",
            f"/review/concerns?status=open&overdue=y&escalated=y&category={category}&commune={commune}&q=duong",
            "/review/coverage",
            "/review/coverage?show=all",
            "/review/trends",
            "/visits/new",
        ],
        None: [f"/track/{code}"],
    }

    def counts() -> dict:
        result = {}
        for user, urls in pages.items():
            auth.logout()
            if user:
                assert auth.login(user).status_code == 302
            for url in urls:
                client.get(url).close()  # first-time work is not the page's
                result[user, url] = count_statements(app, client, url)
        return result

    few = counts()
    grow(app, runner, world, concern_id)
    many = counts()
    with capsys.disabled():
        print("\nSQL statements per page, with a few records and with a year of synthetic data:")
        for (user, url), number in few.items():
            print(f"  {number:3d} {many[user, url]:3d}  {user or 'resident'}  {url}")
    assert many == few
    # A small constant: no page asks more than 15 questions (the province's overview asks the most).
    assert max(many.values()) <= 15
