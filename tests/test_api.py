"""The JSON API (/api/v1): signing in (session or token), CSRF, villages and categories, visits exactly once."""

import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.api.tokens import create_token, revoke_token
from tracker.extensions import db
from tracker.localtime import today
from tracker.models import ApiToken, Concern, User, Visit


def new_uuid() -> str:
    return str(uuid.uuid4())


def make_token(app, user_id: int, name: str = "script") -> str:
    with app.app_context():
        secret = create_token(db.session.get(User, user_id), name)[1]
        db.session.commit()
        return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def visit_body(village_id: int, category_id: int | None = None, **values) -> dict:
    body = {
        "client_uuid": new_uuid(),
        "village_id": village_id,
        "visit_date": today().isoformat(),
        "kind": "dialogue",
        "attendees": 25,
        "notes": "Họp dân ở nhà văn hoá",
        "latitude": 21.38,
        "longitude": 103.02,
        "gps_accuracy_m": 12.5,
        "official_ids": [],
        "concerns": [],
    }
    if category_id is not None:
        body["concerns"] = [
            {
                "client_uuid": new_uuid(),
                "category_id": category_id,
                "title": "Cuối bản chưa có điện",
                "description": "Mười hộ chưa có điện lưới",
                "resident_name": "Lò Văn Piếng",
                "resident_contact": "0912 345 678",
                "households_affected": 10,
                "priority": "high",
            }
        ]
    body.update(values)
    return body


@pytest.fixture
def official(app, world):
    """The Búng Lao official's token."""
    return bearer(make_token(app, world.official_bl))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- Signing in ---------------------------------------------------------------------------------------------


def test_not_signed_in_is_401_json_never_a_redirect(client, world):
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/villages"),
        ("GET", "/api/v1/categories"),
        ("GET", "/api/v1/csrf-token"),
        ("POST", "/api/v1/visits"),
        ("GET", "/api/v1/concerns"),
    ]:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, path
        assert response.is_json
        assert response.get_json()["error"]["code"] == "unauthenticated"


def test_session_sign_in_reads_me(client, auth, world):
    auth.login("official.bunglao")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == "official.bunglao"
    assert me["full_name"] == "Lò Văn Minh"
    assert me["role"] == "official"
    assert me["commune"]["name"]
    assert me["language"] in ("vi", "en")


def test_province_supervisor_has_no_commune(client, app, world):
    response = client.get("/api/v1/me", headers=bearer(make_token(app, world.supervisor_province)))
    assert response.status_code == 200
    assert response.get_json()["commune"] is None


def test_token_signs_in_and_records_its_use(client, app, world):
    secret = make_token(app, world.official_bl)
    assert secret.startswith("trk_") and len(secret) > 40
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash != secret and secret not in token.token_hash and len(token.token_hash) == 64
        assert token.last_used_at is None
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["username"] == "official.bunglao"
    assert "Set-Cookie" not in response.headers  # a token opens no session
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken)).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer trk_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer nottheprefix", "Bearer " + "x" * 500],
)
def test_bad_token_is_401(client, world, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_revoked_token_is_401(client, app, world):
    secret = make_token(app, world.official_bl)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    with app.app_context():
        revoke_token(db.session.scalar(sa.select(ApiToken)))
        db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401


def test_token_of_deactivated_user_is_401(client, app, world):
    secret = make_token(app, world.official_bl)
    with app.app_context():
        db.session.get(User, world.official_bl).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_user_who_must_change_password_is_403(client, app, auth, world):
    secret = make_token(app, world.official_bl)
    with app.app_context():
        db.session.get(User, world.official_bl).must_change_password = True
        db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "password_change_required"
    auth.login("official.bunglao")
    response = client.get("/api/v1/villages")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "password_change_required"
    # The web pages still send them to the password form.
    assert client.get("/visits").headers["Location"].endswith("/account/password")


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


# --- CSRF ---------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_session_post_needs_the_csrf_header(client, app, world, csrf_on):
    # Sign in through the form, with its CSRF token, as a browser does.
    page = client.get("/login").get_data(as_text=True)
    form_token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"username": "official.bunglao", "password": "correct-horse-battery", "csrf_token": form_token}
    )
    body = visit_body(world.hua_chan)
    response = client.post("/api/v1/visits", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    response = client.post("/api/v1/visits", json=body, headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert count(app, Visit) == 0
    token = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    response = client.post("/api/v1/visits", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()
    assert count(app, Visit) == 1


def test_token_post_needs_no_csrf(client, app, world, official, csrf_on):
    response = client.post("/api/v1/visits", json=visit_body(world.hua_chan), headers=official)
    assert response.status_code == 201
    # Nor does the web form's CSRF check apply to the API.
    assert count(app, Visit) == 1


# --- Villages and categories ------------------------------------------------------------------------------


def test_villages_in_my_scope(client, app, world, official, factory):
    factory.village("Bản cũ", active=False)
    villages = client.get("/api/v1/villages", headers=official).get_json()["villages"]
    names = [v["name"] for v in villages]
    assert names == ["Hua Chăn", "Hua Nạ"]  # not Quài Tở's Hua Sa A, not the inactive one
    hua_chan = villages[0]
    assert hua_chan["id"] == world.hua_chan
    assert hua_chan["former_names"] == ["Ẳng Tở"]
    assert hua_chan["commune_name"] and hua_chan["commune_id"]
    everywhere = client.get("/api/v1/villages", headers=bearer(make_token(app, world.admin))).get_json()["villages"]
    assert {v["name"] for v in everywhere} == {"Hua Chăn", "Hua Nạ", "Hua Sa A"}


def test_categories_are_the_active_ones(client, app, world, official):
    with app.app_context():
        from tracker.models import Category

        db.session.get(Category, world.housing).active = False
        db.session.commit()
    categories = client.get("/api/v1/categories", headers=official).get_json()["categories"]
    codes = [c["code"] for c in categories]
    assert "electricity" in codes and "housing" not in codes
    assert set(categories[0]) == {"id", "code", "name", "needs_evidence"}
    english = client.get("/api/v1/categories", headers=official).get_json()["categories"]
    assert english[0]["name"]


# --- Visits -------------------------------------------------------------------------------------------------


def test_create_visit_with_concerns(client, app, world, official):
    body = visit_body(world.hua_chan, world.electricity, official_ids=[world.colleague_bl])
    response = client.post("/api/v1/visits", json=body, headers=official)
    assert response.status_code == 201
    data = response.get_json()
    assert data["created"] is True
    visit = data["visit"]
    assert visit["client_uuid"] == body["client_uuid"]
    assert visit["village_id"] == world.hua_chan and visit["village_name"] == "Hua Chăn"
    assert visit["visit_date"] == today().isoformat()
    assert visit["attendees"] == 25 and visit["latitude"] == 21.38
    assert visit["created_at"].endswith("Z")
    assert set(visit["official_ids"]) == {world.official_bl, world.colleague_bl}
    assert visit["url"] == f"/visits/{visit['id']}"
    [concern] = visit["concerns"]
    assert concern["client_uuid"] == body["concerns"][0]["client_uuid"]
    assert concern["status"] == "new" and concern["priority"] == "high" and concern["version"] == 1
    assert len(concern["reference_code"]) == 8
    with app.app_context():
        stored = db.session.scalar(sa.select(Concern))
        assert stored.resident_name == "Lò Văn Piếng" and stored.households_affected == 10
        assert stored.created_by_id == world.official_bl
    got = client.get(f"/api/v1/visits/{visit['id']}", headers=official)
    assert got.status_code == 200 and got.get_json()["visit"] == visit


def test_same_uuid_twice_stores_once(client, app, world, official):
    body = visit_body(world.hua_chan, world.electricity)
    first = client.post("/api/v1/visits", json=body, headers=official)
    second = client.post("/api/v1/visits", json=body, headers=official)
    assert first.status_code == 201 and second.status_code == 200
    assert second.get_json()["created"] is False
    assert second.get_json()["visit"]["id"] == first.get_json()["visit"]["id"]
    # Even when the retry's other fields differ, the stored visit is the answer.
    third = client.post("/api/v1/visits", json={**body, "notes": "khác"}, headers=official)
    assert third.status_code == 200 and third.get_json()["visit"]["notes"] == body["notes"]
    assert count(app, Visit) == 1 and count(app, Concern) == 1


def test_same_uuid_from_another_commune_is_refused(client, app, world, official):
    body = visit_body(world.hua_chan)
    assert client.post("/api/v1/visits", json=body, headers=official).status_code == 201
    other = bearer(make_token(app, world.official_qt))
    response = client.post("/api/v1/visits", json={**body, "village_id": world.hua_sa_a}, headers=other)
    assert response.status_code == 422
    assert "client_uuid" in response.get_json()["error"]["fields"]
    assert "Hua Chăn" not in response.get_data(as_text=True)


def test_another_communes_village_is_refused(client, app, world, official):
    response = client.post("/api/v1/visits", json=visit_body(world.hua_sa_a), headers=official)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "village_id" in error["fields"]
    assert count(app, Visit) == 0


def test_another_communes_visit_is_404(client, app, world, official):
    other = bearer(make_token(app, world.official_qt))
    visit_id = client.post("/api/v1/visits", json=visit_body(world.hua_sa_a), headers=other).get_json()["visit"]["id"]
    response = client.get(f"/api/v1/visits/{visit_id}", headers=official)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/visits/99999999999", headers=official).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visit_date": (today() + timedelta(days=1)).isoformat()}, "visit_date"),
        ({"kind": "party"}, "kind"),
        ({"attendees": -1}, "attendees"),
        ({"attendees": 100001}, "attendees"),
        ({"latitude": 48.85, "longitude": 2.35}, "latitude"),
        ({"latitude": 21.0, "longitude": None}, "latitude"),
        ({"notes": "x" * 10001}, "notes"),
        ({"village_id": 0}, "village_id"),
        ({"village_id": 2**40}, "village_id"),
        ({"village_id": None}, "village_id"),
        ({"official_ids": [123456]}, "official_ids"),
        ({"gps_accuracy_m": -3}, "gps_accuracy_m"),
        (
            {"concerns": [{"client_uuid": "c0ffee00-0000-4000-8000-000000000000", "title": "x"}]},
            "concerns[0].category_id",
        ),
        (
            {"concerns": [{"client_uuid": "c0ffee00-0000-4000-8000-000000000000", "category_id": 1, "title": "  "}]},
            "concerns[0].title",
        ),
        ({"concerns": [{"category_id": 1, "title": "Điện"}]}, "concerns[0].client_uuid"),
    ],
)
def test_invalid_visit_names_the_field(client, app, world, official, change, field):
    body = {**visit_body(world.hua_chan), **change}
    if "concerns" in change and body["concerns"] and body["concerns"][0].get("category_id") == 1:
        body["concerns"][0]["category_id"] = world.electricity
    response = client.post("/api/v1/visits", json=body, headers=official)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert count(app, Visit) == 0 and count(app, Concern) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"village_id": "one"}, "village_id"),
        ({"village_id": True}, "village_id"),
        ({"visit_date": "23/11/2026"}, "visit_date"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"attendees": 2.5}, "attendees"),
        ({"notes": 5}, "notes"),
        ({"latitude": "21.3"}, "latitude"),
        ({"official_ids": "3"}, "official_ids"),
        ({"concerns": {"title": "x"}}, "concerns"),
        ({"concerns": ["x"]}, "concerns[0]"),
        ({"notes": "\ud800"}, "notes"),
    ],
)
def test_wrong_types_are_400_naming_the_field(client, app, world, official, change, field):
    response = client.post("/api/v1/visits", json={**visit_body(world.hua_chan), **change}, headers=official)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(app, Visit) == 0


def test_not_json_is_400(client, world, official):
    for data, content_type in [
        ("[" * 100000 + "]" * 100000, "application/json"),
        ('{"client_uuid": NaN}', "application/json"),
        ("client_uuid=1", "application/x-www-form-urlencoded"),
        ("{", "application/json"),
        ("[]", "application/json"),
    ]:
        response = client.post("/api/v1/visits", data=data, content_type=content_type, headers=official)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"


def test_nul_in_text_is_removed(client, app, world, official):
    response = client.post("/api/v1/visits", json=visit_body(world.hua_chan, notes="Họp\x00 dân"), headers=official)
    assert response.status_code == 201
    assert response.get_json()["visit"]["notes"] == "Họp dân"


def test_concern_uuid_already_used_is_refused(client, app, world, official):
    body = visit_body(world.hua_chan, world.electricity)
    assert client.post("/api/v1/visits", json=body, headers=official).status_code == 201
    again = visit_body(world.hua_chan, world.electricity)
    again["concerns"][0]["client_uuid"] = body["concerns"][0]["client_uuid"]
    response = client.post("/api/v1/visits", json=again, headers=official)
    assert response.status_code == 422
    assert "concerns[0].client_uuid" in response.get_json()["error"]["fields"]
    twice = visit_body(world.hua_chan, world.electricity)
    twice["concerns"].append(dict(twice["concerns"][0]))
    response = client.post("/api/v1/visits", json=twice, headers=official)
    assert "concerns[1].client_uuid" in response.get_json()["error"]["fields"]
    assert count(app, Visit) == 1


def test_raised_again_adds_a_note_to_the_open_concern(client, app, world, official, factory):
    open_id = factory.concern(world.hua_chan, world.official_bl)
    body = visit_body(world.hua_chan, world.electricity)
    body["concerns"][0]["same_as_id"] = open_id
    response = client.post("/api/v1/visits", json=body, headers=official)
    assert response.status_code == 201
    assert response.get_json()["visit"]["concerns"] == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 1
        assert [e.kind for e in db.session.get(Concern, open_id).events] == ["created", "note"]


def test_same_uuid_at_the_same_moment_from_two_threads_stores_one(app, world):
    """Two copies of one visit sent at once (two threads, each its own connection): one record, both answered."""
    secret = make_token(app, world.official_bl)
    body = visit_body(world.hua_chan, world.electricity)
    barrier = threading.Barrier(2)
    answers = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/visits", json=body, headers=bearer(secret))
        answers.append((response.status_code, response.get_json()))

    for _ in range(3):  # a few rounds, each with fresh UUIDs, so that the two really overlap at some point
        answers.clear()
        body = visit_body(world.hua_chan, world.electricity)
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert answers[0][1]["visit"]["id"] == answers[1][1]["visit"]["id"]
    assert count(app, Visit) == 3 and count(app, Concern) == 3


# --- Errors in JSON everywhere under /api/ ----------------------------------------------------------------


def test_unknown_address_and_wrong_method_are_json(client, world, official):
    response = client.get("/api/v1/nothing-here", headers=official)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/visits", headers=official)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    # The web pages keep their HTML error pages.
    assert client.get("/nothing-here").mimetype == "text/html"


def test_too_large_is_413_json(client, app, world, official):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/visits", json=visit_body(world.hua_chan, notes="x" * 5000), headers=official)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_rate_limit_is_429_json(client, app, world, official):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/v1/me", headers=official).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/me", headers=official)
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_same_uuid_at_the_same_moment_to_a_real_server_stores_one(app, world):
    """The same, over HTTP to a threaded server: what two retries from a phone on a weak signal look like."""
    import requests
    from werkzeug.serving import make_server

    secret = make_token(app, world.official_bl)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/visits"
        for _ in range(3):
            body = visit_body(world.hua_chan, world.electricity)
            barrier = threading.Barrier(2)
            answers = []

            def send(body=body, barrier=barrier, answers=answers):
                barrier.wait()
                response = requests.post(url, json=body, headers=bearer(secret), timeout=30)
                answers.append((response.status_code, response.json()["visit"]["id"]))

            senders = [threading.Thread(target=send) for _ in range(2)]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            assert sorted(status for status, _ in answers) == [200, 201], answers
            assert answers[0][1] == answers[1][1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert count(app, Visit) == 3 and count(app, Concern) == 3


def test_a_server_error_inside_the_api_is_json(app):
    """What the app's one error handler gives an unhandled exception (a 500) under /api/, and elsewhere."""
    from werkzeug.exceptions import InternalServerError

    from tracker.errors import render_error

    with app.test_request_context("/api/v1/visits", method="POST"):
        response = app.make_response(render_error(InternalServerError()))
        assert response.status_code == 500
        assert response.get_json()["error"]["code"] == "server_error"
        assert response.get_json()["error"]["message"]
    with app.test_request_context("/visits"):
        response = app.make_response(render_error(InternalServerError()))
        assert response.status_code == 500 and response.mimetype == "text/html"
