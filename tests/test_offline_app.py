"""The installable app's server side: the manifest, the service worker served from the root, the page of my
concerns kept on the phone, the outbox's words in the page, and what signing out tells the browser."""

import json
import re

import pytest


def test_manifest_names_the_app_and_its_icons(client, world):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Thăm cơ sở" and manifest["lang"] == "vi"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:  # every icon is served
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_from_the_root_with_what_it_keeps(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    settings = json.loads(re.search(r"var SETTINGS = (\{.*?\});", body).group(1))
    assert re.fullmatch(r"[0-9a-f]{16}", settings["version"])
    paths = {url.split("?")[0] for url in settings["static"]}  # static addresses may carry their version
    assert {"/static/css/app.css", "/static/js/app.js", "/static/js/offline.js", "/static/icons/icon-192.png"} <= paths
    assert "/static/js/sw.js" not in paths
    assert settings["pages"] == ["/visits/new", "/offline/concerns"]
    for url in settings["static"]:
        assert client.get(url).status_code == 200
    # The worker never sends anything itself: it answers GET requests only.
    assert 'request.method !== "GET"' in body


def test_service_worker_version_follows_the_files(app, client, tmp_path):
    first = client.get("/sw.js").get_data(as_text=True)
    app.static_folder = str(tmp_path)
    for folder in ("css", "js", "icons"):
        (tmp_path / folder).mkdir()
    (tmp_path / "js" / "sw.js").write_text('var SETTINGS = /*SETTINGS*/{};\nvar x = "GET";')
    (tmp_path / "css" / "app.css").write_text("body {}")
    second = client.get("/sw.js").get_data(as_text=True)
    (tmp_path / "css" / "app.css").write_text("body { color: red }")
    third = client.get("/sw.js").get_data(as_text=True)
    versions = [re.search(r'"version": "(\w+)"', text).group(1) for text in (first, second, third)]
    assert len(set(versions)) == 3


def test_offline_concerns_page_needs_signing_in(client, auth, world):
    assert client.get("/offline/concerns").status_code == 302
    auth.login("official.bunglao")
    response = client.get("/offline/concerns?missed=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="offline-concerns"' in page and "That page is not kept on this phone" in page


def test_every_page_carries_the_outbox_and_its_words(client, auth, world):
    auth.login("official.bunglao")
    page = client.get("/visits/new").get_data(as_text=True)
    assert 'rel="manifest"' in page and 'id="outbox"' in page and 'id="visit-photos"' in page
    assert 'data-user=""' not in page
    strings = json.loads(
        re.search(r'<script type="application/json" id="offline-strings">(.*?)</script>', page).group(1)
    )
    assert strings["waiting_one"] == "{n} visit or change waiting to send"
    assert strings["waiting_other"] == "{n} visits or changes waiting to send"
    assert strings["statuses"]["in_progress"] == "In progress"
    vietnamese = client.get("/visits/new", headers={"Accept-Language": "vi"})
    assert vietnamese.status_code == 200


def test_signed_out_page_names_no_user(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert 'data-user=""' in page  # offline.js forgets what the last official left in the browser
    assert 'id="signout-dialog"' not in page


@pytest.mark.parametrize("signed_in", [True, False])
def test_signing_out_clears_the_browser_cache_but_not_its_storage(client, auth, world, signed_in):
    if signed_in:
        auth.login("official.bunglao")
    response = client.post("/logout")
    assert response.status_code == 302
    # "cache" only: "storage" would wipe the outbox of visits not yet sent.
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/login").headers.get("Clear-Site-Data") is None


def test_only_signed_in_pages_are_marked_to_keep(client, auth, world):
    assert "X-Keep-Offline" not in client.get("/login").headers
    auth.login("official.bunglao")
    assert client.get("/visits/new").headers["X-Keep-Offline"] == "1"
    assert "X-Keep-Offline" not in client.get("/sw.js").headers
    assert "X-Keep-Offline" not in client.get("/static/css/app.css").headers


def test_worker_and_manifest_never_send_a_session_cookie(client, auth, world):
    auth.login("official.bunglao")
    for path in ("/sw.js", "/manifest.webmanifest"):
        assert "Set-Cookie" not in client.get(path).headers
