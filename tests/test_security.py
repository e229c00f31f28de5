"""Sign-in hardening, sessions, cookies, security headers, the security log, NUL in requests and /healthz.

The rate-limit tests run on the in-process storage (each test's app counts afresh) and, through two separate
processes, on the real Redis at 127.0.0.1:6379 with a key prefix of their own, removed afterwards.
"""

import logging
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from config import ProductionConfig
from tests.conftest import PASSWORD
from tracker import create_app
from tracker.auth.session import authenticate
from tracker.extensions import db
from tracker.models import User

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379"
WRONG = "not-the-password-at-all"
REFUSED = "Wrong username or password, or the account is not active."
LIMITED = "Too many failed sign-ins. Wait a quarter of an hour and try again."


def sign_in(client, username, password=PASSWORD, address="10.0.0.1", **data):
    return client.post(
        "/login",
        data={"username": username, "password": password, **data},
        environ_base={"REMOTE_ADDR": address},
    )


# --- Failed sign-ins, per account and per address ----------------------------------------------------------


def test_failed_sign_ins_are_limited_per_account_from_any_address(app, client, world):
    app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for n in range(3):
        response = sign_in(client, "official.bunglao", WRONG, address=f"10.0.0.{n + 1}")
        assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    # The fourth attempt is refused whatever the address, even with the right password, and says so beside it.
    response = sign_in(client, "Official.BungLao ", PASSWORD, address="10.9.9.9")
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and f'<p class="error" id="password-error">{LIMITED}</p>' in page
    assert client.get("/").status_code == 302
    # Another account from the same addresses is not affected.
    assert sign_in(client, "colleague.bunglao", address="10.0.0.1").status_code == 302


def test_failed_sign_ins_are_limited_per_address_across_accounts(app, client, world):
    app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for n in range(4):
        assert sign_in(client, f"guess{n}", WRONG, address="203.0.113.7").status_code == 200
    assert sign_in(client, "official.bunglao", address="203.0.113.7").status_code == 429
    # A phone on another address signs in.
    assert sign_in(client, "official.bunglao", address="203.0.113.8").status_code == 302


def test_successful_sign_ins_do_not_count(app, client, auth, world):
    app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(5):
        assert sign_in(client, "official.bunglao").status_code == 302
        auth.logout()
    assert sign_in(client, "official.bunglao", WRONG).status_code == 200
    assert sign_in(client, "official.bunglao").status_code == 302


def test_failed_password_changes_are_limited(app, client, auth, world):
    app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "2 per 15 minutes"
    auth.login("official.bunglao")
    data = {"current_password": WRONG, "new_password": "a brand new long password", "confirm": ""}
    data["confirm"] = data["new_password"]
    for _ in range(2):
        response = client.post("/account/password", data=data)
        assert response.status_code == 200 and "This is not your current password." in response.get_data(as_text=True)
    response = client.post("/account/password", data={**data, "current_password": PASSWORD})
    assert response.status_code == 429
    assert "Too many wrong passwords." in response.get_data(as_text=True)
    with client.application.app_context():
        assert authenticate("official.bunglao", PASSWORD) is not None  # unchanged


REDIS_SCRIPT = """
import sys
from config import TestConfig
from tracker import create_app

class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]

client = create_app(Config).test_client()
for _ in range(int(sys.argv[3])):
    response = client.post("/login", data={"username": sys.argv[2], "password": "not-the-password"},
                           environ_base={"REMOTE_ADDR": "198.51.100.9"})
    print(response.status_code)
"""


def test_with_redis_every_process_counts_the_same_failed_sign_ins(database_url):
    """Two processes (two gunicorn workers) share one count when RATELIMIT_STORAGE_URI names Redis."""
    prefix = f"test-security-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
    }
    store = redis.Redis.from_url(REDIS_URL)

    def attempts(count):
        result = subprocess.run(
            [sys.executable, "-c", REDIS_SCRIPT, database_url, "someone.unknown", str(count)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return [int(line) for line in result.stdout.split()]

    try:
        assert attempts(3) == [200, 200, 200]
        assert any(prefix in key.decode() for key in store.scan_iter(f"*{prefix}*"))
        assert attempts(1) == [429]  # a second process knows of the first one's failures
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def test_the_in_process_storage_is_the_default():
    from config import Config

    assert os.environ.get("RATELIMIT_STORAGE_URI", "memory://") == Config.RATELIMIT_STORAGE_URI


# --- Unknown user and wrong password ----------------------------------------------------------------------


def test_unknown_user_and_wrong_password_take_about_as_long(app, world):
    """The production hashing profile: an unknown name costs a hash check too, so timing tells nothing."""
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    with app.app_context():
        user = db.session.get(User, world.official_bl)
        from tracker.passwords import hash_password

        user.password_hash = hash_password(PASSWORD)
        db.session.commit()
        unknown, wrong = [], []
        for _ in range(5):
            for name, times in (("nobody.here", unknown), ("official.bunglao", wrong)):
                start = time.perf_counter()
                assert authenticate(name, WRONG) is None
                times.append(time.perf_counter() - start)
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2, (unknown, wrong)


# --- Sessions ------------------------------------------------------------------------------------------------


def test_sign_in_starts_a_new_session(client, auth, world):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["language"] = "en"
    auth.login("official.bunglao")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["language"] == "en"  # the language chosen before signing in is kept
        assert session.permanent


@pytest.mark.parametrize("remember", [False, True])
def test_signing_out_ends_every_session_of_the_user(app, client, auth, world, remember):
    other_phone = app.test_client()
    sign_in(other_phone, "official.bunglao", remember="y" if remember else "")
    auth.login("official.bunglao")
    assert other_phone.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302
    if remember:
        other_phone.delete_cookie("session")  # only the "keep me signed in" cookie is left: it ends too
    assert other_phone.get("/").status_code == 302


def test_deactivation_ends_every_session_of_the_user(app, client, world):
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        sign_in(phone, "official.bunglao", remember="y")
        assert phone.get("/").status_code == 200
    sign_in(client, "admin")
    assert client.post(f"/admin/users/{world.official_bl}/deactivate").status_code == 302
    for phone in phones:
        assert phone.get("/").status_code == 302
        phone.delete_cookie("session")
        assert phone.get("/").status_code == 302


def _session_cookie_aged(app, client, seconds: int) -> None:
    """Re-sign the client's session cookie as if its last request had been ``seconds`` ago."""
    with client.session_transaction() as session:
        data = dict(session)
    serializer = app.session_interface.get_signing_serializer(app)

    class Earlier(serializer.signer):
        def get_timestamp(self):
            return int(time.time()) - seconds

    serializer.signer = Earlier
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps(data))


def test_a_session_ends_after_eight_hours_without_a_request(app, client, auth, world):
    assert app.permanent_session_lifetime.total_seconds() == 8 * 3600
    auth.login("official.bunglao")
    _session_cookie_aged(app, client, 8 * 3600 - 60)
    response = client.get("/")
    assert response.status_code == 200
    assert "Expires=" in response.headers["Set-Cookie"]  # each request moves the end of the session on
    assert client.get("/").status_code == 200
    _session_cookie_aged(app, client, 8 * 3600 + 60)
    assert client.get("/").status_code == 302


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_http_only_and_same_site_and_remember_me_lasts_thirty_days(client, world):
    response = sign_in(client, "official.bunglao", remember="y")
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]  # development and tests serve plain http
    expires = re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1)
    from email.utils import parsedate_to_datetime

    days = (parsedate_to_datetime(expires).timestamp() - time.time()) / 86400
    assert 29.9 < days <= 30.01


@pytest.fixture
def production_app(database_url, monkeypatch, world):
    monkeypatch.setenv("SECRET_KEY", "production-test-secret")
    monkeypatch.setenv("DATABASE_URL", database_url)

    class Config(ProductionConfig):
        SECRET_KEY = "production-test-secret"
        SQLALCHEMY_DATABASE_URI = database_url
        PASSWORD_HASH_PROFILE = "CHEAPEST"

    app = create_app(Config)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_cookies_are_secure_and_answers_carry_hsts(production_app):
    client = production_app.test_client()
    page = client.get("/login", base_url="https://tracker.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"username": "official.bunglao", "password": PASSWORD, "remember": "y", "csrf_token": token},
        base_url="https://tracker.example",
        headers={"Referer": "https://tracker.example/login"},  # Flask-WTF checks it over https
    )
    assert response.status_code == 302
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        assert all(part in cookies[name] for part in ("Secure", "HttpOnly", "SameSite=Lax")), cookies[name]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# --- Headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/static/css/app.css", "/healthz", "/track", "/no-such-page", "/"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    for name in ("form-action", "base-uri", "worker-src", "manifest-src", "connect-src"):
        assert directives[name] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert "Strict-Transport-Security" not in response.headers  # only in production


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def test_templates_and_static_files_have_no_inline_script_handler_or_style():
    found = []
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".html", ".js", ".svg", ".webmanifest", ".json") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            for name, pattern in (("script", INLINE_SCRIPT), ("handler", INLINE_HANDLER), ("style", INLINE_STYLE)):
                if path.suffix == ".js" and name != "handler":
                    continue
                if path.suffix == ".js":
                    # In scripts, only markup written into the page counts: on...= inside a string.
                    pattern = re.compile(r"['\"][^'\"]*\son[a-z]+\s*=", re.I)
                found += [f"{path.relative_to(ROOT)}: inline {name}" for _ in pattern.finditer(text)]
            if "javascript:" in text.lower():
                found.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not found, found


# --- The security log --------------------------------------------------------------------------------------


def _log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_sign_ins_and_refusals_are_logged_without_passwords(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "my-very-secret-guess-42"
    sign_in(client, "official.bunglao", secret, address="192.0.2.5")
    sign_in(client, "official.bunglao", address="192.0.2.5")
    client.get("/admin/", environ_base={"REMOTE_ADDR": "192.0.2.5"})  # an official in Administration
    client.post("/logout", environ_base={"REMOTE_ADDR": "192.0.2.5"})
    log = _log_text(caplog)
    assert secret not in log and PASSWORD not in log
    security = [r.getMessage() for r in caplog.records if r.name == "tracker.security"]
    assert any("sign-in-refused" in m and "'official.bunglao'" in m and "192.0.2.5" in m for m in security)
    assert any(m.split()[1] == "sign-in" and f"{world.official_bl}:official.bunglao" in m for m in security)
    assert any("refused-403" in m and "official.bunglao" in m and "/admin/" in m for m in security)
    assert any("sign-out" in m for m in security)
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", m) for m in security)


def test_rate_limited_and_csrf_refusals_are_logged_without_the_token(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    sign_in(client, "official.bunglao", WRONG)
    assert sign_in(client, "official.bunglao", PASSWORD).status_code == 429
    app.config["WTF_CSRF_ENABLED"] = True
    token = "forged-csrf-token-value"
    response = client.post("/login", data={"username": "x", "password": "y", "csrf_token": token})
    assert response.status_code == 400
    log = _log_text(caplog)
    assert token not in log and PASSWORD not in log and WRONG not in log
    security = [r.getMessage() for r in caplog.records if r.name == "tracker.security"]
    assert any("refused-rate-limited" in m and "'official.bunglao'" in m for m in security)
    assert any("refused-csrf" in m and "/login" in m for m in security)


def test_another_communes_record_is_a_logged_404(app, client, auth, factory, world, caplog):
    concern = factory.concern(world.hua_sa_a, world.official_qt)
    auth.login("official.bunglao")
    caplog.set_level(logging.INFO, logger="tracker.security")
    assert client.get(f"/concerns/{concern}").status_code == 404
    assert any("refused-404" in r.getMessage() and f"/concerns/{concern}" in r.getMessage() for r in caplog.records)


# --- NUL characters ----------------------------------------------------------------------------------------


def test_nul_characters_are_removed_from_what_is_sent(app, client, auth, world):
    assert sign_in(client, "official.\x00bunglao", "correct-horse-\x00battery").status_code == 302
    response = client.get("/concerns/?q=%00dien")
    assert response.status_code == 200
    assert client.get("/track/AB%00CD").status_code == 404


# --- /healthz ------------------------------------------------------------------------------------------------


def test_healthz_answers_ok_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    for _ in range(30):  # never rate-limited
        assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_quickly_when_the_database_is_gone(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}"
    else:
        missing = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    from tests.conftest import make_app

    app = make_app(missing)
    start = time.perf_counter()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}
    assert time.perf_counter() - start < 10


def test_the_pool_checks_connections_before_use(app):
    with app.app_context():
        assert db.engine.pool._pre_ping
        if db.engine.dialect.name == "postgresql":
            assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5
            assert db.session.scalar(sa.text("SELECT 1")) == 1


def test_background_api_answers_leave_the_session_cookie_alone(app, client, auth, world):
    """A page's form answer sets a flash message; an API answer arriving later must not put back the old
    session (and lose the message): the API re-sends the cookie only when it changed the session."""
    auth.login("official.bunglao")
    assert "Set-Cookie" not in client.get("/api/v1/me").headers
    token = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    assert token
    # A page still renews the session at each request, so that it ends only after 8 idle hours.
    assert "session=" in client.get("/").headers.get("Set-Cookie", "")
