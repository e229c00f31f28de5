"""Flask commands: load the register and the demo, create users."""

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from .admin import audit
from .auth.password_policy import password_problems
from .backup import backup_command, restore_command
from .exports.cli import export_resolved_command
from .extensions import db
from .models import ROLES, Commune, User
from .passwords import hash_password


def register(app: Flask) -> None:
    app.cli.add_command(load_communes_command)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(export_resolved_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(load_synthetic_command)


@click.command("load-communes")
@with_appcontext
@click.option(
    "--province",
    "province_code",
    type=int,
    default=None,
    help="Official province code (default: PROVINCE_CODE, 11 = Điện Biên).",
)
def load_communes_command(province_code: int | None) -> None:
    """Load the province's communes and wards from the official register, and the default categories."""
    from .places import ensure_default_categories, load_communes

    code = province_code or current_app.config["PROVINCE_CODE"]
    try:
        added, updated = load_communes(code)
    except ValueError as error:
        raise click.ClickException(f"No province with code {code}.") from error
    categories = ensure_default_categories()
    click.echo(f"Communes: {added} added, {updated} updated. Categories: {categories} added.")


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo villages, users, visits and concerns (idempotent)."""
    from .demo import load_demo

    try:
        added = load_demo()
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Demo data: {villages} villages, {users} users, {visits} visits added.".format(**added))


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True, help="Full name, as shown to others.")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option(
    "--commune",
    "commune_code",
    default=None,
    help="Official code of the user's commune; none for province-wide supervisors and admins.",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(username: str, full_name: str, role: str, commune_code: str | None, password: str) -> None:
    """Create a user who can sign in."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise click.ClickException(f"A user named {username!r} already exists.")
    with force_locale("en"):  # the command speaks English, like its other messages
        problems = [str(problem) for problem in password_problems(password, username)]
    if problems:
        raise click.ClickException(" ".join(problems))
    commune = None
    if commune_code:
        commune = db.session.scalar(sa.select(Commune).where(Commune.code == commune_code.zfill(5)))
        if commune is None:
            raise click.ClickException(f"No commune with code {commune_code}. Run flask load-communes first?")
    elif role == "official":
        raise click.ClickException("An official needs a commune (--commune CODE).")
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        commune=commune,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    created = {"username": [None, username], "full_name": [None, user.full_name], "role": [None, role]}
    if commune:
        created["commune"] = [None, commune.name]
    audit.record(None, "user_created", "user", user.id, user.full_name, created)  # by: the command line
    db.session.commit()
    click.echo(f"Created {role} {username}.")


@click.command("load-synthetic")
@with_appcontext
@click.option("--villages", type=click.IntRange(1, 100_000), default=1446, show_default=True)
@click.option(
    "--years", type=click.IntRange(1, 20), default=5, show_default=True, help="Years of records, ending today."
)
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed on the same day: the same data.")
@click.option("--password", default=None, help="Password of every synthetic user (none can sign in without it).")
@click.option("--force", is_flag=True, help="Add to a database that already has visits.")
def load_synthetic_command(villages: int, years: int, seed: int, password: str | None, force: bool) -> None:
    """Fill the database with province-scale synthetic data for benchmarks (not for production)."""
    import time

    from .places import ensure_default_categories, load_communes
    from .synthetic import AlreadyHasVisitsError, load_synthetic, summary

    if db.session.scalar(sa.select(Commune.id).limit(1)) is None:
        load_communes(current_app.config["PROVINCE_CODE"])
    ensure_default_categories()
    started = time.monotonic()
    try:
        counts = load_synthetic(
            villages=villages,
            years=years,
            seed=seed,
            force=force,
            password_hash=hash_password(password) if password else None,
            progress=click.echo,
        )
    except AlreadyHasVisitsError as error:
        raise click.ClickException(
            "This database already has visits: synthetic data would be mixed with them. "
            "Use an empty database, or add --force to add it anyway."
        ) from error
    for line in summary(counts):
        click.echo(line)
    click.echo(f"Done in {time.monotonic() - started:.0f} s.")
