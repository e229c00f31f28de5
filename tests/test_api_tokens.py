"""The API tokens page (/account/tokens): make a token (shown once), list them, revoke one; never logged."""

import logging
import re

import sqlalchemy as sa

from tests.test_api import bearer
from tracker.extensions import db
from tracker.models import ApiToken

SECRET = re.compile(r"trk_[A-Za-z0-9_-]{43}")


def test_make_use_and_revoke_a_token(client, app, auth, world):
    auth.login("official.bunglao")
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "You have no API tokens." in page.get_data(as_text=True)

    made = client.post("/account/tokens", data={"name": "Bảng tính của xã"})
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    [secret] = SECRET.findall(html)
    assert "Bảng tính của xã" in html
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.user_id == world.official_bl and token.name == "Bảng tính của xã"
        assert secret not in token.token_hash
        token_id = token.id
    # Shown once: the list does not show it again.
    assert not SECRET.search(client.get("/account/tokens").get_data(as_text=True))

    other = app.test_client()
    assert other.get("/api/v1/me", headers=bearer(secret)).get_json()["username"] == "official.bunglao"
    assert "never used" not in client.get("/account/tokens").get_data(as_text=True)

    revoked = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert revoked.status_code == 200
    assert "has been revoked" in revoked.get_data(as_text=True)
    assert other.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_a_token_needs_a_name(client, app, auth, world):
    auth.login("official.bunglao")
    for name in ("", "   ", "x" * 81):
        response = client.post("/account/tokens", data={"name": name})
        assert response.status_code == 422
        assert not SECRET.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_someone_elses_token_cannot_be_revoked(client, app, auth, world):
    auth.login("official.quaito")
    client.post("/account/tokens", data={"name": "Của tôi"})
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    auth.logout()
    auth.login("official.bunglao")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert "Của tôi" not in client.get("/account/tokens").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_the_page_needs_signing_in(client, world):
    assert client.get("/account/tokens").headers["Location"].startswith("/login")


def test_the_page_speaks_vietnamese(app, world, auth):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    client.post("/login", data={"username": "official.bunglao", "password": "correct-horse-battery"})
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "Mã truy cập API" in html
    assert "You have no API tokens." not in html


def test_tokens_are_never_logged(client, app, auth, world, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login("official.bunglao")
    secret = SECRET.findall(client.post("/account/tokens", data={"name": "script"}).get_data(as_text=True))[0]
    anonymous = app.test_client()
    anonymous.get("/api/v1/me", headers=bearer(secret))
    anonymous.get("/api/v1/me", headers=bearer(secret + "x"))  # refused: logged as a 401
    anonymous.get("/api/v1/concerns/999", headers=bearer(secret))  # refused: logged as a 404
    assert any("refused-401" in r.getMessage() for r in caplog.records)
    assert any("api-token-created" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert secret[4:20] not in record.getMessage()
