"""Password rules (OWASP ASVS level 1), changing one's own password, and the change forced after a reset."""

import unicodedata

import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, PASSWORD
from tracker.auth.password_policy import common_passwords, password_problems, temporary_password
from tracker.extensions import db
from tracker.models import User
from tracker.passwords import verify_password

NEW_PASSWORD = "nuoc chay da mon"


def problems(password, username=None) -> list[str]:
    return [str(problem) for problem in password_problems(password, username)]


# --- The rules ------------------------------------------------------------------------------------------


def test_the_list_of_common_passwords_has_ten_thousand_entries():
    passwords = common_passwords()
    assert len(passwords) == 10_000
    assert {"password", "123456", "qwerty"} <= passwords


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("a" * 11, "Use at least 12 characters"),
        ("x" * 129, "Use at most 128 characters."),
        ("Password1234", "one of the most common passwords"),
        (" PASSWORD1234 ", "one of the most common passwords"),
        ("Q1W2E3R4T5Y6", "one of the most common passwords"),
        ("1qaz2wsx3edc", "one of the most common passwords"),
    ],
)
def test_a_password_that_breaks_a_rule_is_refused(app, password, expected):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert any(expected in problem for problem in problems(password))


@pytest.mark.parametrize(
    "password",
    ["a" * 12, "x" * 128, "nuoc chay da mon", "mật khẩu dài đủ", "ĐIỆN BIÊN PHỦ 1954", "🐃🐃🐃🐃🐃🐃🐃🐃🐃🐃🐃🐃"],
)
def test_any_long_enough_password_is_accepted_without_composition_rules(app, password):
    with app.app_context():
        assert problems(password) == []


def test_length_counts_characters_as_typed_on_any_keyboard(app):
    # "ệ" typed as one character or as e + two combining marks is one character.
    composed = "ệ" * 12
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(decomposed) == 36
    with app.app_context():
        assert problems(composed) == problems(decomposed) == []
        assert problems(unicodedata.normalize("NFD", "ệ" * 11))  # still too short


def test_the_username_is_refused_whatever_its_case(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert problems("Lo.Van.Minh.Bunglao", "lo.van.minh.bunglao") == ["The password must not be the username."]
        assert problems("lo.van.minh.bunglao!", "lo.van.minh.bunglao") == []


def test_temporary_passwords_follow_the_rules_and_differ():
    made = {temporary_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) == 19 and not password_problems(p) for p in made)


def test_the_command_line_applies_the_same_rules(app, runner, world):
    args = ["create-user", "--username", "lo.van.son.bunglao", "--name", "Lò Văn Sơn", "--role", "official"]
    args += ["--commune", BUNG_LAO]
    for password, message in [
        ("password1234", "one of the most common passwords"),
        ("ngan qua", "at least 12 characters"),
        ("Lo.Van.Son.BungLao", "must not be the username"),
    ]:
        result = runner.invoke(args=[*args, "--password", password])
        assert result.exit_code != 0 and message in result.output, password
    result = runner.invoke(args=[*args, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "lo.van.son.bunglao")) is not None


# --- Changing one's own password ------------------------------------------------------------------------


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    data = {"current_password": current, "new_password": new, "confirm": new if confirm is None else confirm}
    return client.post("/account/password", data=data)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"current": "not-my-password"}, "This is not your current password."),
        ({"current": ""}, "Enter your current password."),
        ({"new": "short"}, "Use at least 12 characters"),
        ({"new": "qwerty123456"}, "one of the most common passwords"),
        ({"new": "Official.BungLao"}, "The password must not be the username."),
        ({"new": PASSWORD}, "Choose a password other than the current one."),
        ({"confirm": "nuoc chay da mòn"}, "The two new passwords are not the same."),
        ({"new": "", "confirm": ""}, "Enter a new password."),
    ],
)
def test_a_refused_password_change_says_why_beside_the_field(app, client, auth, world, values, message):
    auth.login("official.bunglao")
    response = change(client, **values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert verify_password(db.session.get(User, world.official_bl).password_hash, PASSWORD)


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, client, auth, world):
    other_phone = app.test_client()
    other_phone.post("/login", data={"username": "official.bunglao", "password": PASSWORD})
    assert other_phone.get("/").status_code == 200
    auth.login("official.bunglao")

    response = change(client)
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200  # still signed in here
    assert other_phone.get("/").status_code == 302  # signed out there
    auth.logout()
    assert auth.login("official.bunglao", PASSWORD).status_code == 200
    assert auth.login("official.bunglao", NEW_PASSWORD).status_code == 302


def test_a_remembered_sign_in_stays_remembered_after_a_change(app, client, world):
    client.post("/login", data={"username": "official.bunglao", "password": PASSWORD, "remember": "y"})
    change(client)
    # The session cookie is lost (the browser was closed): the renewed "keep me signed in" cookie still works.
    client.delete_cookie("session")
    assert client.get("/").status_code == 200


def test_after_a_reset_the_user_must_choose_a_password_before_anything_else(app, client, auth, world):
    with app.app_context():
        db.session.get(User, world.official_bl).must_change_password = True
        db.session.commit()
    response = auth.login("official.bunglao")
    assert response.status_code == 302
    assert client.get("/").location == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "Your password was reset." in page
    # The language switch, the static files and signing out still work.
    assert client.post("/language", data={"language": "vi", "next": "/account/password"}).status_code == 302
    assert client.get("/static/css/app.css").status_code == 200
    assert change(client).status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, world.official_bl).must_change_password is False


def test_signing_out_is_allowed_before_the_change(app, client, auth, world):
    with app.app_context():
        db.session.get(User, world.official_bl).must_change_password = True
        db.session.commit()
    auth.login("official.bunglao")
    assert auth.logout().location == "/login"
    assert client.get("/").location.startswith("/login")


def test_a_user_made_on_the_command_line_is_in_the_audit_trail(app, runner, world):
    from tracker.models import AuditEvent

    args = ["create-user", "--username", "quan.tri.hai", "--name", "Lê Văn Hải", "--role", "admin"]
    assert runner.invoke(args=[*args, "--password", NEW_PASSWORD]).exit_code == 0
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent))
        assert (event.action, event.actor_id, event.target_label) == ("user_created", None, "Lê Văn Hải")
        assert event.changes["role"] == [None, "admin"]
