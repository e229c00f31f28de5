"""The JSON API fuzzed from its own OpenAPI document with Schemathesis, on SQLite and PostgreSQL.

Every operation of ``/api/v1/openapi.json`` gets requests generated from the document: valid ones
(``positive``) and ones that break it (``negative``: wrong types, missing or extra fields, odd strings).
They are sent as an official of Búng Lao with a personal API token (``Authorization: Bearer``), and every
answer must:

* never be a server error (``not_a_server_error``);
* be one the document declares, with its content type and body schema (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``);
* refuse what breaks the document (``negative_data_rejection``), and refuse it without the token
  (``ignored_auth`` sends each request again without it);
* when it refuses, say so in the API's error shape, and when the refusal is about the input (400 of a JSON
  object, 422), name each field at fault with a reason (``refusal_names_the_field`` below).

A third of the valid requests (chosen from their content, so that Hypothesis replays them) carry ids that
exist in the official's commune (village, category, visit, concern) and client UUIDs of their own, so that
the fuzzed text reaches the database rather than stopping at "no such village"; that is where a string too
long for its column or a character PostgreSQL refuses would show as a 500. Another third carry another
commune's ids, which must answer 404 (or 422 for a village). Examples are few (``MAX_EXAMPLES`` per operation and
database) so that the run stays within seconds per operation; Hypothesis keeps the failures it finds in
``.hypothesis/`` and tries them first next time.
"""

import json
import os
import re
import uuid
import zlib
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from config import TestConfig
from tracker import create_app
from tracker.extensions import db
from tracker.models import User, Village
from tracker.visits.logic import VisitInput, record_visit

# A deeper run by hand: FUZZ_EXAMPLES=500 .venv/bin/pytest tests/test_fuzz_api.py
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
OPENAPI = "/api/v1/openapi.json"


def openapi_document() -> dict:
    """The document as the app serves it (it describes the routes, not the data: any database will do)."""
    response = create_app(TestConfig).test_client().get(OPENAPI)
    assert response.status_code == 200, response.status_code
    return response.get_json()


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def new_token(app, user_id: int) -> str:
    from tracker.api.tokens import create_token

    with app.app_context():
        secret = create_token(db.session.get(User, user_id), "fuzzing")[1]
        db.session.commit()
        return secret


@pytest.fixture
def api(app, world, factory):
    """The official's token and the ids of their commune's records (and of another commune's)."""
    concern = factory.concern(world.hua_chan, world.official_bl, title="Đường vào bản bị sạt lở")
    other_concern = factory.concern(world.hua_sa_a, world.official_qt)
    with app.app_context():
        visits = [
            record_visit(
                db.session.get(User, author),
                VisitInput(
                    client_uuid=str(uuid.uuid4()),
                    village=db.session.get(Village, village),
                    visit_date=date(2026, 11, 2),
                    kind="dialogue",
                ),
            )[0].id
            for author, village in ((world.official_bl, world.hua_chan), (world.official_qt, world.hua_sa_a))
        ]
    return {
        "token": new_token(app, world.official_bl),
        "village_id": world.hua_chan,
        "category_id": world.electricity,
        "official_id": world.colleague_bl,
        "visit_id": visits[0],
        "concern_id": concern,
        "other_village_id": world.hua_sa_a,
        "other_visit_id": visits[1],
        "other_concern_id": other_concern,
    }


def _chosen(case) -> int:
    """0, 1 or 2 from the case's content: the same on every replay (Hypothesis needs that)."""
    seed = json.dumps([case.path_parameters, case.query, case.body], sort_keys=True, default=repr)
    return zlib.crc32(seed.encode()) % 3


def _is_uuid(value) -> bool:
    """A UUID as the document wants it (an invalid one stays: it is what a negative case is about)."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def fresh_uuids(case) -> None:
    """Client UUIDs made from the case's content: Hypothesis draws the same few UUIDs again and again, and a
    UUID already stored only gives back the stored record, so without this the fuzzed text would never be
    stored. (A third of the valid cases keep the UUIDs drawn: repeats, and the same UUID twice in one visit.)"""
    body = case.body
    if not isinstance(body, dict) or not (case.media_type or "").endswith("json"):
        # A changed multipart body (the photos) would be checked again by Schemathesis, which reads its file
        # as bytes where the document says string, and taken for an invalid one: those keep theirs.
        return
    seed = json.dumps(body, sort_keys=True, default=repr)
    if _is_uuid(body.get("client_uuid")):
        body["client_uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    for n, concern in enumerate(body.get("concerns") or []):
        if isinstance(concern, dict) and _is_uuid(concern.get("client_uuid")):
            concern["client_uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/concerns/{n}"))


def with_real_ids(case, ids: dict) -> None:
    """Give a valid case ids that exist, so that it reaches the database (see the module's docstring);
    some of them another commune's, which the official must not reach."""
    if case.meta is None:
        return
    if case.meta.generation.mode != GenerationMode.POSITIVE:
        # Invalid input must meet the validation, not the answer to a repeat (which is the stored record,
        # "whatever else it carries", by design: a retry is never refused because the rules changed since).
        fresh_uuids(case)
        return
    choice = _chosen(case)
    if choice == 2:
        return
    mine = choice == 0
    fresh_uuids(case)
    for name in case.path_parameters or {}:
        if name in ("visit_id", "concern_id"):
            case.path_parameters[name] = ids[name] if mine else ids[f"other_{name}"]
    body = case.body
    if isinstance(body, dict):
        if "village_id" in body:
            body["village_id"] = ids["village_id"] if mine else ids["other_village_id"]
        if isinstance(body.get("official_ids"), list):
            body["official_ids"] = [ids["official_id"]][: len(body["official_ids"])]
        for concern in body.get("concerns") or []:
            if isinstance(concern, dict) and "category_id" in concern:
                concern["category_id"] = ids["category_id"]


def _resolve(node: dict) -> dict:
    """``node``, or what its ``$ref`` (``#/components/…``) points to."""
    while isinstance(node, dict) and "$ref" in node:
        target = DOCUMENT
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _field_names(case) -> set[str]:
    """Names a refusal may blame: the operation's parameters and its body's properties (top level)."""
    operation = DOCUMENT["paths"][case.operation.path][case.operation.method.lower()]
    names = {_resolve(parameter)["name"] for parameter in operation.get("parameters", [])}
    request_body = _resolve(operation.get("requestBody", {}))
    for media in request_body.get("content", {}).values():
        names |= set(_resolve(media.get("schema", {})).get("properties", {}))
    if isinstance(case.body, dict):
        names |= set(case.body)  # an unexpected property may be named as such
    return names


def refusal_names_the_field(ctx, response, case):
    """A refusal is ``{"error": {"code", "message", "fields"?}}``; an input refusal names each field and why."""
    if response.status_code < 400:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
        f"{response.status_code} is not JSON"
    )
    error = json.loads(response.content)["error"]
    assert isinstance(error.get("code"), str) and error["code"], "the refusal has no code"
    assert isinstance(error.get("message"), str) and error["message"].strip(), "the refusal has no message"
    # A body that is not a JSON object (or not sent as JSON) is refused as a whole; anything else by field.
    sent_as = response.request.headers.get("Content-Type") or ""
    sent_json_object = isinstance(case.body, dict) and sent_as.split(";")[0].strip().endswith("json")
    about_fields = response.status_code == 422 or (response.status_code == 400 and sent_json_object)
    if about_fields:
        fields = error.get("fields")
        assert isinstance(fields, dict) and fields, f"a {response.status_code} refusal names no field: {error}"
        known = _field_names(case)
        for name, reasons in fields.items():
            root = re.split(r"[.\[]", name, maxsplit=1)[0]
            assert root in known, f"the refusal names {name!r}, not a field of this request ({sorted(known)})"
            assert isinstance(reasons, list) and reasons, f"no reason given for {name!r}"
            assert all(isinstance(r, str) and r.strip() for r in reasons), f"an empty reason for {name!r}"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    refusal_names_the_field,
]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_fuzzed_requests_as_documented(case, app, api):
    # The schema was read without an app: send this case, and the checks' own requests, to this test's app.
    case.operation.schema.app = app
    with_real_ids(case, api)
    headers = {"Authorization": f"Bearer {api['token']}", "Accept-Encoding": "identity"}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


def test_a_photo_sent_again_without_its_file_is_refused(client, app, api):
    """Found by the fuzzing: a stored photo's UUID sent again without the file answered 200, as if it were a
    retry of a valid request; the file is required whatever the UUID, as the document says."""
    import io

    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(jpeg, "JPEG")
    headers = {"Authorization": f"Bearer {api['token']}"}
    path = f"/api/v1/visits/{api['visit_id']}/photos"
    photo_uuid = str(uuid.uuid4())
    data = {"client_uuid": photo_uuid, "photo": (io.BytesIO(jpeg.getvalue()), "photo.jpg")}
    assert client.post(path, data=data, headers=headers).status_code == 201
    again = client.post(path, data={"client_uuid": photo_uuid}, headers=headers)
    assert again.status_code == 422
    assert list(again.get_json()["error"]["fields"]) == ["photo"]
    retry = client.post(path, data={**data, "photo": (io.BytesIO(jpeg.getvalue()), "photo.jpg")}, headers=headers)
    assert retry.status_code == 200 and retry.get_json()["created"] is False
