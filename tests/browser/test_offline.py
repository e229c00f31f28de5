"""No signal in the village: the installable app, the outbox and my concerns kept on the phone.

A real Chromium with a profile on disk (``launch_persistent_context``), so that IndexedDB, the service
worker and its caches survive closing the browser, as on a phone. Offline is Playwright's
``context.set_offline(True)``; the tests check that the network is really gone before relying on it.
Elements are found by id, never by the interface's words (Vietnamese or English).
"""

import contextlib
import io
import re
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LOCALES, PHONE
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Attachment, Concern, ConcernEvent, User, Visit
from tracker.workflow import change_priority

pytestmark = pytest.mark.browser


class Phone:
    """A phone's browser whose storage is kept on disk between launches."""

    def __init__(self, browser, profile, language):
        self.browser_type = browser.browser_type
        self.profile = profile
        self.language = language
        self.context = None

    def open(self, offline: bool = False):
        self.context = self.browser_type.launch_persistent_context(
            str(self.profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale=LOCALES[self.language],
        )
        self.context.set_default_timeout(15_000)
        if offline:
            self.context.set_offline(True)
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "remove this item?" is answered yes
        return page

    def offline(self, value: bool = True):
        self.context.set_offline(value)

    def close(self):
        if self.context:
            self.context.close()
            self.context = None


@pytest.fixture
def phone(browser, tmp_path, language):
    phone = Phone(browser, tmp_path / "profile", language)
    try:
        yield phone
    finally:
        phone.close()


def sign_in(page, base_url: str, username: str = "official.bunglao") -> None:
    page.goto(f"{base_url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def wait_until(page, script: str, arg=None, timeout_ms: int = 15_000) -> None:
    """Wait until ``script`` (which may answer with a promise) answers true."""
    for _ in range(timeout_ms // 200):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"still false after {timeout_ms} ms: {script}")


def wait_for_shell(page) -> None:
    """The service worker controls the page; the visit form and my concerns are kept in its cache."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()  # activated after this page opened: the next page is the worker's
    wait_until(page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    wait_until(
        page, "Promise.all(['/visits/new', '/offline/concerns'].map(u => caches.match(u))).then(r => r.every(Boolean))"
    )


def assigned_concern(app, factory, world) -> int:
    """An open concern of Hua Chăn, with a resident's name and contact, assigned to the official."""
    concern = factory.concern(
        world.hua_chan, world.official_bl, resident_name="Lò Thị Dung", resident_contact="0912 345 678"
    )
    with app.app_context():
        db.session.get(Concern, concern).assignee_id = world.official_bl
        db.session.commit()
    return concern


def network_is_gone(page) -> bool:
    return page.evaluate("fetch('/healthz', {cache: 'no-store'}).then(() => false, () => true)")


def outbox_count(page) -> int:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
             const open = indexedDB.open('tracker-offline');
             open.onsuccess = () => { const db = open.result;
               const all = db.transaction('outbox').objectStore('outbox').getAll();
               all.onsuccess = () => { resolve(all.result.length); db.close(); }; };
             open.onerror = () => reject(open.error); })"""
    )


def idb_store(page, name: str) -> list:
    return page.evaluate(
        """(name) => new Promise((resolve) => {
             const open = indexedDB.open('tracker-offline');
             open.onsuccess = () => { const db = open.result;
               const all = db.transaction(name).objectStore(name).getAll();
               all.onsuccess = () => { resolve(all.result.map(x => JSON.stringify(x))); db.close(); }; }; })""",
        name,
    )


OUTBOX_COUNT = """() => new Promise((resolve) => {
  const open = indexedDB.open('tracker-offline');
  open.onsuccess = () => { const db = open.result;
    const all = db.transaction('outbox').objectStore('outbox').count();
    all.onsuccess = () => { resolve(all.result); db.close(); }; };
  open.onerror = () => resolve(-1); })"""


def expect_all_sent(page, timeout_ms: int = 30_000) -> None:
    """The outbox empties (the server has confirmed everything) and the banner says nothing is waiting."""
    wait_until(page, f"({OUTBOX_COUNT})().then(n => n === 0)", timeout_ms=timeout_ms)
    expect(page.locator("#outbox-box")).to_be_hidden()


def expect_waiting(page, count: int) -> None:
    expect(page.locator("#outbox-status")).to_contain_text(re.compile(rf"(^|\D){count}(\D|$)"))
    expect(page.locator("#outbox-box")).to_be_visible()


def a_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (31, 95, 63)).save(buffer, "JPEG")
    return buffer.getvalue()


def visit_form_offline(phone, live_server):
    """Signed in with a signal, the visit form opened once (kept by the worker); then no signal, the form again."""
    page = phone.open()
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/new")
    wait_for_shell(page)
    phone.offline()
    page.reload()
    return page


def log_visit(page, world, title: str, notes: str, photo: bool = False) -> None:
    """Fill in the visit form and save it, with no signal."""
    page.locator("#village_id").select_option(str(world.hua_chan))
    page.locator("#kind").select_option("dialogue")
    page.locator("#notes").fill(notes)
    page.locator("#concerns-0-title").fill(title)
    page.locator("#concerns-0-category_id").select_option(str(world.electricity))
    page.locator("#concerns-0-resident_name").fill("Lò Văn Pánh")
    if photo:
        page.locator("#visit-photos").set_input_files(
            files=[{"name": "ban.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
        )
    # With no signal the visit is kept on the phone and a fresh form is opened: wait for that page, or the next
    # step may act on the old one just before it goes (the banner already counts the visit on both).
    with page.expect_navigation():
        page.locator("#submit").click()


def visits(app) -> list[tuple[str, str, int, int]]:
    with app.app_context():
        return [
            (v.notes, v.client_uuid, len(v.concerns), len(v.attachments))
            for v in db.session.scalars(sa.select(Visit).order_by(Visit.id))
        ]


def test_visits_logged_offline_reach_the_server_once(app, world, live_server, phone, shot, language):
    page = phone.open()
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/new")
    wait_for_shell(page)
    expect(page.locator("link[rel=manifest]")).to_have_count(1)

    phone.offline()
    assert network_is_gone(page)
    page.reload()
    expect(page.locator("#visit-form")).to_be_visible()
    expect(page.locator("#village_id option")).to_have_count(3)  # "choose", Hua Chăn, Hua Nạ
    shot(page, "offline-form")

    for n in range(3):
        log_visit(page, world, f"Cột điện đổ số {n}", f"Chuyến {n}", photo=(n == 1))
        expect(page).to_have_url(f"{live_server}/visits/new")
        expect_waiting(page, n + 1)
    page.locator("#outbox-toggle").click()
    expect(page.locator("#outbox-list > li")).to_have_count(3)
    shot(page, "outbox-list")
    # Each visit was logged with a UUID of its own (the form kept by the worker is not the same visit thrice).
    uuids = {re.search(r'"id":"([0-9a-f-]+)"', item).group(1) for item in idb_store(page, "outbox")}
    assert len(uuids) == 3
    assert visits(app) == []

    # The browser is closed and opened again, still with no signal: the outbox is still there.
    phone.close()
    page = phone.open(offline=True)
    page.goto(f"{live_server}/visits/new")
    expect(page.locator("#visit-form")).to_be_visible()
    expect_waiting(page, 3)
    assert outbox_count(page) == 3
    shot(page, "outbox-after-restart")

    phone.offline(False)  # the `online` event sends them
    expect_all_sent(page)
    assert outbox_count(page) == 0
    stored = visits(app)
    assert sorted(notes for notes, *_ in stored) == ["Chuyến 0", "Chuyến 1", "Chuyến 2"]
    assert {u for _, u, _, _ in stored} == uuids
    assert [(c, a) for notes, _, c, a in sorted(stored)] == [(1, 0), (1, 1), (1, 0)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 3
    shot(page, "all-sent")


def test_a_lost_answer_stores_nothing_twice(app, world, live_server, phone):
    page = visit_form_offline(phone, live_server)
    log_visit(page, world, "Đường sạt lở", "Mất trả lời")
    expect_waiting(page, 1)

    lost = []

    def store_then_lose(route):
        response = route.fetch()  # the server stores the visit...
        lost.append(response.status)
        route.abort("connectionreset")  # ...and its answer never reaches the phone

    page.route("**/api/v1/visits", store_then_lose)
    phone.offline(False)
    expect(page.locator("#outbox-status")).to_contain_text(re.compile(r"\d\d:\d\d"))  # the next try's time
    assert lost == [201]
    assert len(visits(app)) == 1
    assert outbox_count(page) == 1  # not confirmed: kept

    page.unroute("**/api/v1/visits")
    page.locator("#outbox-send").click()
    expect_all_sent(page)
    assert outbox_count(page) == 0
    assert len(visits(app)) == 1


def test_a_refused_visit_is_kept_with_the_message_and_corrected(app, world, live_server, phone, shot):
    page = visit_form_offline(phone, live_server)
    log_visit(page, world, "", "Thiếu nội dung")  # a concern with a resident's name but no title
    expect_waiting(page, 1)

    phone.offline(False)
    item = page.locator("#outbox-list > li")
    page.locator("#outbox-toggle").click()
    expect(item.locator(".error")).to_be_visible()
    expect(item.locator(".outbox-fields")).to_contain_text("concerns[0].title")
    assert outbox_count(page) == 1
    assert visits(app) == []
    shot(page, "refused")

    page.reload()  # still there after a reload: never dropped silently
    page.locator("#outbox-toggle").click()
    item.locator("a.button").click()  # correct it: back in the form, the field marked
    expect(page.locator("#concerns-0-title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#concerns-0-resident_name")).to_have_value("Lò Văn Pánh")
    shot(page, "correcting")
    page.locator("#concerns-0-title").fill("Xin hỗ trợ làm nhà")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/visits/\d+$"))
    assert outbox_count(page) == 0
    assert [(notes, c) for notes, _, c, _ in visits(app)] == [("Thiếu nội dung", 1)]


def test_a_status_changed_offline_meets_another_change(app, world, live_server, phone, factory, shot):
    concern = assigned_concern(app, factory, world)
    page = open_kept_concern(phone, live_server, concern)
    expect(page.locator("#offline-concern-facts")).to_contain_text("Lò Thị Dung")
    shot(page, "offline-concern")
    page.locator("#offline-status").select_option("in_progress")
    page.locator("#offline-status-note").fill("Đã báo điện lực.")
    page.locator("#offline-status-form button[type=submit]").click()
    expect_waiting(page, 1)

    # Meanwhile, at the office, the supervisor changes the concern.
    with app.app_context():
        stored = db.session.get(Concern, concern)
        change_priority(stored, "urgent", db.session.get(User, world.supervisor_bl))
        db.session.commit()

    phone.offline(False)
    page.locator("#outbox-toggle").click()
    item = page.locator("#outbox-list > li.state-conflict")
    expect(item).to_be_visible()
    shot(page, "conflict")
    with app.app_context():
        assert db.session.get(Concern, concern).status == "new"  # never applied over the other change
    item.locator("button[data-action=again]").click()
    expect_all_sent(page)
    with app.app_context():
        stored = db.session.get(Concern, concern)
        assert (stored.status, stored.priority) == ("in_progress", "urgent")
        kinds = db.session.scalars(
            sa.select(ConcernEvent.kind).where(ConcernEvent.concern_id == concern).order_by(ConcernEvent.id)
        ).all()
        assert kinds == ["created", "priority", "status"]


def test_signing_out_warns_and_leaves_nothing_personal(app, world, live_server, phone, factory, shot):
    concern = assigned_concern(app, factory, world)
    page = phone.open()
    sign_in(page, live_server)
    page.goto(f"{live_server}/concerns/{concern}")
    page.goto(f"{live_server}/offline/concerns")
    wait_for_shell(page)
    expect(page.locator("#offline-concerns > li")).to_have_count(1)
    phone.offline()
    page.goto(f"{live_server}/visits/new")
    log_visit(page, world, "Chưa gửi", "Chưa gửi")
    expect_waiting(page, 1)

    page.route("**/api/v1/**", lambda route: route.abort())  # the signal comes and goes
    phone.offline(False)
    page.locator("#logout-form button").click()
    expect(page.locator("#signout-dialog")).to_be_visible()
    shot(page, "sign-out-warning")
    page.locator("#signout-send").click()  # cannot get through: still signed in, the list shown
    expect(page.locator("#outbox-list > li")).to_have_count(1)
    expect(page).to_have_url(f"{live_server}/visits/new")

    page.locator("#logout-form button").click()
    page.locator("#signout-keep").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect_waiting(page, 1)  # kept, counted, not listed: it waits for its owner
    expect(page.locator("#outbox-list > li")).to_have_count(0)
    wait_until(page, "caches.has('tracker-pages').then(has => !has)")
    assert idb_store(page, "concerns") == []
    # With no signal, nothing the official saw can be read back.
    phone.offline()
    for path in (f"/concerns/{concern}", "/offline/concerns", "/concerns/mine"):
        with contextlib.suppress(Exception):  # the browser's own "no connection" error is what we want
            page.goto(f"{live_server}{path}")
        page.wait_for_timeout(500)
        page.wait_for_load_state()
        assert "Lò Thị Dung" not in page.content()
        assert not page.locator("#offline-concern-facts").is_visible()

    # The official signs in again: what waited is sent.
    phone.offline(False)
    page.unroute("**/api/v1/**")
    sign_in(page, live_server)
    expect_all_sent(page)
    assert [notes for notes, *_ in visits(app)] == ["Chưa gửi"]


def test_a_session_that_ended_offline_keeps_everything(app, world, live_server, phone):
    page = visit_form_offline(phone, live_server)
    log_visit(page, world, "Hết phiên", "Hết phiên")
    expect_waiting(page, 1)
    # The session ends while the phone has no signal (signed out everywhere from another device).
    with app.app_context():
        user = db.session.get(User, world.official_bl)
        user.session_version += 1
        db.session.commit()
    phone.offline(False)
    expect(page.locator("#outbox-signin")).to_be_visible()
    assert outbox_count(page) == 1 and visits(app) == []
    page.locator("#outbox-signin").click()
    page.locator("#username").fill("official.bunglao")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/")
    expect_all_sent(page)
    assert [notes for notes, *_ in visits(app)] == ["Hết phiên"]
    assert str(uuid.UUID(visits(app)[0][1]))


# --- Resolving offline with the photo of the result --------------------------------------------------------


def resolution(app, concern_id: int) -> tuple[str, list[bool]]:
    """The concern's status as stored, and whether each of its photos is marked as evidence."""
    with app.app_context():
        status = db.session.get(Concern, concern_id).status
        marks = db.session.scalars(
            sa.select(Attachment.is_evidence).where(Attachment.concern_id == concern_id).order_by(Attachment.id)
        ).all()
        return status, marks


def open_kept_concern(phone, live_server, concern: int):
    """Signed in with a signal, the concern kept on the phone; then no signal, and the concern opened."""
    page = phone.open()
    sign_in(page, live_server)
    page.goto(f"{live_server}/offline/concerns")
    wait_for_shell(page)
    expect(page.locator("#offline-concerns > li")).to_have_count(1)
    phone.offline()
    assert network_is_gone(page)
    page.reload()
    page.locator(f"#offline-concerns a[href='#concern-{concern}']").click()
    return page


def resolve_with_photo(page, name: str, data: bytes) -> None:
    page.locator("#offline-status").select_option("resolved")
    page.locator("#offline-status-note").fill("Đã kéo dây điện về cuối bản.")
    page.locator("#offline-evidence-photo").set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}]
    )
    page.locator("#offline-status-form button[type=submit]").click()


def test_a_concern_resolved_offline_with_its_photo_reaches_the_server_once(
    app, world, live_server, phone, factory, shot
):
    concern = assigned_concern(app, factory, world)  # electricity: resolving needs a photo of the result
    page = open_kept_concern(phone, live_server, concern)
    expect(page.locator("#offline-evidence")).to_be_hidden()
    page.locator("#offline-status").select_option("resolved")
    expect(page.locator("#offline-evidence")).to_be_visible()
    expect(page.locator("#offline-evidence-photo")).to_have_attribute("capture", "environment")

    # Without the photo (and without the note) it is not kept: both fields say why, as the server would.
    page.locator("#offline-status-form button[type=submit]").click()
    expect(page.locator("#offline-evidence-photo")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#offline-status-note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#offline-evidence .error")).to_be_visible()
    assert outbox_count(page) == 0

    page.locator("#offline-status-note").fill("Đã kéo dây điện về cuối bản.")
    page.locator("#offline-evidence-photo").set_input_files(
        files=[{"name": "cot-dien.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    expect(page.locator("#offline-evidence-photo")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#offline-evidence-preview")).to_be_visible()
    shot(page, "resolve-offline-with-photo")
    page.locator("#offline-status-form button[type=submit]").click()
    expect_waiting(page, 1)
    expect(page.locator("#offline-evidence")).to_be_hidden()  # the form is ready for another change
    page.locator("#outbox-toggle").click()
    item = page.locator("#outbox-list > li")
    expect(item.locator(".outbox-photos img")).to_have_count(1)
    expect(item.locator(".outbox-photos .badge.evidence")).to_have_count(1)
    page.locator("#outbox").scroll_into_view_if_needed()
    shot(page, "outbox-item-with-photo")
    assert resolution(app, concern) == ("new", [])

    # The signal comes back, the server stores the photo, and its answer is lost on the way back.
    lost = []

    def store_then_lose(route):
        lost.append(route.fetch().status)
        route.abort("connectionreset")

    page.route("**/api/v1/concerns/*/photos", store_then_lose)
    phone.offline(False)
    expect(page.locator("#outbox-status")).to_contain_text(re.compile(r"\d\d:\d\d"))  # the next try's time
    assert lost == [201]
    assert resolution(app, concern) == ("new", [True])  # the photo is there; the status change was not sent
    assert outbox_count(page) == 1

    page.unroute("**/api/v1/concerns/*/photos")
    page.locator("#outbox-send").click()
    expect_all_sent(page)
    assert resolution(app, concern) == ("resolved", [True])  # the photo sent again was stored once
    with app.app_context():
        stored = db.session.get(Concern, concern)
        assert stored.resolution_note == "Đã kéo dây điện về cuối bản."
        kinds = db.session.scalars(
            sa.select(ConcernEvent.kind).where(ConcernEvent.concern_id == concern).order_by(ConcernEvent.id)
        ).all()
        assert kinds == ["created", "attachment", "status"]


def test_a_refused_photo_holds_the_change_back_until_another_photo(app, world, live_server, phone, factory, shot):
    concern = assigned_concern(app, factory, world)
    page = open_kept_concern(phone, live_server, concern)
    # A file the phone calls a JPEG, which is not one (cut short, say): the server refuses it.
    resolve_with_photo(page, "hong.jpg", b"%PDF-1.4 not a photo at all")
    expect_waiting(page, 1)

    phone.offline(False)
    page.locator("#outbox-toggle").click()
    item = page.locator("#outbox-list > li.state-rejected")
    expect(item).to_be_visible()
    expect(item.locator(".outbox-fields li")).to_have_count(1)  # the server's message about the photo
    expect(item.locator("input[type=file][data-action=photo]")).to_have_count(1)
    expect(item.locator("button[data-action=remove]")).to_be_visible()
    shot(page, "photo-refused")
    assert resolution(app, concern) == ("new", [])  # neither the photo nor the status change

    page.reload()  # still there after a reload, with its message
    page.locator("#outbox-toggle").click()
    expect(item.locator(".outbox-fields li")).to_have_count(1)
    item.locator("input[type=file][data-action=photo]").set_input_files(
        files=[{"name": "cot-dien.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    expect_all_sent(page)
    assert resolution(app, concern) == ("resolved", [True])


def test_a_refused_change_can_be_removed(app, world, live_server, phone, factory):
    concern = assigned_concern(app, factory, world)
    page = open_kept_concern(phone, live_server, concern)
    resolve_with_photo(page, "hong.jpg", b"not a photo")
    phone.offline(False)
    page.locator("#outbox-toggle").click()
    item = page.locator("#outbox-list > li.state-rejected")
    expect(item).to_be_visible()
    item.locator("button[data-action=remove]").click()  # the dialog is answered yes
    expect_all_sent(page)
    assert resolution(app, concern) == ("new", [])


def test_the_concern_page_kept_on_the_phone_resolves_offline(app, world, live_server, phone, factory, shot):
    concern = assigned_concern(app, factory, world)
    page = phone.open()
    sign_in(page, live_server)
    page.goto(f"{live_server}/offline/concerns")
    wait_for_shell(page)
    page.goto(f"{live_server}/concerns/{concern}")  # opened once with a signal: kept by the worker
    wait_until(page, "caches.match(location.pathname).then(Boolean)")
    phone.offline()
    assert network_is_gone(page)
    page.reload()
    page.locator("#action-status summary").click()
    page.locator("#status-status").select_option("resolved")
    page.locator("#status-note").fill("Đã thay công tơ.")
    page.locator("#concern-status-form button[type=submit]").click()
    expect(page.locator("#status-photo")).to_have_attribute("aria-invalid", "true")  # electricity: a photo first
    page.locator("#status-photo").set_input_files(
        files=[{"name": "cong-to.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    page.locator("#concern-status-form button[type=submit]").click()
    expect(page.locator("#concern-status-saved")).to_be_visible()
    expect_waiting(page, 1)
    expect(page).to_have_url(f"{live_server}/concerns/{concern}")
    shot(page, "concern-page-offline")

    phone.offline(False)
    expect_all_sent(page)
    assert resolution(app, concern) == ("resolved", [True])
