"""The database out of reach (down, restarting): 503 with Retry-After, never a 500, on pages and the API."""

import pytest

from config import TestConfig
from tracker import create_app


@pytest.fixture
def unreachable_app(tmp_path):
    class Config(TestConfig):
        # A SQLite file in a folder that does not exist: every statement fails as a database that is down.
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing' / 'tracker.sqlite'}"

    return create_app(Config)


def test_signing_in_while_the_database_is_down_asks_to_try_again(unreachable_app):
    client = unreachable_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"username": "someone", "password": "whatever-it-is"})
    assert response.status_code == 503
    # Ours is 5 s; Flask-Limiter's headers may raise it to its own window's reset, never remove it.
    assert int(response.headers["Retry-After"]) >= 4
    assert "The database cannot be reached just now" in response.get_data(as_text=True)


def test_the_api_answers_503_in_json_with_retry_after(unreachable_app):
    client = unreachable_app.test_client()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer trk_not-a-real-token"})
    assert response.status_code == 503
    # Ours is 5 s; Flask-Limiter's headers may raise it to its own window's reset, never remove it.
    assert int(response.headers["Retry-After"]) >= 4
    assert response.get_json()["error"]["code"] == "unavailable"


def test_the_document_tells_clients_about_503(unreachable_app):
    client = unreachable_app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert "503" in document["paths"]["/api/v1/visits"]["post"]["responses"]
