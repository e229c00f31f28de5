"""The OpenAPI document matches the code: every route under /api/v1 is described (and nothing else), and real
answers, successes and refusals alike, have a status the document lists and the body its schema says."""

import io
import re
import uuid

import jsonschema_rs
import pytest
import sqlalchemy as sa
from PIL import Image

from tests.test_api import bearer, make_token, visit_body
from tracker.extensions import db
from tracker.models import Concern

API = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /api/v1/visits/<int:visit_id> -> /api/v1/visits/{visit_id}."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


@pytest.fixture
def document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_route_is_in_the_document_and_nothing_else(app, document):
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - IGNORED_METHODS
    }
    described = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert routes == described
    assert len(routes) == 13


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    for schema in document["components"]["schemas"].values():
        jsonschema_rs.meta.validate(schema)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["operationId"] and operation["responses"], (path, method)
            for parameter in operation.get("parameters", []):
                assert "{" + parameter["name"] + "}" in path or parameter["in"] == "query"
                jsonschema_rs.meta.validate(parameter["schema"])
            for status, answer in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and answer["description"]
                jsonschema_rs.meta.validate(answer["content"]["application/json"]["schema"])
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


class Checker:
    """Validates an answer against the document: its status must be listed, its body must fit the schema."""

    def __init__(self, document: dict):
        self.document = document
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, response, path: str, method: str = "get"):
        operation = self.document["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method.upper()} {path} answered {status}, not in the document"
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert response.mimetype == "application/json"
        # The document's components beside the schema, so that its "#/components/…" references resolve.
        rooted = {**schema, "components": self.document["components"]}
        jsonschema_rs.Draft202012Validator(rooted, validate_formats=True).validate(response.get_json())
        self.seen.add((path, method, status))
        return response


def jpeg() -> tuple:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    return (buffer, "a.jpg", "image/jpeg")


def test_answers_match_the_document(client, app, world, factory, document):
    check = Checker(document)
    me = bearer(make_token(app, world.official_bl))
    other = bearer(make_token(app, world.official_qt))
    supervisor = bearer(make_token(app, world.supervisor_bl))
    new = lambda: str(uuid.uuid4())  # noqa: E731

    check(client.get(f"{API}/openapi.json"), f"{API}/openapi.json")
    for path in ("/me", "/villages", "/categories", "/csrf-token", "/concerns"):
        check(client.get(API + path, headers=me), API + path)
        check(client.get(API + path), API + path)  # 401
    check(client.get(f"{API}/me", headers=bearer(make_token(app, world.supervisor_province))), f"{API}/me")

    visits = f"{API}/visits"
    body = visit_body(world.hua_chan, world.electricity)
    created = check(client.post(visits, json=body, headers=me), visits, "post")
    assert created.status_code == 201
    assert check(client.post(visits, json=body, headers=me), visits, "post").status_code == 200
    assert check(client.post(visits, json=visit_body(world.hua_sa_a), headers=me), visits, "post").status_code == 422
    assert check(client.post(visits, json={"client_uuid": 5}, headers=me), visits, "post").status_code == 400
    assert check(client.post(visits, data="x", headers=me), visits, "post").status_code == 400
    visit_id = created.get_json()["visit"]["id"]
    one_visit = f"{API}/visits/{{visit_id}}"
    check(client.get(f"{visits}/{visit_id}", headers=me), one_visit)
    assert check(client.get(f"{visits}/{visit_id}", headers=other), one_visit).status_code == 404
    photos = f"{API}/visits/{{visit_id}}/photos"
    photo_uuid = new()
    assert (
        check(
            client.post(f"{visits}/{visit_id}/photos", data={"client_uuid": photo_uuid, "photo": jpeg()}, headers=me),
            photos,
            "post",
        ).status_code
        == 201
    )
    assert (
        check(
            client.post(f"{visits}/{visit_id}/photos", data={"client_uuid": photo_uuid, "photo": jpeg()}, headers=me),
            photos,
            "post",
        ).status_code
        == 200
    )
    assert (
        check(
            client.post(f"{visits}/{visit_id}/photos", data={"client_uuid": new()}, headers=me), photos, "post"
        ).status_code
        == 422
    )

    concern_id = created.get_json()["visit"]["concerns"][0]["id"]
    with app.app_context():
        db.session.execute(sa.update(Concern).values(assignee_id=world.official_bl))
        db.session.commit()
    one = f"{API}/concerns/{{concern_id}}"
    check(client.get(f"{API}/concerns?assignee=me&open=1", headers=me), f"{API}/concerns")
    assert check(client.get(f"{API}/concerns?per_page=0", headers=me), f"{API}/concerns").status_code == 422
    check(client.get(f"{API}/concerns/{concern_id}", headers=me), one)
    assert check(client.get(f"{API}/concerns/{concern_id}", headers=other), one).status_code == 404
    status = f"{API}/concerns/{{concern_id}}/status"
    url = f"{API}/concerns/{concern_id}/status"
    change = {
        "client_uuid": new(),
        "version": 1,
        "status": "referred",
        "referral": {"to": "Huyện", "date": "2026-11-01"},
    }
    assert check(client.post(url, json=change, headers=me), status, "post").status_code == 200
    assert check(client.post(url, json=change, headers=me), status, "post").status_code == 200
    assert check(client.post(url, json={**change, "client_uuid": new()}, headers=me), status, "post").status_code == 409
    assert (
        check(
            client.post(url, json={"client_uuid": new(), "version": 2, "status": "rejected", "note": "x"}, headers=me),
            status,
            "post",
        ).status_code
        == 403
    )
    assert (
        check(
            client.post(url, json={"client_uuid": new(), "version": 2, "status": "resolved"}, headers=supervisor),
            status,
            "post",
        ).status_code
        == 422
    )
    notes = f"{API}/concerns/{{concern_id}}/notes"
    note = {"client_uuid": new(), "text": "Đã báo huyện"}
    assert (
        check(client.post(f"{API}/concerns/{concern_id}/notes", json=note, headers=me), notes, "post").status_code
        == 201
    )
    assert (
        check(client.post(f"{API}/concerns/{concern_id}/notes", json=note, headers=me), notes, "post").status_code
        == 200
    )
    concern_photos = f"{API}/concerns/{{concern_id}}/photos"
    assert (
        check(
            client.post(
                f"{API}/concerns/{concern_id}/photos",
                data={"client_uuid": new(), "photo": jpeg(), "is_evidence": "1"},
                headers=me,
            ),
            concern_photos,
            "post",
        ).status_code
        == 201
    )
    assert (
        check(client.post(f"{API}/concerns/{concern_id}/notes", json={**note, "text": " "}, headers=me), notes, "post")
    ).status_code == 422
    assert (
        check(
            client.post(f"{API}/concerns/{concern_id}/photos", data={"photo": jpeg()}, headers=me),
            concern_photos,
            "post",
        )
    ).status_code == 422
    full = check(client.get(f"{API}/concerns/{concern_id}", headers=me), one).get_json()["concern"]
    assert [e["kind"] for e in full["events"]] == ["created", "status", "note", "attachment"]
    assert full["referral"]["to"] == "Huyện"

    # Every operation was checked with a success and a refusal.
    operations = {(path, method) for path, ops in document["paths"].items() for method in ops}
    answered = {(path, method) for path, method, status in check.seen if status.startswith("2")}
    refused = {(path, method) for path, method, status in check.seen if status.startswith("4")}
    assert answered == operations
    assert refused == operations - {(f"{API}/openapi.json", "get")}
