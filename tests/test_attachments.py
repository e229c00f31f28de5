"""Photos of visits and concerns: what is accepted, what is refused, what is stored, and who may see it.

Every refusal is checked to leave nothing behind: no file in the upload folder (a temporary folder per
test, see ``tests/conftest.py``) and no row in the database.
"""

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, PngImagePlugin
from werkzeug.datastructures import FileStorage

from tracker.attachments.photos import (
    PhotoRejected,
    discard_unsaved_files,
    gps_point,
    store_photo,
)
from tracker.extensions import db
from tracker.localtime import today
from tracker.models import Attachment, Concern, ConcernEvent, User, Village, Visit
from tracker.visits.logic import VisitInput, record_visit
from tracker.workflow import has_evidence

# --- Test images, made here -------------------------------------------------------------------------------

# Hua Chăn, Búng Lao, in degrees/minutes/seconds: 21° 23' 31.2" N, 103° 17' 3.6" E.
HUA_CHAN_DMS = ((21.0, 23.0, 31.2), (103.0, 17.0, 3.6))
HUA_CHAN = (21.392, 103.284333)


def jpeg_bytes(size=(800, 600), color=(40, 120, 60), exif: Image.Exif | None = None, quality=90) -> bytes:
    image = Image.new("RGB", size, color)
    # A dark block in the top-left corner, to see where the top went after rotation.
    image.paste((0, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def gps_exif(lat_dms=HUA_CHAN_DMS[0], lon_dms=HUA_CHAN_DMS[1], lat_ref="N", lon_ref="E", orientation=None):
    """EXIF with a GPS point (rationals, as cameras write them), a camera model and an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Model] = "Camera 3000"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: lat_ref,
        ExifTags.GPS.GPSLatitude: lat_dms,
        ExifTags.GPS.GPSLongitudeRef: lon_ref,
        ExifTags.GPS.GPSLongitude: lon_dms,
    }
    return exif


def png_bytes(size=(300, 200), mode="RGBA") -> bytes:
    image = Image.new(mode, size, (10, 20, 200, 128) if mode == "RGBA" else (10, 20, 200))
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at the resident's house")
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def webp_bytes(size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 0)).save(buffer, "WEBP", exif=gps_exif())
    return buffer.getvalue()


def bomb_png(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header declares an enormous image: a decompression bomb."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # The IHDR chunk: 8-byte signature, 4-byte length, "IHDR", then width and height; fix its CRC after.
    import zlib

    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def upload(data: bytes, filename="photo.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def files_in(folder) -> list[str]:
    folder = Path(folder)
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- Fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


@pytest.fixture
def visit_id(app, world) -> int:
    """A visit to Hua Chăn (Búng Lao) with no GPS point."""
    with app.app_context():
        visit, _ = record_visit(
            db.session.get(User, world.official_bl),
            VisitInput(
                client_uuid=str(uuid.uuid4()),
                village=db.session.get(Village, world.hua_chan),
                visit_date=today() - timedelta(days=1),
                kind="dialogue",
            ),
        )
        return visit.id


@pytest.fixture
def concern_id(factory, world) -> int:
    return factory.concern(world.hua_chan, world.official_bl, category="housing")


def count_rows(app) -> tuple[int, int]:
    """(attachments, 'attachment' events) in the database."""
    with app.app_context():
        attachments = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
        events = db.session.scalar(sa.select(sa.func.count(ConcernEvent.id)).where(ConcernEvent.kind == "attachment"))
        return attachments, events


# --- store_photo: what is stored -----------------------------------------------------------------------------


def test_a_photo_of_a_concern_is_stored_with_its_thumbnail_and_event(app, world, concern_id, folder):
    with app.test_request_context():
        concern = db.session.get(Concern, concern_id)
        official = db.session.get(User, world.official_bl)
        version = concern.version
        attachment = store_photo(upload(jpeg_bytes((1200, 900))), uploaded_by=official, concern=concern)
        db.session.commit()
        assert attachment.content_type == "image/jpeg"
        assert (attachment.width, attachment.height) == (1200, 900)
        assert attachment.uploaded_by_id == official.id and attachment.created_at is not None
        assert attachment.original_filename == "photo.jpg" and not attachment.is_evidence
        assert attachment.stored_name != attachment.thumbnail_name
        assert sorted([attachment.stored_name, attachment.thumbnail_name]) == files_in(folder)
        assert attachment.size_bytes == (folder / attachment.stored_name).stat().st_size
        with Image.open(folder / attachment.thumbnail_name) as thumb:
            assert thumb.format == "JPEG" and thumb.width == 320 and thumb.height == 240
        event = db.session.scalar(sa.select(ConcernEvent).where(ConcernEvent.kind == "attachment"))
        assert event.concern_id == concern.id and event.author_id == official.id
        assert event.new_value == str(attachment.id) and event.public is False
        assert concern.version == version  # a photo is no edit: nobody's open form is made stale by it


def test_png_and_webp_are_kept_in_their_format_without_metadata(app, world, visit_id, folder):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        official = db.session.get(User, world.official_bl)
        png = store_photo(upload(png_bytes(), "screen.png", "image/png"), uploaded_by=official, visit=visit)
        webp = store_photo(upload(webp_bytes(), "photo.webp", "image/webp"), uploaded_by=official, visit=visit)
        db.session.commit()
        assert png.content_type == "image/png" and webp.content_type == "image/webp"
        with Image.open(folder / png.stored_name) as image:
            assert image.format == "PNG" and image.mode == "RGBA" and "Comment" not in image.info
        with Image.open(folder / webp.stored_name) as image:
            assert image.format == "WEBP" and not image.getexif() and "exif" not in image.info
        assert (folder / webp.stored_name).read_bytes().find(b"EXIF") == -1


def test_the_content_decides_not_the_name_or_the_content_type(app, world, visit_id):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        official = db.session.get(User, world.official_bl)
        named_jpeg = upload(png_bytes(mode="RGB"), "IMG_0001.jpg", "image/jpeg")
        png = store_photo(named_jpeg, uploaded_by=official, visit=visit)
        assert png.content_type == "image/png" and png.stored_name.endswith(".png")
        db.session.commit()


def test_exif_and_gps_are_gone_and_the_orientation_applied(app, world, visit_id, folder):
    # Orientation 6: the camera was turned; the stored photo is upright, 600 wide and 800 high.
    data = jpeg_bytes((800, 600), exif=gps_exif(orientation=6))
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS
    with app.test_request_context():
        attachment = store_photo(
            upload(data),
            uploaded_by=db.session.get(User, world.official_bl),
            visit=db.session.get(Visit, visit_id),
        )
        db.session.commit()
        stored = (folder / attachment.stored_name).read_bytes()
        with Image.open(folder / attachment.stored_name) as image:
            assert image.size == (600, 800) == (attachment.width, attachment.height)
            assert not image.getexif() and "exif" not in image.info
            # The dark corner, top-left in the sensor's frame, is now top-right.
            assert image.getpixel((580, 20))[0] < 40 and image.getpixel((20, 20))[1] > 80
        for marker in (b"Exif", b"TestPhone", b"Camera 3000"):
            assert marker not in stored
        with Image.open(folder / attachment.thumbnail_name) as thumb:
            assert thumb.size == (320, 427) and not thumb.getexif()


def test_the_gps_point_fills_a_visit_that_has_none(app, world, visit_id):
    with app.test_request_context():
        store_photo(
            upload(jpeg_bytes(exif=gps_exif())),
            uploaded_by=db.session.get(User, world.official_bl),
            visit=db.session.get(Visit, visit_id),
        )
        db.session.commit()
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.latitude, visit.longitude) == pytest.approx(HUA_CHAN, abs=1e-6)


def test_the_gps_point_of_a_concern_photo_fills_its_visit(app, world, visit_id):
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        concern_id = visit.concerns[0].id if visit.concerns else None
    concern_id = concern_id or _concern_at_visit(app, world, visit_id)
    with app.test_request_context():
        store_photo(
            upload(jpeg_bytes(exif=gps_exif())),
            uploaded_by=db.session.get(User, world.official_bl),
            concern=db.session.get(Concern, concern_id),
        )
        db.session.commit()
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.latitude, visit.longitude) == pytest.approx(HUA_CHAN, abs=1e-6)


def _concern_at_visit(app, world, visit_id) -> int:
    from tracker.concerns.logic import new_concern
    from tracker.models import Category

    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        concern = new_concern(
            db.session.get(User, world.official_bl),
            visit.village,
            db.session.get(Category, world.electricity),
            "Cột điện nghiêng",
            visit=visit,
        )
        db.session.commit()
        return concern.id


def test_the_gps_point_does_not_replace_a_location_or_come_from_abroad(app, world, visit_id):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        official = db.session.get(User, world.official_bl)
        # Paris: outside Vietnam, ignored.
        store_photo(
            upload(jpeg_bytes(exif=gps_exif((48.0, 51.0, 24.0), (2.0, 21.0, 3.0)))), uploaded_by=official, visit=visit
        )
        assert visit.latitude is None and visit.longitude is None
        visit.latitude, visit.longitude = 21.5, 103.5
        store_photo(upload(jpeg_bytes(exif=gps_exif())), uploaded_by=official, visit=visit)
        assert (visit.latitude, visit.longitude) == (21.5, 103.5)
        db.session.rollback()


@pytest.mark.parametrize(
    ("lat", "lon", "lat_ref", "lon_ref", "expected"),
    [
        ((21.0, 23.0, 31.2), (103.0, 17.0, 3.6), "N", "E", HUA_CHAN),
        ((10.0, 45.0, 0.0), (106.0, 40.0, 12.0), b"N", b"E", (10.75, 106.67)),  # bytes refs, Ho Chi Minh City
        ((21.0, 23.0, 31.2), (103.0, 17.0, 3.6), "S", "E", None),  # south of the equator: not Vietnam
        ((21.0, 23.0, 31.2), (103.0, 17.0, 3.6), "N", "W", None),  # west: not Vietnam
        ((21.0, 0.0, 0.0), (0.0, 0.0, 0.0), "N", "E", None),
    ],
)
def test_gps_point_reads_degrees_minutes_seconds_and_references(lat, lon, lat_ref, lon_ref, expected):
    data = jpeg_bytes((50, 50), exif=gps_exif(lat, lon, lat_ref, lon_ref))
    with Image.open(io.BytesIO(data)) as image:
        point = gps_point(image)
    if expected is None:
        assert point is None
    else:
        assert point == pytest.approx(expected, abs=1e-4)


def test_gps_point_is_none_without_gps():
    with Image.open(io.BytesIO(jpeg_bytes((50, 50)))) as image:
        assert gps_point(image) is None


# --- store_photo: what is refused ----------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    # A detailed photo (noise does not compress), cut off halfway, as a dropped connection leaves it.
    image = Image.effect_noise((1200, 900), 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    return data[: len(data) // 2]


BAD_UPLOADS = {
    "a text file named .jpg": (lambda: b"Just some notes, not a photo.\n" * 20, "not a photo"),
    "a GIF": (lambda: _gif(), "not a photo"),
    "an empty file": (lambda: b"", "The file is empty"),
    "a 50 MB file": (lambda: b"\xff\xd8\xff\xe0" + bytes(50 * 1024 * 1024), "at most 10 MB"),
    "a decompression bomb": (lambda: bomb_png(), "at most 40 megapixels"),
    "a photo of 41 megapixels": (lambda: bomb_png(8000, 5125), "at most 40 megapixels"),
    "a truncated JPEG": (truncated_jpeg, "damaged or incomplete"),
}


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (20, 20)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize("kind", BAD_UPLOADS)
def test_a_bad_upload_is_refused_and_nothing_is_stored(app, world, concern_id, folder, kind):
    make, message = BAD_UPLOADS[kind]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        concern = db.session.get(Concern, concern_id)
        with pytest.raises(PhotoRejected) as refused:
            store_photo(upload(make()), uploaded_by=db.session.get(User, world.official_bl), concern=concern)
        assert message in str(refused.value)
        assert not db.session.new  # nothing added to the session either
        db.session.commit()
    assert files_in(folder) == []
    assert count_rows(app) == (0, 0)


def test_no_file_at_all_is_refused(app, world, visit_id):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(PhotoRejected, match="Choose a photo"):
            store_photo(FileStorage(stream=io.BytesIO(b""), filename=""), uploaded_by=visit.created_by, visit=visit)


def test_a_refusal_is_translated(app, world, visit_id):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(PhotoRejected) as refused:
            store_photo(upload(b"not a photo"), uploaded_by=visit.created_by, visit=visit)
        assert str(refused.value) == "Tệp này không phải là ảnh. Hãy gửi ảnh JPEG, PNG hoặc WebP."


# --- No orphan file ------------------------------------------------------------------------------------------


def test_a_rolled_back_transaction_leaves_no_file(app, world, concern_id, folder):
    with app.test_request_context():
        concern = db.session.get(Concern, concern_id)
        store_photo(upload(jpeg_bytes()), uploaded_by=concern.created_by, concern=concern)
        assert len(files_in(folder)) == 2  # written at once, so that a full disk is known before the commit
        db.session.rollback()
        assert files_in(folder) == []
    assert count_rows(app) == (0, 0)


def test_a_failed_commit_leaves_no_file(app, world, concern_id, folder):
    """The caller's own change fails at commit (here a duplicate client UUID): the photo's files go too."""
    with app.test_request_context():
        concern = db.session.get(Concern, concern_id)
        taken = concern.client_uuid
        store_photo(upload(jpeg_bytes()), uploaded_by=concern.created_by, concern=concern)
        other = db.session.get(Concern, _another_concern(app, world))
        other.client_uuid = taken
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert files_in(folder) == []
    assert count_rows(app) == (0, 0)


def _another_concern(app, world) -> int:
    from tracker.concerns.logic import new_concern
    from tracker.models import Category

    concern = new_concern(
        db.session.get(User, world.official_bl),
        db.session.get(Village, world.hua_na),
        db.session.get(Category, world.electricity),
        "Đường trơn",
    )
    db.session.flush()
    return concern.id


def test_a_session_closed_without_commit_leaves_no_file(app, world, concern_id, folder):
    with app.test_request_context():
        concern = db.session.get(Concern, concern_id)
        store_photo(upload(jpeg_bytes()), uploaded_by=concern.created_by, concern=concern)
        assert files_in(folder)
    # The end of the request removes the session without a commit, as when a view raised.
    assert files_in(folder) == []
    assert count_rows(app) == (0, 0)


def test_a_rolled_back_savepoint_removes_only_its_own_files(app, world, visit_id, folder):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        kept = store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit)
        savepoint = db.session.begin_nested()
        store_photo(upload(jpeg_bytes(color=(1, 2, 3))), uploaded_by=visit.created_by, visit=visit)
        assert len(files_in(folder)) == 4
        savepoint.rollback()
        assert files_in(folder) == sorted([kept.stored_name, kept.thumbnail_name])
        released = db.session.begin_nested()
        also_kept = store_photo(upload(jpeg_bytes(color=(9, 9, 9))), uploaded_by=visit.created_by, visit=visit)
        released.commit()
        db.session.commit()
        names = [kept.stored_name, kept.thumbnail_name, also_kept.stored_name, also_kept.thumbnail_name]
        assert files_in(folder) == sorted(names)
    assert count_rows(app) == (2, 0)


def test_committed_files_stay(app, world, visit_id, folder):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit)
        db.session.commit()
        db.session.rollback()  # a later rollback does not touch what was committed
    assert len(files_in(folder)) == 2


def test_discard_unsaved_files_deletes_them_at_once(app, world, visit_id, folder):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit)
        assert discard_unsaved_files() == 2
        assert files_in(folder) == []
        db.session.rollback()


def test_the_same_client_uuid_stores_the_photo_once(app, world, visit_id, folder):
    key = str(uuid.uuid4())
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        first = store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit, client_uuid=key)
        db.session.commit()
        again = store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit, client_uuid=key)
        assert again.id == first.id
        db.session.commit()
    assert len(files_in(folder)) == 2
    assert count_rows(app) == (1, 0)


# --- Evidence ------------------------------------------------------------------------------------------------


def test_has_evidence_counts_only_photos_marked_as_evidence(app, world, concern_id):
    with app.test_request_context():
        concern = db.session.get(Concern, concern_id)
        assert concern.category.requires_evidence  # housing
        assert not has_evidence(concern)
        store_photo(upload(jpeg_bytes()), uploaded_by=concern.created_by, concern=concern)
        assert not has_evidence(concern)  # a photo of the problem is not proof it was solved
        store_photo(upload(jpeg_bytes()), uploaded_by=concern.created_by, concern=concern, is_evidence=True)
        assert has_evidence(concern)  # before the commit too, for the resolve form
        db.session.commit()
    with app.app_context():
        assert has_evidence(db.session.get(Concern, concern_id))


# --- From the phone: the forms and the routes ----------------------------------------------------------------


def photo_form(*files, **fields) -> dict:
    """The photo form's fields: ``files`` as (bytes, filename) pairs in the camera and the files inputs."""
    data = {"upload_uuid": str(uuid.uuid4()), **fields}
    data["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return data


def test_an_official_adds_a_photo_to_a_visit_and_sees_its_thumbnail(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    page = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and f'action="/visits/{visit_id}/photos"' in page
    assert 'accept="image/*" capture="environment"' in page and "No photos yet." in page

    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((jpeg_bytes(exif=gps_exif()), "IMG_1.jpg")))
    assert response.status_code == 302 and response.headers["Location"] == f"/visits/{visit_id}#photos"
    page = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert "1 photo added." in page
    with app.app_context():
        attachment = db.session.scalar(sa.select(Attachment))
        assert attachment.visit_id == visit_id and attachment.uploaded_by_id == world.official_bl
        visit = db.session.get(Visit, visit_id)
        assert (visit.latitude, visit.longitude) == pytest.approx(HUA_CHAN, abs=1e-6)
    assert f'<a href="/photos/{attachment.id}">' in page
    assert f'src="/photos/{attachment.id}/thumbnail"' in page and 'alt="Photo 1 of 1: open it full size"' in page

    thumb = client.get(f"/photos/{attachment.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Cache-Control"].startswith("private")
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.width == 320
    full = client.get(f"/photos/{attachment.id}")
    assert (
        full.status_code == 200
        and full.mimetype == "image/jpeg"
        and full.data == (folder / attachment.stored_name).read_bytes()
    )
    assert full.headers["Cache-Control"].startswith("private") and b"Exif" not in full.data


def test_several_photos_at_once_and_evidence_on_a_concern(app, client, auth, world, concern_id):
    auth.login("official.bunglao")
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert f'action="/concerns/{concern_id}/photos"' in page and 'name="is_evidence"' in page
    assert "needs a photo or document as evidence" in page  # housing
    form = photo_form((jpeg_bytes(), "a.jpg"), (png_bytes(), "b.png"), (webp_bytes(), "c.webp"), is_evidence="y")
    response = client.post(f"/concerns/{concern_id}/photos", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "3 photos added." in page and page.count('class="badge evidence"') == 3
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert [a.content_type for a in concern.attachments] == ["image/jpeg", "image/png", "image/webp"]
        assert has_evidence(concern)
        events = [e for e in concern.events if e.kind == "attachment"]
        assert [e.new_value for e in events] == [str(a.id) for a in concern.attachments]
        assert not any(e.public for e in events)
    # On the timeline (the offline app's strings, a JSON block on every page, name the event kinds too).
    timeline = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    assert timeline.count("Photo or document added") == 3


def test_the_same_form_sent_twice_stores_its_photos_once(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    key = str(uuid.uuid4())
    for _ in range(2):
        form = photo_form((jpeg_bytes(), "a.jpg"), (jpeg_bytes(color=(1, 1, 1)), "b.jpg"), upload_uuid=key)
        assert client.post(f"/visits/{visit_id}/photos", data=form).status_code == 302
    assert count_rows(app) == (2, 0)
    assert len(files_in(folder)) == 4


@pytest.mark.parametrize(
    "kind", ["a text file named .jpg", "a truncated JPEG", "a decompression bomb", "an empty file"]
)
def test_a_bad_upload_from_the_phone_shows_its_message_and_stores_nothing(client, auth, world, visit_id, folder, kind):
    make, message = BAD_UPLOADS[kind]
    auth.login("official.bunglao")
    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((make(), "IMG_2.jpg")))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page and f'action="/visits/{visit_id}/photos"' in page
    assert files_in(folder) == []
    assert count_rows(client.application) == (0, 0)


def test_one_bad_photo_among_several_stores_none_and_names_it(app, client, auth, world, concern_id, folder):
    auth.login("official.bunglao")
    form = photo_form((jpeg_bytes(), "good.jpg"), (png_bytes(), "good.png"), (b"notes", "notes.jpg"))
    response = client.post(f"/concerns/{concern_id}/photos", data=form)
    assert response.status_code == 422
    assert "File “notes.jpg”: This file is not a photo." in response.get_data(as_text=True)
    assert files_in(folder) == []  # the two good ones were written, then deleted with the rollback
    assert count_rows(app) == (0, 0)


def test_no_photo_chosen(client, auth, world, visit_id):
    auth.login("official.bunglao")
    response = client.post(f"/visits/{visit_id}/photos", data={"upload_uuid": str(uuid.uuid4())})
    assert response.status_code == 422 and "Choose a photo to add." in response.get_data(as_text=True)


def test_too_many_photos_at_once(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    form = photo_form(*[(jpeg_bytes((40, 40)), f"{i}.jpg") for i in range(6)])
    response = client.post(f"/visits/{visit_id}/photos", data=form)
    assert response.status_code == 422 and "At most 5 photos at once." in response.get_data(as_text=True)
    assert files_in(folder) == [] and count_rows(app) == (0, 0)


def test_a_50_mb_file_is_refused(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    huge = BAD_UPLOADS["a 50 MB file"][0]()
    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((huge, "huge.jpg")))
    assert response.status_code == 422 and "This photo is too large: at most 10 MB." in response.get_data(as_text=True)
    assert files_in(folder) == [] and count_rows(app) == (0, 0)


def test_more_than_the_form_may_carry_is_answered_413_with_the_limits(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    big = bytes(30 * 1024 * 1024)
    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((big, "a.jpg"), (big, "b.jpg")))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "at most 5 photos of 10 MB each at once" in page
    assert f'action="/visits/{visit_id}/photos"' in page  # the form again, to send fewer
    assert files_in(folder) == [] and count_rows(app) == (0, 0)
    # Elsewhere, the app's limit (one photo and its form) and the plain error page.
    response = client.post("/visits/new", data={"notes": "x", "photo": (io.BytesIO(bytes(12 * 1024 * 1024)), "a.jpg")})
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_another_communes_photo_answers_404(app, client, auth, world, visit_id, concern_id):
    with app.test_request_context():
        official = db.session.get(User, world.official_bl)
        on_visit = store_photo(upload(jpeg_bytes()), uploaded_by=official, visit=db.session.get(Visit, visit_id))
        concern = db.session.get(Concern, concern_id)
        on_concern = store_photo(upload(jpeg_bytes()), uploaded_by=official, concern=concern)
        db.session.commit()
        ids = [on_visit.id, on_concern.id]
    auth.login("official.quaito")
    for attachment_id in ids:
        assert client.get(f"/photos/{attachment_id}").status_code == 404
        assert client.get(f"/photos/{attachment_id}/thumbnail").status_code == 404
    assert client.get("/photos/999999").status_code == 404
    assert client.post(f"/visits/{visit_id}/photos", data=photo_form((jpeg_bytes(), "a.jpg"))).status_code == 404
    assert client.post(f"/concerns/{concern_id}/photos", data=photo_form((jpeg_bytes(), "a.jpg"))).status_code == 404
    assert count_rows(app) == (2, 1)
    auth.logout()
    for username in ("official.bunglao", "supervisor.bunglao", "supervisor.province", "admin"):
        auth.login(username)
        assert all(client.get(f"/photos/{i}/thumbnail").status_code == 200 for i in ids), username
        auth.logout()


def test_signed_out_is_sent_to_sign_in(app, client, world, visit_id):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        attachment = store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit)
        db.session.commit()
        attachment_id = attachment.id
    for path in (f"/photos/{attachment_id}", f"/photos/{attachment_id}/thumbnail", f"/visits/{visit_id}/photos"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((jpeg_bytes(), "a.jpg")))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count_rows(app) == (1, 0)


def test_a_missing_file_answers_404(app, client, auth, world, visit_id, folder):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        attachment = store_photo(upload(jpeg_bytes()), uploaded_by=visit.created_by, visit=visit)
        db.session.commit()
        attachment_id, name = attachment.id, attachment.stored_name
    (folder / name).unlink()
    auth.login("official.bunglao")
    assert client.get(f"/photos/{attachment_id}").status_code == 404


def test_the_photo_form_needs_its_csrf_token(app, client, auth, world, visit_id, folder):
    auth.login("official.bunglao")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/visits/{visit_id}/photos", data=photo_form((jpeg_bytes(), "a.jpg")))
    assert response.status_code == 400 and "The form had expired" in response.get_data(as_text=True)
    assert files_in(folder) == [] and count_rows(app) == (0, 0)


def test_the_upload_page_works_on_its_own(client, auth, world, visit_id, concern_id):
    auth.login("official.bunglao")
    page = client.get(f"/visits/{visit_id}/photos").get_data(as_text=True)
    assert "<h1>Add photos</h1>" in page and "Visit to Hua Chăn" in page and 'name="is_evidence"' not in page
    page = client.get(f"/concerns/{concern_id}/photos").get_data(as_text=True)
    assert "<h1>Add photos</h1>" in page and 'name="is_evidence"' in page
