"""The public look-up: a resident finds a concern by its reference code and sees nothing personal; the
satisfaction a resident gives once; the slip an official prints; the rate limit on look-ups."""

import re

import itsdangerous
import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.conftest import PASSWORD
from tracker import create_app
from tracker.extensions import db, limiter
from tracker.models import Concern, ConcernEvent, User
from tracker.public.logic import normalise_code, spaced_code
from tracker.workflow import Referral, add_note, assign, change_priority, change_status, escalate

# Written into the concern and its internal events: none of it may reach the public page.
RESIDENT_NAME = "Lò Thị Pánh"
RESIDENT_CONTACT = "0912 345 678, nhà cạnh trường"
TITLE = "Giếng nước của bản bị cạn"
DESCRIPTION = "Mùa khô giếng cạn, 12 hộ phải đi gánh nước xa"
INTERNAL_NOTE = "Nhà bà ấy hay vắng, gọi trước khi đến"
ESCALATION = "Cần xe chở ống nước từ huyện"
REFERRAL_NUMBER = "125/UBND-KT"
REFERRAL_TO = "Phòng Nông nghiệp và Môi trường"
# Public: the resident should read these.
PUBLIC_NOTE = "Đã khảo sát nguồn nước đầu bản"
RESOLUTION = "Đã lắp đường ống mới từ khe suối về bản"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Flask-Limiter's counters live in the process: every test starts with none used."""
    with app.app_context():
        limiter.reset()
    yield


def code_of(app, concern_id: int) -> str:
    with app.app_context():
        return db.session.get(Concern, concern_id).reference_code


def set_code(app, concern_id: int, code: str) -> None:
    with app.app_context():
        db.session.get(Concern, concern_id).reference_code = code
        db.session.commit()


def move(app, concern_id: int, status: str, actor_id: int, **kwargs) -> None:
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        change_status(concern, status, db.session.get(User, actor_id), **kwargs)
        db.session.commit()


def resolved_concern(app, world, factory, **values) -> int:
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="water", **values)
    move(app, concern_id, "resolved", world.supervisor_bl, note=RESOLUTION)
    return concern_id


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- What the public page shows, and what it never shows ------------------------------------------------


@pytest.fixture
def worked_concern(app, world, factory):
    """A concern with personal data, internal and public events of every kind, resolved at the end."""
    concern_id = factory.concern(
        world.hua_chan,
        world.official_bl,
        title=TITLE,
        category="water",
        description=DESCRIPTION,
        resident_name=RESIDENT_NAME,
        resident_contact=RESIDENT_CONTACT,
        households_affected=12,
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        supervisor = db.session.get(User, world.supervisor_bl)
        official = db.session.get(User, world.official_bl)
        assign(concern, db.session.get(User, world.colleague_bl), supervisor)
        assign(concern, official, supervisor)
        add_note(concern, INTERNAL_NOTE, official)
        escalate(concern, official, ESCALATION)
        change_priority(concern, "high", supervisor)
        change_status(concern, "referred", supervisor, referral=Referral(to=REFERRAL_TO, number=REFERRAL_NUMBER))
        add_note(concern, PUBLIC_NOTE, official, public=True)
        change_status(concern, "resolved", official, note=RESOLUTION)
        db.session.commit()
    return concern_id


def test_public_page_shows_the_public_facts_and_nothing_personal(app, client, world, worked_concern):
    code = code_of(app, worked_concern)
    response = client.get(f"/track/{code}")
    assert response.status_code == 200
    page = text_of(response)

    with app.app_context():
        users = db.session.scalars(sa.select(User)).all()
        concern = db.session.get(Concern, worked_concern)
        raised, due, resolved = concern.created_at, concern.due_date, concern.resolved_at
    secrets = [RESIDENT_NAME, RESIDENT_CONTACT, "0912", TITLE, DESCRIPTION, INTERNAL_NOTE, ESCALATION]
    secrets += [REFERRAL_NUMBER, REFERRAL_TO, *(u.full_name for u in users), *(u.username for u in users)]
    for secret in secrets:
        # Whole words only: "admin" may not appear as a name, even inside a longer word it is harmless.
        assert not re.search(rf"(?<![\w.]){re.escape(secret)}(?![\w])", page), f"{secret!r} is on the public page"

    with app.test_request_context(headers={"Accept-Language": "en"}):
        day = app.jinja_env.filters["day"]
        facts = [day(raised), day(due), day(resolved)]
    facts += ["Water and irrigation", "Hua Chăn", "Búng Lao", "Resolved", spaced_code(code)]
    facts += [PUBLIC_NOTE, RESOLUTION, "Normal → High", "New → Referred", "Referred → Resolved"]
    for fact in facts:
        assert fact in page, f"{fact!r} is missing from the public page"


def test_public_page_of_a_rejected_concern_gives_the_public_reason_only(app, client, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="water", resident_name=RESIDENT_NAME)
    move(app, concern_id, "rejected", world.supervisor_bl, note="Thuộc thẩm quyền của huyện")
    page = text_of(client.get(f"/track/{code_of(app, concern_id)}"))
    assert "Rejected" in page and "Thuộc thẩm quyền của huyện" in page
    assert RESIDENT_NAME not in page and "Tòng Văn Hải" not in page
    assert "Due" not in page  # a due date means nothing once the commune has said no


def test_duplicate_shows_the_status_of_the_earlier_concern_not_its_code(app, client, world, factory):
    earlier = factory.concern(world.hua_chan, world.official_bl, category="water")
    later = factory.concern(world.hua_chan, world.official_bl, category="water")
    move(app, earlier, "in_progress", world.supervisor_bl)
    with app.app_context():
        change_status(
            db.session.get(Concern, later),
            "duplicate",
            db.session.get(User, world.supervisor_bl),
            duplicate_of=db.session.get(Concern, earlier),
        )
        db.session.commit()
    page = text_of(client.get(f"/track/{code_of(app, later)}"))
    assert "Duplicate" in page and "The earlier concern is: In progress." in page
    assert code_of(app, earlier) not in page and spaced_code(code_of(app, earlier)) not in page


def test_public_pages_are_never_cached_nor_indexed(app, client, world, factory):
    code = code_of(app, factory.concern(world.hua_chan, world.official_bl))
    for path in ("/track", f"/track?code={code}", f"/track/{code}", "/track/ZZZZZZZZ"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "noindex" in response.headers["X-Robots-Tag"], path


def test_public_pages_have_no_inline_script(app, client, auth, world, factory):
    concern_id = resolved_concern(app, world, factory)
    pages = [text_of(client.get("/track")), text_of(client.get(f"/track/{code_of(app, concern_id)}"))]
    auth.login("official.bunglao")
    pages.append(text_of(client.get(f"/concerns/{concern_id}/slip")))
    for page in pages:
        # Data for the scripts (type="application/json") is not run, and the CSP allows it; code must be in files.
        assert not re.search(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", page)
        assert not re.search(r"\son[a-z]+=", page)


# --- Codes: typed loosely; unknown and malformed answered alike -----------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "H1S0NZ6M",
        "h1s0nz6m",
        "H1S0 NZ6M",
        "h1s0-nz6m",
        " h1s0 - nz6m ",
        "HIS0NZ6M",
        "HLSONZ6M",
        "hiso.nz6m",
        "Ｈ1Ｓ0ＮＺ6Ｍ",
    ],
)
def test_a_code_typed_loosely_finds_the_concern(app, client, world, factory, typed):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="water")
    set_code(app, concern_id, "H1S0NZ6M")
    for response in (client.get("/track", query_string={"code": typed}), client.get(f"/track/{typed.strip()}")):
        assert response.status_code == 200, typed
        assert "H1S0 NZ6M" in text_of(response)


@pytest.mark.parametrize("typed", ["", None, "UUUUUUUU", "H1S0NZ6", "H1S0NZ6M7", "H1S0NZ6!", "x" * 100, "HUSONZ6M"])
def test_normalise_code_refuses_what_is_not_a_code(typed):
    assert normalise_code(typed) is None


def test_unknown_and_malformed_codes_get_the_very_same_answer(app, client, world, factory, monkeypatch):
    code = code_of(app, factory.concern(world.hua_chan, world.official_bl))
    unknown = "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"
    # The CSRF token of the language switch is signed with the time: keep the clock still for the comparison.
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    client.get("/track")  # the session and its CSRF token exist before the comparison
    answers = {}
    malformed = ["UUUUUUUU", "ABC", "H1S0NZ6M7", "<b>x</b>", "' OR 1=1 --", "x" * 100, "H1S0/NZ6M/X"]
    for typed in [unknown, unknown.lower(), *malformed]:
        for path, query in (("/track", {"code": typed}), (f"/track/{typed}", None)):
            response = client.get(path, query_string=query)
            answers[(path, typed)] = (response.status_code, response.get_data())
    assert {status for status, _ in answers.values()} == {404}
    bodies = {body for _, body in answers.values()}
    assert len(bodies) == 1, "the answers differ"
    body = bodies.pop().decode()
    assert "No concern has this code." in body
    assert unknown not in body and "UUUUUUUU" not in body and "&lt;b&gt;" not in body


def test_nothing_typed_asks_for_the_code(client, world):
    response = client.get("/track", query_string={"code": "  "})
    assert response.status_code == 200
    assert "Type the reference code written on your slip." in text_of(response)


# --- The rate limit -------------------------------------------------------------------------------------


def test_lookups_are_rate_limited_per_address(app, client, world, factory):
    app.config["TRACK_RATE_LIMIT"] = "3 per minute"
    code = code_of(app, factory.concern(world.hua_chan, world.official_bl))
    for _ in range(5):  # opening the empty form is not a look-up
        assert client.get("/track").status_code == 200
    assert client.get(f"/track/{code}").status_code == 200
    assert client.get("/track", query_string={"code": "ZZZZZZZZ"}).status_code == 404
    assert client.get("/track", query_string={"code": code.lower()}).status_code == 200

    refused = client.get(f"/track/{code}")
    assert refused.status_code == 429
    assert "Too many look-ups" in text_of(refused) and "wait a few minutes" in text_of(refused)
    assert refused.headers["Cache-Control"] == "no-store"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/track", query_string={"code": code}).status_code == 429
    assert client.post(f"/track/{code}/satisfaction", data={"answer": "satisfied"}).status_code == 429

    # Another address has its own budget; the refused one speaks Vietnamese to a Vietnamese phone.
    assert client.get(f"/track/{code}", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    vietnamese = client.get(f"/track/{code}", headers={"Accept-Language": "vi"})
    assert vietnamese.status_code == 429 and "Tra cứu quá nhiều lần" in text_of(vietnamese)


def test_default_rate_limit_is_twenty_a_minute(app, client, world):
    assert app.config["TRACK_RATE_LIMIT"] == "20 per minute;200 per hour"
    statuses = [client.get("/track/ZZZZZZZZ").status_code for _ in range(21)]
    assert statuses == [404] * 20 + [429]


# --- The resident's satisfaction ------------------------------------------------------------------------


def csrf_token(page: str, action: str) -> str:
    form = page[page.index(f'action="{action}"') :]
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)


def satisfaction_events(app, concern_id: int) -> list[tuple]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(ConcernEvent).where(ConcernEvent.concern_id == concern_id, ConcernEvent.kind == "satisfaction")
        ).all()
        return [(e.new_value, e.author_id, e.public) for e in events]


def test_resident_says_once_how_satisfied_they_are(app, client, world, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    concern_id = resolved_concern(app, world, factory)
    code = code_of(app, concern_id)
    action = f"/track/{code}/satisfaction"
    page = text_of(client.get(f"/track/{code}"))
    assert "Are you satisfied with how it was resolved?" in page
    assert 'value="not_reached"' not in page  # that answer is the officials' to record

    # Without the CSRF token: refused, nothing recorded.
    assert client.post(action, data={"answer": "satisfied"}).status_code == 400
    token = csrf_token(page, action)
    # An answer a resident may not give, or none: the form again with the message.
    for data in ({"answer": "not_reached"}, {}):
        response = client.post(action, data={"csrf_token": token, **data})
        assert response.status_code == 200 and "Choose one of the answers." in text_of(response)
    assert satisfaction_events(app, concern_id) == []

    response = client.post(action, data={"csrf_token": token, "answer": "partly"})
    assert response.status_code == 303 and response.location == f"/track/{code}"
    page = text_of(client.get(response.location))
    assert "Thank you. Your answer has been recorded." in page
    assert "An answer has been recorded: Partly satisfied." in page
    assert action not in page  # the form is gone
    assert satisfaction_events(app, concern_id) == [("partly", None, False)]
    with app.app_context():
        assert db.session.get(Concern, concern_id).satisfaction == "partly"

    # A second answer is refused with the workflow's message, and changes nothing.
    response = client.post(action, data={"csrf_token": token, "answer": "not_satisfied"}, follow_redirects=True)
    assert "The resident has already answered." in text_of(response)
    assert satisfaction_events(app, concern_id) == [("partly", None, False)]


def test_satisfaction_only_once_resolved(app, client, world, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="water")
    move(app, concern_id, "in_progress", world.supervisor_bl)
    code = code_of(app, concern_id)
    page = text_of(client.get(f"/track/{code}"))
    assert "Are you satisfied" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # the language switch's
    response = client.post(f"/track/{code}/satisfaction", data={"csrf_token": token, "answer": "satisfied"})
    assert response.status_code == 303
    assert "Satisfaction is recorded once the concern is resolved." in text_of(client.get(response.location))
    assert satisfaction_events(app, concern_id) == []


def test_an_officials_record_does_not_stop_the_resident_answering(app, client, world, factory):
    from tracker.workflow import record_satisfaction

    concern_id = resolved_concern(app, world, factory)
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        record_satisfaction(concern, "not_reached", db.session.get(User, world.official_bl))
        db.session.commit()
    code = code_of(app, concern_id)
    assert "Are you satisfied" in text_of(client.get(f"/track/{code}"))
    response = client.post(f"/track/{code}/satisfaction", data={"answer": "satisfied"})
    assert response.status_code == 303
    assert satisfaction_events(app, concern_id) == [
        ("not_reached", world.official_bl, False),
        ("satisfied", None, False),
    ]


def test_satisfaction_for_an_unknown_code_is_the_not_found_answer(client, world):
    response = client.post("/track/ZZZZZZZZ/satisfaction", data={"answer": "satisfied"})
    assert response.status_code == 404 and "No concern has this code." in text_of(response)


# --- Who reaches what: the look-up is public, the slip is not -------------------------------------------


def test_anonymous_can_look_up_but_not_print_the_slip(app, client, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    assert client.get("/track").status_code == 200
    assert client.get(f"/track/{code_of(app, concern_id)}").status_code == 200
    response = client.get(f"/concerns/{concern_id}/slip")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_sign_in_page_points_residents_to_the_look_up(client, world):
    assert 'href="/track"' in text_of(client.get("/login"))


def test_official_prints_the_slip_of_a_concern_of_their_commune(app, client, auth, world, factory):
    concern_id = factory.concern(
        world.hua_chan, world.official_bl, category="water", resident_name=RESIDENT_NAME, title=TITLE
    )
    set_code(app, concern_id, "HRS9NZ6M")
    auth.login("official.bunglao")
    assert f'href="/concerns/{concern_id}/slip"' in text_of(client.get(f"/concerns/{concern_id}"))
    response = client.get(f"/concerns/{concern_id}/slip")
    assert response.status_code == 200
    page = text_of(response)
    for fact in ("HRS9 NZ6M", "Hua Chăn", "Búng Lao", "Water and irrigation", "http://localhost<wbr>/track<"):
        assert fact in page, fact
    assert '<svg role="img"' in page and 'class="qr"' in page  # the QR code, drawn on the server
    assert "/static/js/print.js" in page and "/static/css/slip.css" in page
    assert RESIDENT_NAME not in page


def test_slip_of_another_commune_is_not_found(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl)
    auth.login("official.quaito")
    assert client.get(f"/concerns/{concern_id}/slip").status_code == 404
    assert client.get("/concerns/999999/slip").status_code == 404


def test_province_supervisor_prints_any_slip(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_sa_a, world.official_qt)
    auth.login("supervisor.province")
    assert client.get(f"/concerns/{concern_id}/slip").status_code == 200


def test_behind_a_trusted_proxy_each_visitor_has_their_own_budget(app, database_url, client, world, factory):
    """With TRUSTED_PROXIES, the address the proxy forwards counts, and the slip gives the address people use."""

    class BehindAProxy(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        TRUSTED_PROXIES = 1
        TRACK_RATE_LIMIT = "1 per minute"

    concern_id = factory.concern(world.hua_chan, world.official_bl)
    proxied = create_app(BehindAProxy)
    try:
        behind = proxied.test_client()  # every request comes from the proxy, 127.0.0.1
        first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
        assert behind.get("/track/ZZZZZZZZ", headers=first).status_code == 404
        assert behind.get("/track/ZZZZZZZZ", headers=first).status_code == 429
        assert behind.get("/track/ZZZZZZZZ", headers=second).status_code == 404

        outside = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tracker.example.vn"}
        behind.post("/login", data={"username": "official.bunglao", "password": PASSWORD}, headers=outside)
        page = text_of(behind.get(f"/concerns/{concern_id}/slip", headers=outside))
        assert "https://tracker.example.vn<wbr>/track" in page
    finally:
        with proxied.app_context():
            db.engine.dispose()

    # Without it, forwarded headers are not believed: they cannot buy anyone a fresh budget.
    app.config["TRACK_RATE_LIMIT"] = "1 per minute"
    assert client.get("/track/ZZZZZZZZ", headers=first).status_code == 404
    assert client.get("/track/ZZZZZZZZ", headers=second).status_code == 429
