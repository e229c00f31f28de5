"""Fixtures: an app per database, a client, a CLI runner, a sign-in helper and small factories.

Every test that takes ``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set, once more on
PostgreSQL. The schema is built once per database by the Alembic migrations (so the tests also prove the
migrations build what the models describe); each test starts from empty tables and leaves them empty.
"""

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestConfig, _database_url
from tracker import create_app
from tracker.concerns.logic import new_concern
from tracker.extensions import db
from tracker.models import Category, Commune, User, Village
from tracker.passwords import hash_password
from tracker.places import ensure_default_categories, load_communes

PASSWORD = "correct-horse-battery"
# Hashing with argon2 takes a while on purpose: hash the test password once (as the tests' config does).
with create_app(TestConfig).app_context():
    PASSWORD_HASH = hash_password(PASSWORD)

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

BUNG_LAO = "03301"
QUAI_TO = "03295"


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per test process and shared by every test's app (each test has an app of its own,
    which would otherwise compile every template it renders again). Jinja checks each template's source against
    the checksum it was compiled from, so an edited template is compiled again."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def make_app(database_url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


_PLACES: dict[str, list[tuple[sa.Table, list[dict]]]] = {}


def load_places(database_url: str) -> None:
    """The province's communes (``load_communes``) and the default categories (``ensure_default_categories``).

    Loaded by those functions for a database's first test, and read back; every later test gets the same rows
    in one INSERT per table (the register is not walked again). Their ids come from the database, as before.
    """
    if database_url not in _PLACES:
        load_communes(11)
        ensure_default_categories()
        _PLACES[database_url] = [
            (table, [dict(row) for row in db.session.execute(_without_id(table).order_by(table.c.id)).mappings()])
            for table in (Commune.__table__, Category.__table__)
        ]
        return
    for table, rows in _PLACES[database_url]:
        db.session.execute(table.insert(), rows)
    db.session.commit()


def _without_id(table: sa.Table) -> sa.Select:
    return sa.select(*(column for column in table.c if column.name != "id"))


def empty_all_tables() -> None:
    # DELETE rather than TRUNCATE: the tables of a test hold a few rows, and PostgreSQL's TRUNCATE (new files for
    # every table and index) takes about 0.3 s where these deletes take under 10 ms.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (``test_gw0``, ``test_gw1``, …),
    made next to TEST_DATABASE_URL's on first use, so that workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def _sqlite_folder(tmp_path_factory):
    """Where the SQLite test database lives: in memory-backed /dev/shm where there is one (the same SQLite file,
    without waiting for the disk at each commit), else in pytest's temporary folder."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("db")
        return
    folder = Path(tempfile.mkdtemp(prefix="tracker-tests-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """A database with the schema built by the migrations: a SQLite file, or TEST_DATABASE_URL."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{stack.enter_context(_sqlite_folder(tmp_path_factory)) / 'test.sqlite'}"
        else:
            url = _worker_database(_database_url(os.environ["TEST_DATABASE_URL"]))
        app = make_app(url)
        with app.app_context():
            # Start from nothing, whatever an earlier run left behind.
            if sa.inspect(db.engine).has_table("alembic_version"):
                downgrade(revision="base")
            db.drop_all()
            upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url)
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")  # photos of a test never reach instance/
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")  # nor village spreadsheets
    with app.app_context():
        load_places(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser that asks for English, so that tests read the source messages; test_i18n checks Vietnamese."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD, follow_redirects: bool = False):
        return self._client.post(
            "/login", data={"username": username, "password": password}, follow_redirects=follow_redirects
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- Factories ------------------------------------------------------------------------------------------


@dataclass
class Factory:
    """Makes records inside the app's context and returns their ids (objects would outlive their session).

    Each record is committed on its own; inside ``with factory.together():`` the records share one session and
    one commit at the end (the ``world`` fixture's eleven records).
    """

    app: object
    _together: bool = field(default=False, repr=False)

    @contextlib.contextmanager
    def together(self):
        with self.app.app_context():
            self._together = True
            try:
                yield self
                db.session.commit()
            finally:
                self._together = False

    @contextlib.contextmanager
    def _session(self):
        """Where a record is made: the shared session of ``together``, or an app context and a commit of its own."""
        if self._together:
            yield
            return
        with self.app.app_context():
            yield
            db.session.commit()

    def commune_id(self, code: str) -> int:
        with self._session():
            return db.session.scalar(sa.select(Commune.id).where(Commune.code == code))

    def category_id(self, code: str = "electricity") -> int:
        with self._session():
            return db.session.scalar(sa.select(Category.id).where(Category.code == code))

    def village(self, name: str, commune_code: str = BUNG_LAO, **values) -> int:
        with self._session():
            commune = db.session.scalar(sa.select(Commune).where(Commune.code == commune_code))
            village = Village(name=name, commune=commune, **values)
            db.session.add(village)
            db.session.flush()
            return village.id

    def user(self, username: str, role: str = "official", commune_code: str | None = BUNG_LAO, **values) -> int:
        with self._session():
            commune = (
                db.session.scalar(sa.select(Commune).where(Commune.code == commune_code)) if commune_code else None
            )
            user = User(
                username=username,
                full_name=values.pop("full_name", username.replace(".", " ").title()),
                role=role,
                commune=commune,
                password_hash=PASSWORD_HASH,
                **values,
            )
            db.session.add(user)
            db.session.flush()
            return user.id

    def concern(
        self,
        village_id: int,
        author_id: int,
        title: str = "Cuối bản chưa có điện",
        category: str = "electricity",
        **values,
    ) -> int:
        """A concern raised by ``author_id`` (through the same function the visit form uses)."""
        with self.app.app_context():
            concern = new_concern(
                db.session.get(User, author_id),
                db.session.get(Village, village_id),
                db.session.scalar(sa.select(Category).where(Category.code == category)),
                title,
                **values,
            )
            db.session.commit()
            return concern.id


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture
def world(factory):
    """Two communes with villages and the five kinds of user of the demo."""
    with factory.together():
        return SimpleNamespace(
            hua_chan=factory.village("Hua Chăn", BUNG_LAO, former_commune="Ẳng Tở", households=96, distance_km=11.5),
            hua_na=factory.village("Hua Nạ", BUNG_LAO),
            hua_sa_a=factory.village("Hua Sa A", QUAI_TO, distance_km=12.4),
            official_bl=factory.user("official.bunglao", "official", BUNG_LAO, full_name="Lò Văn Minh"),
            colleague_bl=factory.user("colleague.bunglao", "official", BUNG_LAO, full_name="Cà Thị Lả"),
            official_qt=factory.user("official.quaito", "official", QUAI_TO, full_name="Quàng Thị Hoa"),
            supervisor_bl=factory.user("supervisor.bunglao", "supervisor", BUNG_LAO, full_name="Tòng Văn Hải"),
            supervisor_province=factory.user("supervisor.province", "supervisor", None, full_name="Nguyễn Thị Lan"),
            admin=factory.user("admin", "admin", None, full_name="Trần Quốc Bảo"),
            electricity=factory.category_id("electricity"),
            housing=factory.category_id("housing"),
        )
