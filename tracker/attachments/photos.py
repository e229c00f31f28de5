"""Photos of visits and concerns: checked, re-encoded without metadata, stored by a random name.

A photo is accepted only if Pillow reads it, whole, as a JPEG, PNG or WebP image of at most
``MAX_PHOTO_BYTES`` and ``MAX_PHOTO_PIXELS``: what the file is called and what the phone says it is do not
count. It is then re-encoded in its own format (EXIF dropped, GPS included, after its orientation has been
applied and its GPS point read into the visit if the visit has none), scaled down to ``STORED_MAX_EDGE``
pixels on its long side, and stored under ``UPLOAD_FOLDER`` with a JPEG thumbnail, both by names made with
:func:`secrets.token_urlsafe`. Nothing the client sent is used to name or find a file.

No file outlives a transaction that was not committed. :func:`store_photo` writes its two files at once
(so that a failure to write is known before the caller commits) and registers them with the current
session as *unsaved*:

* when the session commits, they become the files of committed rows and are left alone;
* when the session rolls back, or is closed without committing (the end of a request that failed), they
  are deleted; a rolled-back savepoint (``begin_nested``) deletes the files written inside it.

This is done by the SQLAlchemy session events at the bottom of this module, for every session, so a
caller only has to commit or roll back as usual. :func:`discard_unsaved_files` deletes them at once, for a
caller who gives the transaction up and wants the disk clean before the session ends.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import secrets
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image, ImageOps
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..localtime import utcnow
from ..models import Attachment, Concern, ConcernEvent, User, Visit
from ..visits.forms import VIETNAM_LATITUDE, VIETNAM_LONGITUDE

# Pillow's own guard against decompression bombs, at our limit: a larger image warns (turned into an error
# below) and one twice as large is refused by Pillow outright. The explicit check in _decode also applies
# the app's configured MAX_PHOTO_PIXELS.
Image.MAX_IMAGE_PIXELS = 40_000_000

# What Pillow says the image is → how it is stored. A phone's JPEG with a depth map opens as MPO.
FORMATS = {
    "JPEG": ("JPEG", "image/jpeg", ".jpg"),
    "MPO": ("JPEG", "image/jpeg", ".jpg"),
    "PNG": ("PNG", "image/png", ".png"),
    "WEBP": ("WEBP", "image/webp", ".webp"),
}
STORED_MAX_EDGE = 2560  # plenty to read a meter or see a roof; a fraction of the bytes on a weak signal
THUMBNAIL_BOX = (320, 640)  # 320 px wide; a tall panorama is capped at 640 px high
THUMBNAIL_CONTENT_TYPE = "image/jpeg"
# The names this module makes: nothing else is ever opened from the upload folder.
NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

NO_FILE = _l("Choose a photo to add.")
EMPTY = _l("The file is empty. Choose the photo again.")
NOT_A_PHOTO = _l("This file is not a photo. Send a JPEG, PNG or WebP image.")
DAMAGED = _l("This photo is damaged or incomplete (perhaps cut off by a weak signal). Send it again.")


class PhotoRejected(ValueError):  # noqa: N818 (the name the callers use)
    """str(error) is the translated message to show next to the file field."""


@dataclass
class EncodedPhoto:
    """A photo as it will be stored: the re-encoded bytes, its thumbnail, and what was read from it."""

    data: bytes
    thumbnail: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    gps: tuple[float, float] | None


# --- Storing ---------------------------------------------------------------------------------------------


def store_photo(
    file: FileStorage,
    *,
    uploaded_by: User,
    concern: Concern | None = None,
    visit: Visit | None = None,
    is_evidence: bool = False,
    client_uuid: str | None = None,
) -> Attachment:
    """Check, re-encode and store an uploaded photo; add its Attachment (and, for a concern, an 'attachment'
    ConcernEvent in the same session) to db.session WITHOUT committing. Raises PhotoRejected, writing nothing.

    The photo's GPS point fills in the location of the visit (``visit``, or the visit ``concern`` was raised
    at) when that visit has none and the point is in Vietnam. The event is internal (not public); its
    ``new_value`` is the attachment's id, filled in when the session flushes.

    ``client_uuid`` makes a retry harmless: if an attachment of the same visit or concern already has it,
    that attachment is returned and nothing is written.

    The files are written now and deleted again if the session does not commit (see the module's
    docstring). The caller commits.

    :raise PhotoRejected: the upload is missing, empty, too large, not a JPEG/PNG/WebP image, has too many
        pixels, or cannot be read whole. Nothing is written to the disk or added to the session then.
    :raise ValueError: if neither ``concern`` nor ``visit`` is given (a programming error).
    """
    if concern is None and visit is None:
        raise ValueError("store_photo needs a concern or a visit")
    if client_uuid:
        with db.session.no_autoflush:
            existing = db.session.scalar(sa.select(Attachment).where(Attachment.client_uuid == client_uuid))
        if existing is not None:
            if _same_owner(existing, concern, visit):
                return existing
            client_uuid = None  # someone else's key: store the photo, without claiming the key

    photo = encode_photo(_read_upload(file))
    now = utcnow()
    token = secrets.token_urlsafe(18)
    attachment = Attachment(
        concern=concern,
        visit=visit,
        client_uuid=client_uuid or None,
        stored_name=f"{token}{photo.extension}",
        thumbnail_name=f"{token}.thumb.jpg",
        content_type=photo.content_type,
        size_bytes=len(photo.data),
        width=photo.width,
        height=photo.height,
        original_filename=(file.filename or "")[:255] or None,
        is_evidence=is_evidence,
        uploaded_by=uploaded_by,
        created_at=now,
    )
    db.session.add(attachment)
    if concern is not None:
        event = ConcernEvent(author=uploaded_by, kind="attachment", public=False, created_at=now)
        concern.events.append(event)
        _session_list(db.session(), EVENTS_KEY).append((attachment, event))

    _fill_visit_location(visit or (concern.visit if concern is not None else None), photo.gps)
    _write_unsaved(attachment.stored_name, photo.data)
    _write_unsaved(attachment.thumbnail_name, photo.thumbnail)
    return attachment


def _same_owner(attachment: Attachment, concern: Concern | None, visit: Visit | None) -> bool:
    if concern is not None and attachment.concern_id != concern.id:
        return False
    return visit is None or attachment.visit_id == visit.id


def add_photos(
    files: list[FileStorage],
    *,
    uploaded_by: User,
    concern: Concern | None = None,
    visit: Visit | None = None,
    is_evidence: bool = False,
    upload_uuid: str | None = None,
) -> list[Attachment]:
    """Store several photos sent in one form, all or none (the caller commits, or rolls back on error).

    ``upload_uuid`` is the form's own UUID: each photo's client UUID is derived from it and its place in
    the form, so that the same form sent twice stores its photos once.

    :raise PhotoRejected: no photo, too many, or one of them refused (its message then names the file).
    """
    files = [f for f in files if f is not None and f.filename]
    if not files:
        raise PhotoRejected(NO_FILE)
    most = current_app.config["MAX_PHOTOS_PER_UPLOAD"]
    if len(files) > most:
        raise PhotoRejected(_l("At most %(num)d photos at once.", num=most))
    base = _uuid_or_none(upload_uuid)
    stored = []
    for index, file in enumerate(files):
        client_uuid = str(uuid.uuid5(base, str(index))) if base else None
        try:
            stored.append(
                store_photo(
                    file,
                    uploaded_by=uploaded_by,
                    concern=concern,
                    visit=visit,
                    is_evidence=is_evidence,
                    client_uuid=client_uuid,
                )
            )
        except PhotoRejected as error:
            if len(files) == 1:
                raise
            raise PhotoRejected(
                _l("File “%(name)s”: %(problem)s", name=_short_name(file.filename), problem=error.args[0])
            ) from error
    return stored


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _short_name(name: str | None, length: int = 60) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    return name if len(name) <= length else name[: length - 1] + "…"


# --- Checking and re-encoding ----------------------------------------------------------------------------


def _read_upload(file: FileStorage | None) -> bytes:
    """The upload's bytes, read no further than one byte over the limit. :raise PhotoRejected:"""
    if file is None or (not file.filename and not file.content_length):
        raise PhotoRejected(NO_FILE)
    limit = current_app.config["MAX_PHOTO_BYTES"]
    with contextlib.suppress(AttributeError, OSError, ValueError):  # a stream that cannot seek: read on
        file.stream.seek(0)
    data = file.stream.read(limit + 1)
    if not data:
        raise PhotoRejected(EMPTY)
    if len(data) > limit:
        raise PhotoRejected(_l("This photo is too large: at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    return data


def encode_photo(data: bytes) -> EncodedPhoto:
    """Decode ``data`` whole, and re-encode it without metadata, with its thumbnail.

    :raise PhotoRejected: not a JPEG/PNG/WebP image, too many pixels (a decompression bomb among them), or
        damaged (truncated, corrupt).
    """
    image = _decode(data)
    gps = gps_point(image)
    out_format, content_type, extension = FORMATS[image.format]
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)  # upright before the orientation tag is dropped with the EXIF
    converted = _convert_for(out_format, image)
    if converted is not image:
        icc_profile = None  # the profile described the old colour model
    image = converted
    image.thumbnail((STORED_MAX_EDGE, STORED_MAX_EDGE), Image.Resampling.LANCZOS)
    image.info = {}  # no EXIF, XMP or text chunk travels on with the pixels

    options = {"icc_profile": icc_profile} if icc_profile else {}
    if out_format == "JPEG":
        options.update(quality=85, optimize=True, progressive=True)
    elif out_format == "WEBP":
        options.update(quality=85)
    else:
        options.update(optimize=True)
    buffer = io.BytesIO()
    image.save(buffer, out_format, **options)

    thumb = _flatten(image) if image.mode not in ("RGB", "L") else image.copy()
    thumb.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    thumb_buffer = io.BytesIO()
    thumb.save(thumb_buffer, "JPEG", quality=80, optimize=True)

    return EncodedPhoto(
        data=buffer.getvalue(),
        thumbnail=thumb_buffer.getvalue(),
        format=out_format,
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
        gps=gps,
    )


def _decode(data: bytes) -> Image.Image:
    """Open ``data`` as a JPEG, PNG or WebP image and load all of it. :raise PhotoRejected:"""
    max_pixels = current_app.config["MAX_PHOTO_PIXELS"]
    too_many_pixels = PhotoRejected(
        _l("This photo has too many pixels: at most %(num)d megapixels.", num=max_pixels // 1_000_000)
    )
    with warnings.catch_warnings():
        # Pillow warns about an image over MAX_IMAGE_PIXELS and refuses one twice as large: both refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"])  # MPO opens as JPEG
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:  # Pillow raises many kinds of error for what is not an image it knows
            raise PhotoRejected(NOT_A_PHOTO) from None
        if image.format not in FORMATS:
            raise PhotoRejected(NOT_A_PHOTO)
        if image.width * image.height > max_pixels:
            raise too_many_pixels
        if image.format in ("JPEG", "MPO"):
            # Decode a big JPEG at 1/2, 1/4 or 1/8 scale when that still covers the stored size: far less
            # memory and time. The whole file is still read, so a cut-off one is still caught.
            image.draft(None, (STORED_MAX_EDGE, STORED_MAX_EDGE))
        try:
            image.load()  # the whole image: a truncated or corrupt file fails here, not later
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:
            raise PhotoRejected(DAMAGED) from None
    return image


def _convert_for(out_format: str, image: Image.Image) -> Image.Image:
    """The image in a mode its format stores well (the same object if it already is)."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if out_format == "JPEG":
        return image if image.mode in ("RGB", "L") else _flatten(image)
    if out_format == "PNG":
        if image.mode in ("RGB", "RGBA", "L", "LA"):
            return image
        return image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB copy of ``image``, transparent parts on white."""
    if "A" not in image.getbands() and "transparency" not in image.info:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


# --- The photo's GPS point -------------------------------------------------------------------------------


def gps_point(image: Image.Image) -> tuple[float, float] | None:
    """The ``(latitude, longitude)`` in the image's EXIF, if there is one and it lies in Vietnam, else None.

    EXIF keeps each coordinate as degrees, minutes and seconds (rationals) with a reference letter:
    S and W are negative.
    """
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    except Exception:  # a damaged EXIF block: there is no usable point, the photo itself is fine
        return None
    if latitude is None or longitude is None:
        return None
    if not (
        VIETNAM_LATITUDE[0] <= latitude <= VIETNAM_LATITUDE[1]
        and VIETNAM_LONGITUDE[0] <= longitude <= VIETNAM_LONGITUDE[1]
    ):
        return None
    return round(latitude, 6), round(longitude, 6)


def _degrees(value, reference, negative: str) -> float | None:
    """Decimal degrees from EXIF's (degrees, minutes, seconds) and its N/S/E/W reference."""
    if value is None:
        return None
    parts = [float(part) for part in (value if isinstance(value, tuple | list) else (value,))][:3]
    if not parts or not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = sum(part / 60**i for i, part in enumerate(parts))
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    if str(reference or "").strip("\x00 ").upper() == negative:
        degrees = -degrees
    return degrees


def _fill_visit_location(visit: Visit | None, gps: tuple[float, float] | None) -> None:
    """Give ``visit`` the photo's point if it has no location of its own."""
    if visit is None or gps is None or visit.latitude is not None or visit.longitude is not None:
        return
    visit.latitude, visit.longitude = gps


# --- Files on disk ---------------------------------------------------------------------------------------

PENDING_KEY = "tracker.attachments.unsaved_files"
EVENTS_KEY = "tracker.attachments.events_to_number"


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def stored_path(name: str) -> Path:
    """The path of a stored file, from a name this module made. :raise ValueError: for any other name."""
    if not name or name.startswith(".") or not set(name) <= NAME_CHARACTERS or ".." in name:
        raise ValueError(f"not a stored file name: {name!r}")
    return upload_folder() / name


def _session_list(session: so.Session, key: str) -> list:
    return session.info.setdefault(key, [])


def _write_unsaved(name: str, data: bytes) -> None:
    """Write a file and register it as unsaved until the current session commits."""
    session = db.session()
    path = stored_path(name)
    # Tagged with the savepoint it is written in (None: the outer transaction), for a savepoint's rollback.
    _session_list(session, PENDING_KEY).append((session.get_nested_transaction(), path))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{name}.part")
    try:
        with open(partial, "xb") as f:
            f.write(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def discard_unsaved_files(session: so.Session | None = None) -> int:
    """Delete now the files written for the session's transaction that has not been committed.

    For a caller who gives the transaction up; rolling back or closing the session does the same. Call it
    only when the transaction will not be committed: rows added by :func:`store_photo` would name missing
    files. :return: how many files were deleted.
    """
    session = session if session is not None else db.session()
    pending = session.info.pop(PENDING_KEY, [])
    return _delete(path for _, path in pending)


def _delete(paths) -> int:
    count = 0
    for path in paths:
        try:
            path.unlink()
            count += 1
        except FileNotFoundError:
            pass
    return count


@sa.event.listens_for(so.Session, "after_flush_postexec")
def _number_attachment_events(session, flush_context) -> None:
    """Give each 'attachment' event its attachment's id, known once the attachment is inserted."""
    waiting = session.info.get(EVENTS_KEY)
    if not waiting:
        return
    still = []
    for attachment, event in waiting:
        if attachment.id is None:
            still.append((attachment, event))
        elif event.new_value is None:
            event.new_value = str(attachment.id)  # written by the next flush (commit flushes until clean)
    session.info[EVENTS_KEY] = still


@sa.event.listens_for(so.Session, "after_commit")
def _keep_committed_files(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    session.info.pop(PENDING_KEY, None)
    session.info.pop(EVENTS_KEY, None)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _delete_rolled_back_files(session, previous_transaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if not previous_transaction.nested:
        discard_unsaved_files(session)
        session.info.pop(EVENTS_KEY, None)
        return
    # A savepoint rolled back: only what was written inside it (or inside savepoints within it) goes.
    gone, kept = [], []
    for transaction, path in pending:
        (gone if _within(transaction, previous_transaction) else kept).append((transaction, path))
    session.info[PENDING_KEY] = kept
    _delete(path for _, path in gone)


@sa.event.listens_for(so.Session, "after_transaction_end")
def _delete_files_of_unfinished_transaction(session, transaction) -> None:
    """The outer transaction ended without a commit (closed, or the session removed): its files go."""
    if transaction.parent is None and not transaction.nested:
        discard_unsaved_files(session)
        session.info.pop(EVENTS_KEY, None)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
