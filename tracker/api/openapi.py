"""The OpenAPI 3.1 document of the JSON API (served at /api/v1/openapi.json)."""


def document() -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Tracker API", "version": "1"}, "paths": {}}
