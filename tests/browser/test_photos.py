"""Photos in a phone's browser: take one on a visit's page and see its thumbnail; what a refused one says.

Elements are found by id, name or role, never by the interface's words, which may be Vietnamese or English.
"""

import io
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in
from tracker.concerns.logic import new_concern
from tracker.extensions import db
from tracker.localtime import today
from tracker.models import Attachment, Category, User, Village, Visit
from tracker.visits.logic import VisitInput, record_visit

pytestmark = pytest.mark.browser


def camera_photo() -> bytes:
    """A phone camera's JPEG: landscape pixels turned upright by EXIF, with the GPS point of Hua Chăn."""
    image = Image.new("RGB", (1600, 1200), (96, 140, 80))
    image.paste((200, 60, 40), (0, 0, 400, 300))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (21.0, 23.0, 31.2),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (103.0, 17.0, 3.6),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, exif=exif)
    return buffer.getvalue()


@pytest.fixture
def visit_id(app, world) -> int:
    with app.app_context():
        official = db.session.get(User, world.official_bl)
        village = db.session.get(Village, world.hua_chan)
        visit, _ = record_visit(
            official,
            VisitInput(
                client_uuid=str(uuid.uuid4()), village=village, visit_date=today() - timedelta(days=1), kind="dialogue"
            ),
        )
        new_concern(official, village, db.session.get(Category, world.housing), "Nhà tạm bị dột", visit=visit)
        db.session.commit()
        return visit.id


def test_attach_a_photo_to_a_visit(app, world, live_server, page, shot, visit_id):
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/{visit_id}")
    form = page.locator("#photo-upload")
    expect(form.locator("#photo-camera")).to_have_attribute("capture", "environment")
    expect(form.locator("input[name=csrf_token]")).not_to_have_value("")
    shot(page, "visit-without-photos")

    page.locator("#photo-camera").set_input_files(
        files=[{"name": "IMG_20261122_093000.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}]
    )
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/visits/{visit_id}#photos")
    thumbnail = page.locator("#photos .gallery img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_be_visible()
    thumbnail.scroll_into_view_if_needed()
    # Loaded (it is loading="lazy": wait for it), 320 px wide, and upright: portrait.
    size = thumbnail.evaluate(
        "img => img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : new Promise("
        "resolve => img.addEventListener('load', () => resolve([img.naturalWidth, img.naturalHeight])))"
    )
    assert size == [320, 427]
    expect(page.locator(".flash-success")).to_be_visible()
    shot(page, "visit-with-a-photo")

    with app.app_context():
        attachment = db.session.scalar(sa.select(Attachment))
        visit = db.session.get(Visit, visit_id)
        assert attachment.visit_id == visit_id and (attachment.width, attachment.height) == (1200, 1600)
        assert visit.latitude == pytest.approx(21.392) and visit.longitude == pytest.approx(103.284333)

    # The thumbnail opens the full photo.
    page.locator("#photos .gallery a").click()
    expect(page).to_have_url(f"{live_server}/photos/{attachment.id}")


def test_a_refused_photo_says_why(app, world, live_server, page, shot, visit_id, tmp_path):
    # The phone's 11 MB file, given to the browser as a file on disk: the page sees the same name, type and size as
    # from a buffer, without Playwright sending the 11 MB through its pipe as base64 (seconds on a small machine).
    too_large = tmp_path / "video-still.jpg"
    too_large.write_bytes(bytes(11 * 1024 * 1024))
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/{visit_id}")
    form = page.locator("#photo-upload")
    error = page.locator("#photo-error")
    expect(error).to_be_hidden()

    # Too large: said at once, before anything is sent.
    page.locator("#photo-files").set_input_files(files=[too_large])
    expect(error).to_be_visible()
    expect(error).to_contain_text("video-still.jpg")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/visits/{visit_id}")  # not sent
    shot(page, "too-large-said-at-once")

    # Not a photo: the server says so on the photo page, next to the fields.
    page.locator("#photo-files").set_input_files(
        files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"Not a photo at all.\n" * 50}]
    )
    expect(error).to_be_hidden()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/visits/{visit_id}/photos")
    expect(page.locator("#photo-error")).to_be_visible()
    expect(page.locator("#photo-camera")).to_have_attribute("aria-invalid", "true")
    shot(page, "not-a-photo")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_evidence_on_a_concern_without_javascript(app, world, live_server, page_without_js, shot, visit_id):
    page = page_without_js
    sign_in(page, live_server)
    with app.app_context():
        concern_id = db.session.get(Visit, visit_id).concerns[0].id
    page.goto(f"{live_server}/concerns/{concern_id}")
    page.locator("#photo-files").set_input_files(
        files=[
            {"name": "roof-1.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()},
            {"name": "roof-2.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()},
        ]
    )
    page.locator("#photo-evidence").check()
    page.locator("#photo-upload button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/concerns/{concern_id}#photos")
    expect(page.locator("#photos .gallery img")).to_have_count(2)
    expect(page.locator("#photos .badge.evidence")).to_have_count(2)
    shot(page, "concern-with-evidence")
    with app.app_context():
        assert db.session.scalars(sa.select(Attachment.is_evidence)).all() == [True, True]
