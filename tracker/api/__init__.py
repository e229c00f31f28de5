"""The JSON API under ``/api/v1`` (see docs in README.md and the OpenAPI document at ``/api/v1/openapi.json``).

- :mod:`.routes`: the endpoints; :mod:`.auth`: who is asking (session or personal API token) and CSRF;
  :mod:`.errors`: the one shape of every error; :mod:`.validation`: reading a JSON body field by field;
  :mod:`.serialize`: records as JSON; :mod:`.tokens`: personal API tokens; :mod:`.pages`: the web page where a
  user makes and revokes them; :mod:`.openapi`: the OpenAPI 3.1 document.
"""
