"""What keeps pages light on a phone with a weak signal: compressed answers and static files cached for good.

- Every text answer (pages, CSS, JavaScript, JSON, SVG) is compressed with Brotli or gzip, whichever the
  browser accepts (Flask-Compress, bound in :func:`tracker.register_extensions`).
- ``url_for('static', filename=…)`` adds ``?v=`` and a hash of the file's content. A static file asked for
  with its current hash is sent with ``Cache-Control: public, max-age=31536000, immutable``: the phone keeps
  it and never asks again; a new version of the file has a new address. Asked for without the hash (or with
  an old one), it must be revalidated (``no-cache``: an ETag round trip, answered 304 when unchanged).
"""

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request

LONG_CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=512)
def _hash(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def static_version(filename: str) -> str | None:
    """A short hash of the static file's content (re-read when the file changes), or None if there is none."""
    folder = current_app.static_folder
    path = os.path.normpath(os.path.join(folder, filename))
    if not path.startswith(os.path.normpath(folder) + os.sep):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _hash(path, stat.st_mtime_ns, stat.st_size)


def _version_static_urls(endpoint: str, values: dict) -> None:
    filename = values.get("filename") if endpoint == "static" and "v" not in values else None
    if filename and (version := static_version(filename)):
        values["v"] = version


def _cache_static_files(response):
    if request.endpoint == "static" and response.status_code in (200, 304):
        version = request.args.get("v")
        if version and version == static_version(request.view_args.get("filename", "")):
            response.headers["Cache-Control"] = LONG_CACHE
        else:
            response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.url_defaults(_version_static_urls)
    app.after_request(_cache_static_files)
