"""Configuration classes. ``create_app`` takes one of them (or a mapping of overrides).

Development runs on a SQLite file in ``instance/``; production reads ``DATABASE_URL`` and
``SECRET_KEY`` from the environment and refuses to start without them.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _database_url(url: str) -> str:
    # Accept the common postgres:// and postgresql:// forms and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment, with safe defaults for development."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # development: made and kept in instance/ when unset
    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # The province whose communes are loaded and whose clock counts days and months.
    PROVINCE_CODE = int(os.environ.get("PROVINCE_CODE", "11"))  # Điện Biên
    PROVINCE_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Days from the local day a concern is raised to its due date, by priority.
    DUE_DAYS = {"urgent": 1, "high": 7, "normal": 30}

    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # argon2id, argon2-cffi's recommended parameters
    # Flask-Limiter: in-process counting by default; set a Redis URI in production (redis://127.0.0.1:6379).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Look-ups of a reference code on the public page, per address (Flask-Limiter syntax, ";" between limits).
    TRACK_RATE_LIMIT = os.environ.get("TRACK_RATE_LIMIT", "20 per minute;200 per hour")
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none, trust no header).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    PAGE_SIZE = 20
    MAX_CONCERNS_PER_VISIT = 20
    # Photos of visits and concerns (tracker/attachments/photos.py): kept here under random names.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    MAX_PHOTO_PIXELS = 40_000_000
    MAX_PHOTOS_PER_UPLOAD = 5  # the photo form's requests may carry this many photos
    # Any other request: one photo and its form at most (a larger one is answered 413).
    MAX_CONTENT_LENGTH = MAX_PHOTO_BYTES + 1024 * 1024
    # Village spreadsheets between their preview and its confirmation (tracker/admin/villages_import.py).
    IMPORTS_FOLDER = os.environ.get("IMPORTS_FOLDER", str(INSTANCE_DIR / "imports"))
    WTF_CSRF_TIME_LIMIT = None  # a form opened in a village may be sent hours later
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Sessions end after 8 hours without a request (tracker/security.py); "keep me signed in" lasts 30 days.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # Failed sign-ins, per account and per address (many phones share one carrier address, hence more per
    # address); failed password changes per user. Flask-Limiter syntax; counted in RATELIMIT_STORAGE_URI.
    LOGIN_RATE_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "100 per 15 minutes")
    PASSWORD_CHANGE_RATE_LIMIT = os.environ.get("PASSWORD_CHANGE_RATE_LIMIT", "10 per 15 minutes")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tracker")
    # Requests to the JSON API (/api/v1) per personal API token, signed-in user or address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200 per minute")
    # Redis gone: count in each process meanwhile rather than refuse every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    HSTS = None  # production: Strict-Transport-Security
    HEALTH_STATEMENT_TIMEOUT_MS = 2000  # /healthz gives up on PostgreSQL after this long
    DB_CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL before a request (or /healthz) gives up


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_PROFILE = "CHEAPEST"  # signing in is instant in tests; production uses the default


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = "max-age=31536000; includeSubDomains"

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings production cannot guess."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"Production needs these environment variables: {', '.join(missing)}")


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "test": TestConfig}
