"""``flask backup`` and ``flask restore``: back up, change the data, restore into a new database, find the old data.

On SQLite the restore goes into a new file; on PostgreSQL into a new database named after the test database
with ``_restore`` added (dropped and made again by the test).
"""

import io
import json
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from tests.conftest import make_app
from tracker.attachments.photos import store_photo
from tracker.extensions import db
from tracker.models import Attachment, Concern, User, Village


def jpeg() -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    return FileStorage(buffer, filename="photo.jpg", content_type="image/jpeg")


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database of the same kind as the test's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'tracker.sqlite'}"
        return
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_restore"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_a_backup_restores_into_a_new_database_with_its_photos(app, runner, world, factory, tmp_path, fresh_url):
    concern_id = factory.concern(world.hua_chan, world.official_bl, title="Đường vào bản bị sạt lở")
    with app.test_request_context():
        photo = store_photo(
            jpeg(), uploaded_by=db.session.get(User, world.official_bl), concern=db.session.get(Concern, concern_id)
        )
        db.session.commit()
        photo_name, photo_bytes = (
            photo.stored_name,
            (Path(app.config["UPLOAD_FOLDER"]) / photo.stored_name).read_bytes(),
        )

    output = tmp_path / "backups" / "tracker.tar"
    result = runner.invoke(args=["backup", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Backup of the" in result.output
    with tarfile.open(output) as archive:
        names = archive.getnames()
        info = json.load(archive.extractfile("backup.json"))
    database_member = (
        "database.sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "database.dump"
    )
    assert database_member in names and f"uploads/{photo_name}" in names
    assert info["migration"] and info["photos"] == 2  # the photo and its thumbnail

    # After the backup: a title changed, a village added, the photo's file lost.
    with app.app_context():
        db.session.get(Concern, concern_id).title = "Changed after the backup"
        db.session.add(Village(name="Bản mới", commune_id=factory.commune_id("03301")))
        db.session.commit()
    (Path(app.config["UPLOAD_FOLDER"]) / photo_name).unlink()

    # Restoring into the database in use is refused: it is not empty.
    refused = runner.invoke(args=["restore", "--input", str(output)])
    assert refused.exit_code != 0 and "not empty" in refused.output

    restored = make_app(fresh_url)
    restored.config["UPLOAD_FOLDER"] = str(tmp_path / "restored-uploads")
    result = restored.test_cli_runner().invoke(args=["restore", "--input", str(output)])
    assert result.exit_code == 0, result.output
    with restored.app_context():
        assert db.session.get(Concern, concern_id).title == "Đường vào bản bị sạt lở"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Village).where(Village.name == "Bản mới")) == 0
        assert db.session.scalar(sa.select(User.full_name).where(User.username == "official.bunglao")) == "Lò Văn Minh"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == info["migration"]
        # The restored database takes new rows (its sequences came along).
        db.session.add(Village(name="Bản sau khôi phục", commune_id=db.session.get(Village, world.hua_chan).commune_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert (tmp_path / "restored-uploads" / photo_name).read_bytes() == photo_bytes
    # A signed-in official sees the restored concern.
    client = restored.test_client()
    client.post("/login", data={"username": "official.bunglao", "password": "correct-horse-battery"})
    assert "Đường vào bản bị sạt lở" in client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    with restored.app_context():
        db.engine.dispose()


def test_an_in_memory_database_cannot_be_backed_up(tmp_path):
    app = make_app("sqlite://")
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "x.tar")])
    assert result.exit_code != 0 and "memory" in result.output
    assert not (tmp_path / "x.tar").exists()
