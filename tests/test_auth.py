"""Signing in and out, and the rule that every page but sign-in needs a signed-in user."""

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import User
from tracker.passwords import hash_password


@pytest.mark.parametrize("path", ["/", "/visits/new", "/visits", "/visits/1", "/concerns/", "/concerns/1"])
def test_pages_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_sign_in_page_and_static_files_are_open(client):
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_sign_in_and_out(client, auth, world):
    response = auth.login("official.bunglao")
    assert response.status_code == 302 and response.location == "/"
    assert "Lò Văn Minh" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_username_is_not_case_sensitive(client, auth, world):
    assert auth.login("  Official.BungLao ").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"), [("official.bunglao", "wrong-password-123"), ("nobody", "whatever-it-is")]
)
def test_unknown_user_and_wrong_password_get_the_same_answer(client, auth, world, username, password):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert "Wrong username or password, or the account is not active." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_fields_are_named(client, world):
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "Enter your username." in page and "Enter your password." in page


def test_inactive_user_cannot_sign_in(client, auth, factory):
    factory.user("former.official", active=False)
    response = auth.login("former.official")
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session(app, client, auth, world):
    auth.login("official.bunglao")
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, world.official_bl).active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_bumping_the_session_version_ends_every_session(app, client, auth, world):
    auth.login("official.bunglao")
    with app.app_context():
        db.session.get(User, world.official_bl).session_version += 1
        db.session.commit()
    assert client.get("/").status_code == 302


def test_next_goes_back_to_the_page_asked_for_but_never_elsewhere(client, world):
    data = {"username": "official.bunglao", "password": "correct-horse-battery"}
    assert client.post("/login?next=/concerns/", data=data).location == "/concerns/"
    client.post("/logout")
    for target in ("https://example.org/", "//example.org/", "/\\example.org"):
        assert client.post(f"/login?next={target}", data=data).location == "/"
        client.post("/logout")


def test_old_password_hash_is_remade_at_sign_in(app, client, auth, world):
    from argon2 import PasswordHasher

    with app.app_context():
        user = db.session.get(User, world.official_bl)
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("correct-horse-battery")
        db.session.commit()
        old = user.password_hash
    assert auth.login("official.bunglao").status_code == 302
    with app.app_context():
        new = db.session.scalar(sa.select(User.password_hash).where(User.id == world.official_bl))
        assert new != old and new.startswith("$argon2id$")


def test_password_is_hashed_with_argon2(app):
    with app.app_context():
        assert hash_password("correct-horse-battery").startswith("$argon2id$")
