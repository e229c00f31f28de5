"""``flask backup`` and ``flask restore``: the database and the photos in one tar file.

The file (``--output``) is an uncompressed tar archive holding:

- ``database.sqlite`` -- a consistent copy made with SQLite's online backup API while the app keeps running,
  or ``database.dump`` -- ``pg_dump --format=custom`` of the PostgreSQL database (restored with
  ``pg_restore``, which reads it table by table);
- ``uploads/`` -- every photo and thumbnail of ``UPLOAD_FOLDER`` (the database names them);
- ``backup.json`` -- when, from which kind of database, at which migration.

``flask restore --input FILE`` puts a backup back into the configured database, which must be empty (a new
SQLite file or a newly created PostgreSQL database), and the photos into ``UPLOAD_FOLDER``. README.md
says how to do the same by hand.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .localtime import utcnow

PG_DUMP = os.environ.get("PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("PG_RESTORE", "pg_restore")


class BackupError(click.ClickException):
    pass


def _pg_env(url: sa.engine.URL) -> dict[str, str]:
    """libpq's environment for ``url``: the password never appears on a command line."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database lives in memory: there is no file to back up or restore.")
    return Path(url.database)


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _migration() -> str | None:
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None


def make_backup(output: Path) -> dict:
    """Write the backup of the app's database and photos to ``output``; returns what ``backup.json`` says."""
    url = db.engine.url
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    info = {
        "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": url.get_backend_name(),
        "migration": _migration(),
        "photos": 0,
    }
    with tempfile.TemporaryDirectory() as work:
        if url.get_backend_name() == "sqlite":
            database_file = Path(work) / "database.sqlite"
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(database_file)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            database_file = Path(work) / "database.dump"
            _run(
                [PG_DUMP, "--format=custom", "--no-owner", "--no-privileges", "--file", str(database_file)],
                _pg_env(url),
            )
        else:
            raise BackupError(f"No backup for {url.get_backend_name()} databases.")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(database_file, arcname=database_file.name)
            if uploads.is_dir():
                for path in sorted(uploads.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=f"uploads/{path.relative_to(uploads).as_posix()}")
                        info["photos"] += 1
            data = json.dumps(info, indent=2).encode()
            member = tarfile.TarInfo("backup.json")
            member.size = len(data)
            member.mtime = int(utcnow().timestamp())
            archive.addfile(member, io.BytesIO(data))
        partial.replace(output)  # a backup cut short never looks complete
    return info


def _database_is_empty() -> bool:
    inspector = sa.inspect(db.engine)
    return not [name for name in inspector.get_table_names() if name != "alembic_version"]


def restore_backup(source: Path) -> dict:
    """Put the backup ``source`` into the app's (empty) database and its photos into UPLOAD_FOLDER."""
    url = db.engine.url
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tarfile.open(source, "r") as archive, tempfile.TemporaryDirectory() as work:
        names = archive.getnames()
        info = json.load(archive.extractfile("backup.json"))
        if info["database"] != url.get_backend_name():
            raise BackupError(f"This is a backup of a {info['database']} database, not of {url.get_backend_name()}.")
        if info["database"] == "sqlite":
            _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        if not _database_is_empty():
            raise BackupError("The database to restore into is not empty: restore into a new database or file.")
        db.session.remove()
        db.engine.dispose()
        archive.extractall(work, filter="data")
        if info["database"] == "sqlite":
            path = _sqlite_path(url)
            source_db = sqlite3.connect(Path(work) / "database.sqlite")
            target_db = sqlite3.connect(path)
            try:
                with target_db:
                    source_db.backup(target_db)
            finally:
                target_db.close()
                source_db.close()
        else:
            _run(
                [
                    PG_RESTORE,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--dbname",
                    url.database or "",
                    str(Path(work) / "database.dump"),
                ],
                _pg_env(url),
            )
        if any(name.startswith("uploads/") for name in names):
            uploads.mkdir(parents=True, exist_ok=True)
            shutil.copytree(Path(work) / "uploads", uploads, dirs_exist_ok=True)
    return info


@click.command("backup")
@click.option(
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The tar file to write (database and photos).",
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Back up the database and the photos into one tar file, while the app keeps running."""
    info = make_backup(output)
    click.echo(f"Backup of the {info['database']} database and {info['photos']} photo files written to {output}.")


@click.command("restore")
@click.option(
    "--input",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A tar file made by flask backup.",
)
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore a backup into the configured database (which must be empty) and UPLOAD_FOLDER."""
    info = restore_backup(source)
    click.echo(f"Restored the backup of {info['created_at']} ({info['photos']} photo files).")
