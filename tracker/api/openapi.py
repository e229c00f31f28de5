"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``.

Written by hand, next to the code it describes: tests/test_api_openapi.py checks that every route under
/api/v1 is here (and nothing else), and validates real answers against these schemas; tests/test_fuzz_api.py
sends requests generated from it. The limits (lengths, ranges, enums) are the ones the code enforces.
"""

from flask import current_app

from ..models import EVENT_KINDS, PRIORITIES, STATUSES, VISIT_KINDS
from ..visits.forms import MAX_COUNT, MAX_LENGTHS
from .validation import MAX_ID

API = "/api/v1"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """``schema`` or null (OpenAPI 3.1: a list of types)."""
    schema = dict(schema)
    kind = schema.get("type")
    schema["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def obj(properties: dict, required=None, **more) -> dict:
    """An object; every property required unless ``required`` lists them."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
        **more,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number"}
UUID = {"type": "string", "format": "uuid"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}


def text(max_length: int, min_length: int | None = None) -> dict:
    schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


def schemas() -> dict:
    concern_summary = {
        "id": INTEGER,
        "client_uuid": STRING,
        "reference_code": STRING,
        "url": STRING,
        "village_id": INTEGER,
        "village_name": STRING,
        "category_id": INTEGER,
        "category_name": STRING,
        "title": STRING,
        "status": {"type": "string", "enum": list(STATUSES)},
        "status_label": STRING,
        "priority": {"type": "string", "enum": list(PRIORITIES)},
        "due_date": DATE,
        "is_overdue": BOOLEAN,
        "assignee_id": nullable(INTEGER),
        "assignee_name": nullable(STRING),
        "version": INTEGER,
        "updated_at": DATETIME,
    }
    concern_full = {
        **concern_summary,
        "visit_id": nullable(INTEGER),
        "description": STRING,
        "resident_name": nullable(STRING),
        "resident_contact": nullable(STRING),
        "households_affected": nullable(INTEGER),
        "priority_label": STRING,
        "created_at": DATETIME,
        "resolved_at": nullable(DATETIME),
        "resolution_note": nullable(STRING),
        "rejection_reason": nullable(STRING),
        "duplicate_of_id": nullable(INTEGER),
        "referral": {
            "oneOf": [
                {"type": "null"},
                obj({"to": STRING, "number": nullable(STRING), "date": nullable(DATE), "due_date": nullable(DATE)}),
            ]
        },
        "needs_evidence": BOOLEAN,
        "has_evidence": BOOLEAN,
        "allowed_transitions": {"type": "array", "items": {"type": "string", "enum": list(STATUSES)}},
        "photos": {"type": "array", "items": ref("Photo")},
        "events": {"type": "array", "items": ref("Event")},
    }
    return {
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": {"type": "string", "minLength": 1},
                        "message": {"type": "string", "minLength": 1},
                        "fields": {
                            "type": "object",
                            "description": "Each field at fault (nested as concerns[0].title) and why.",
                            "additionalProperties": {"type": "array", "items": STRING, "minItems": 1},
                        },
                    },
                    required=["code", "message"],
                )
            }
        ),
        "Conflict": obj(
            {
                "error": obj({"code": {"type": "string", "const": "conflict"}, "message": STRING}),
                "current": ref("Concern"),
            }
        ),
        "Me": obj(
            {
                "id": INTEGER,
                "username": STRING,
                "full_name": STRING,
                "role": {"type": "string", "enum": ["official", "supervisor", "admin"]},
                "commune": {"oneOf": [{"type": "null"}, obj({"id": INTEGER, "name": STRING})]},
                "language": {"type": "string", "enum": ["vi", "en"]},
            }
        ),
        "Village": obj(
            {
                "id": INTEGER,
                "name": STRING,
                "commune_id": INTEGER,
                "commune_name": STRING,
                "former_names": {"type": "array", "items": STRING},
            }
        ),
        "Category": obj({"id": INTEGER, "code": STRING, "name": STRING, "needs_evidence": BOOLEAN}),
        "Photo": obj(
            {
                "id": INTEGER,
                "client_uuid": nullable(STRING),
                "url": STRING,
                "thumbnail_url": STRING,
                "width": nullable(INTEGER),
                "height": nullable(INTEGER),
                "is_evidence": BOOLEAN,
            }
        ),
        "ConcernSummary": obj(concern_summary),
        "Concern": obj(concern_full),
        "Event": obj(
            {
                "id": INTEGER,
                "client_uuid": nullable(STRING),
                "kind": {"type": "string", "enum": list(EVENT_KINDS)},
                "kind_label": STRING,
                "created_at": DATETIME,
                "author_id": nullable(INTEGER),
                "author_name": nullable(STRING),
                "old_value": nullable(STRING),
                "new_value": nullable(STRING),
                "note": nullable(STRING),
                "public": BOOLEAN,
            }
        ),
        "Visit": obj(
            {
                "id": INTEGER,
                "client_uuid": STRING,
                "url": STRING,
                "village_id": INTEGER,
                "village_name": STRING,
                "visit_date": DATE,
                "kind": {"type": "string", "enum": list(VISIT_KINDS)},
                "attendees": nullable(INTEGER),
                "notes": STRING,
                "latitude": nullable(NUMBER),
                "longitude": nullable(NUMBER),
                "gps_accuracy_m": nullable(NUMBER),
                "official_ids": {"type": "array", "items": INTEGER},
                "created_at": DATETIME,
                "concerns": {"type": "array", "items": ref("ConcernSummary")},
                "photos": {"type": "array", "items": ref("Photo")},
            }
        ),
        "NewConcern": obj(
            {
                "client_uuid": UUID,
                "category_id": ID,
                "title": text(MAX_LENGTHS["title"], 1),
                "description": nullable(text(MAX_LENGTHS["description"])),
                "resident_name": nullable(text(MAX_LENGTHS["resident_name"])),
                "resident_contact": nullable(text(MAX_LENGTHS["resident_contact"])),
                "households_affected": nullable(COUNT),
                "priority": nullable({"type": "string", "enum": list(PRIORITIES)}),
                "same_as_id": {
                    **nullable(ID),
                    "description": "An open concern of the same village that residents raised again: a note is "
                    "added to it instead of a new concern (as on the visit form).",
                },
            },
            required=["client_uuid", "category_id", "title"],
        ),
        "NewVisit": obj(
            {
                "client_uuid": {**UUID, "description": "Made on the phone; the same UUID again is stored once."},
                "village_id": ID,
                "visit_date": {**DATE, "description": "The local day of the visit; not after today."},
                "kind": nullable({"type": "string", "enum": list(VISIT_KINDS)}),
                "attendees": nullable(COUNT),
                "notes": nullable(text(MAX_LENGTHS["notes"])),
                "latitude": nullable({"type": "number", "minimum": 8, "maximum": 24}),
                "longitude": nullable({"type": "number", "minimum": 102, "maximum": 118}),
                "gps_accuracy_m": nullable({"type": "number", "minimum": 0, "maximum": 100000}),
                "official_ids": nullable({"type": "array", "items": INTEGER, "maxItems": 50}),
                "concerns": nullable(
                    {
                        "type": "array",
                        "items": ref("NewConcern"),
                        "maxItems": current_app.config["MAX_CONCERNS_PER_VISIT"],
                    }
                ),
            },
            required=["client_uuid", "village_id", "visit_date"],
        ),
        "StatusChange": obj(
            {
                "client_uuid": {**UUID, "description": "Made on the phone; the same UUID again changes nothing."},
                "version": {**ID, "description": "The concern's version the change was made on."},
                "status": {"type": "string", "enum": list(STATUSES)},
                "note": nullable(text(5000)),
                "resolution_note": nullable(text(5000)),
                "rejection_reason": nullable(text(5000)),
                "duplicate_of": {**nullable(text(20)), "description": "Reference code of the concern it duplicates."},
                "referral": {
                    "oneOf": [
                        {"type": "null"},
                        obj(
                            {
                                "to": nullable(text(200)),
                                "number": nullable(text(60)),
                                "date": nullable(DATE),
                                "due_date": nullable(DATE),
                            },
                            required=[],
                        ),
                    ]
                },
            },
            required=["client_uuid", "version", "status"],
        ),
        "NewNote": obj(
            {
                "client_uuid": UUID,
                "text": text(5000, 1),
                "version": {**nullable(ID), "description": "Informational: a note never conflicts."},
                "public": nullable(BOOLEAN),
            },
            required=["client_uuid", "text"],
        ),
        "NewPhoto": obj(
            {
                "photo": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
                "client_uuid": UUID,
            },
            required=["photo", "client_uuid"],
        ),
        "NewConcernPhoto": obj(
            {
                "photo": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
                "client_uuid": UUID,
                "is_evidence": {
                    "type": "string",
                    "enum": ["0", "1"],
                    "description": "1: the photo shows the concern resolved. It is the evidence that a category "
                    "with needs_evidence asks for before resolving: send it before the status change. A repeat "
                    "with the same client_uuid answers the photo as first stored; a refused photo stores nothing.",
                },
            },
            required=["photo", "client_uuid"],
        ),
    }


ERROR_DESCRIPTIONS = {
    "400": "Not JSON, or a field of the wrong type (named in fields); or (signed in with a session) no valid "
    "X-CSRFToken header (code csrf_failed).",
    "401": "Not signed in, session ended, or the token is not valid or revoked (code unauthenticated).",
    "403": "Not allowed (code forbidden), or the password must be changed first (code password_change_required).",
    "404": "No such record, or another commune's (code not_found).",
    "409": "The concern changed since the version sent (code conflict); current is the concern as stored now.",
    "413": "The request is too large (code too_large).",
    "422": "A field breaks a rule (code invalid); fields names each one and why.",
    "429": "Too many requests (code rate_limited).",
    "503": "The database cannot be reached for a moment (code unavailable): nothing was stored; send the same "
    "request again after Retry-After seconds.",
}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def responses(ok: dict, *errors: str) -> dict:
    answer = {
        code: {"description": description, "content": json_content(schema)}
        for code, (description, schema) in ok.items()
    }
    for code in ("401", "403", "429", "503", *errors):
        schema = ref("Conflict") if code == "409" else ref("Error")
        answer[code] = {"description": ERROR_DESCRIPTIONS[code], "content": json_content(schema)}
    return answer


def path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.", "schema": ID}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def result(key: str, schema_name: str, extra: dict | None = None) -> dict:
    properties = {key: ref(schema_name), **(extra or {})}
    return obj(properties)


CREATED = {"created": {"type": "boolean"}}


def paths() -> dict:
    visit_result = result("visit", "Visit", CREATED)
    photo_result = result("photo", "Photo", CREATED)
    concern_result = result("concern", "Concern", CREATED)
    note_result = obj({"event": ref("Event"), "concern": ref("Concern"), **CREATED})
    post_errors = ("400", "413", "422")
    return {
        f"{API}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {"description": "The OpenAPI document.", "content": json_content({"type": "object"})},
                    "429": {"description": ERROR_DESCRIPTIONS["429"], "content": json_content(ref("Error"))},
                },
            }
        },
        f"{API}/csrf-token": {
            "get": {
                "operationId": "csrfToken",
                "summary": "A fresh CSRF token for the X-CSRFToken header (browser sessions)",
                "responses": responses(
                    {"200": ("The token.", obj({"csrf_token": {"type": "string", "minLength": 1}}))}
                ),
            }
        },
        f"{API}/me": {
            "get": {
                "operationId": "me",
                "summary": "Who I am",
                "responses": responses({"200": ("The signed-in user.", ref("Me"))}),
            }
        },
        f"{API}/villages": {
            "get": {
                "operationId": "villages",
                "summary": "The active villages in my scope",
                "responses": responses(
                    {"200": ("Villages by name.", obj({"villages": {"type": "array", "items": ref("Village")}}))}
                ),
            }
        },
        f"{API}/categories": {
            "get": {
                "operationId": "categories",
                "summary": "The active categories of concern",
                "responses": responses(
                    {"200": ("Categories.", obj({"categories": {"type": "array", "items": ref("Category")}}))}
                ),
            }
        },
        f"{API}/visits": {
            "post": {
                "operationId": "createVisit",
                "summary": "Record a visit with its concerns, exactly once per client_uuid",
                "requestBody": {"required": True, "content": json_content(ref("NewVisit"))},
                "responses": responses(
                    {
                        "201": ("Stored.", visit_result),
                        "200": ("A visit with this client_uuid was already stored: here it is.", visit_result),
                    },
                    *post_errors,
                ),
            }
        },
        f"{API}/visits/{{visit_id}}": {
            "get": {
                "operationId": "getVisit",
                "summary": "A visit",
                "parameters": [path_id("visit_id", "visit")],
                "responses": responses({"200": ("The visit.", result("visit", "Visit"))}, "404"),
            }
        },
        f"{API}/visits/{{visit_id}}/photos": {
            "post": {
                "operationId": "addVisitPhoto",
                "summary": "Add a photo to a visit, exactly once per client_uuid",
                "parameters": [path_id("visit_id", "visit")],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": ref("NewPhoto")}}},
                "responses": responses(
                    {"201": ("Stored.", photo_result), "200": ("Already stored.", photo_result)}, "404", *post_errors
                ),
            }
        },
        f"{API}/concerns": {
            "get": {
                "operationId": "listConcerns",
                "summary": "Concerns in my scope, newest first",
                "parameters": [
                    query("status", {"type": "string", "enum": list(STATUSES)}, "Only this status."),
                    query("village_id", ID, "Only this village."),
                    query("assignee", {"type": "string", "enum": ["me"]}, "me: only those assigned to me."),
                    query("open", {"type": "string", "enum": ["0", "1"]}, "1: only open ones."),
                    query("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "Page, from 1."),
                    query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "Per page (50)."),
                ],
                "responses": responses(
                    {
                        "200": (
                            "A page of concerns.",
                            obj(
                                {
                                    "concerns": {"type": "array", "items": ref("ConcernSummary")},
                                    "page": INTEGER,
                                    "per_page": INTEGER,
                                    "total": INTEGER,
                                    "pages": INTEGER,
                                }
                            ),
                        )
                    },
                    "400",
                    "422",
                ),
            }
        },
        f"{API}/concerns/{{concern_id}}": {
            "get": {
                "operationId": "getConcern",
                "summary": "A concern with its timeline and what I may do with it",
                "parameters": [path_id("concern_id", "concern")],
                "responses": responses({"200": ("The concern.", result("concern", "Concern"))}, "404"),
            }
        },
        f"{API}/concerns/{{concern_id}}/photos": {
            "post": {
                "operationId": "addConcernPhoto",
                "summary": "Add a photo to a concern (is_evidence=1: of its resolution), once per client_uuid",
                "parameters": [path_id("concern_id", "concern")],
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": ref("NewConcernPhoto")}},
                },
                "responses": responses(
                    {"201": ("Stored.", photo_result), "200": ("Already stored.", photo_result)}, "404", *post_errors
                ),
            }
        },
        f"{API}/concerns/{{concern_id}}/status": {
            "post": {
                "operationId": "changeStatus",
                "summary": "Change a concern's status, as on its page; refused (409) if it changed since `version`",
                "parameters": [path_id("concern_id", "concern")],
                "requestBody": {"required": True, "content": json_content(ref("StatusChange"))},
                "responses": responses(
                    {
                        "200": (
                            "Changed (created true), or this client_uuid was already applied (created false).",
                            concern_result,
                        )
                    },
                    "404",
                    "409",
                    *post_errors,
                ),
            }
        },
        f"{API}/concerns/{{concern_id}}/notes": {
            "post": {
                "operationId": "addNote",
                "summary": "Add a note to a concern's timeline, exactly once per client_uuid",
                "parameters": [path_id("concern_id", "concern")],
                "requestBody": {"required": True, "content": json_content(ref("NewNote"))},
                "responses": responses(
                    {"201": ("Added.", note_result), "200": ("Already added.", note_result)}, "404", *post_errors
                ),
            }
        },
    }


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commune field-visit and concern tracker API",
            "version": "1",
            "description": (
                "Sign in with the browser session (unsafe methods then need the X-CSRFToken header, from "
                "GET /api/v1/csrf-token) or with a personal API token (Authorization: Bearer trk_…), made at "
                '/account/tokens. Errors are {"error": {"code", "message", "fields"}}. Dates are YYYY-MM-DD '
                "(local days), times ISO 8601 in UTC. Every record is limited to the user's commune."
            ),
        },
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal API token."},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser's session.",
                },
            },
        },
        "security": [{"bearerAuth": []}, {"session": []}],
    }
