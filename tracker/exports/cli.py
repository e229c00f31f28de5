"""``flask export-resolved``: the monthly export for the report job, the same file as the web's.

    flask export-resolved --month 2026-10 [--commune CODE] --format csv|xlsx --output FILE
                          [--language vi|en] [--include-personal-data --by USERNAME]

The file is written next to ``--output`` under a temporary name and renamed when complete, so a failed
run never leaves half a file behind. Exit code 0 on success; 1 with a message on an unknown commune or
supervisor; 2 (with the usage) on a malformed month, format or language.
"""

import os
import tempfile

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..extensions import db
from ..models import LANGUAGES, User
from ..workflow import is_supervisor
from .files import file_name, write_csv, write_xlsx
from .rows import record_personal_data_export
from .scope import ExportScope, Month, commune_by_code, default_month


def _month(ctx, param, value: str | None) -> Month:
    if value is None:
        return default_month()
    try:
        return Month.parse(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month: write it as YYYY-MM, e.g. 2026-10.") from None


@click.command("export-resolved")
@with_appcontext
@click.option(
    "--month",
    callback=_month,
    help="The province's local month, YYYY-MM (default: the previous month).",
)
@click.option(
    "--commune",
    "commune_code",
    default=None,
    help="Official code of one commune (e.g. 03301); the whole province without it.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="csv or xlsx (default: from the output's extension, else csv).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="The file to write (default: the download's name, in the current folder).",
)
@click.option("--language", type=click.Choice(list(LANGUAGES)), default="vi", help="Language of the headers.")
@click.option(
    "--include-personal-data",
    is_flag=True,
    help="Add the residents' names and contacts; recorded on every exported concern's timeline.",
)
@click.option(
    "--by",
    "by_username",
    default=None,
    help="The supervisor asking for the personal data (required with --include-personal-data).",
)
def export_resolved_command(
    month: Month,
    commune_code: str | None,
    file_format: str | None,
    output: str | None,
    language: str,
    include_personal_data: bool,
    by_username: str | None,
) -> None:
    """Export the concerns resolved in a month, one commune or the whole province, as CSV or XLSX."""
    commune = None
    if commune_code:
        commune = commune_by_code(commune_code)
        if commune is None:
            raise click.ClickException(f"No commune with code {commune_code}. Run flask load-communes first?")
    scope = ExportScope(month, commune)
    if file_format is None:
        file_format = "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
    output = output or file_name(scope, file_format, language)

    actor = None
    if include_personal_data:
        if not by_username:
            raise click.ClickException("--include-personal-data needs --by USERNAME: the supervisor who asks for it.")
        actor = db.session.scalar(sa.select(User).where(User.username == by_username.strip().lower()))
        if actor is None or not actor.active or not is_supervisor(actor):
            raise click.ClickException(f"{by_username!r} is not an active supervisor or administrator.")
        if not actor.is_province_wide and (commune is None or commune.id != actor.commune_id):
            raise click.ClickException(f"{by_username!r} may export personal data of their own commune only.")
        scope = ExportScope(month, commune, actor)

    folder = os.path.dirname(os.path.abspath(output))
    handle, partial = tempfile.mkstemp(prefix=".export-", suffix=f".{file_format}", dir=folder)
    os.close(handle)
    try:
        if actor is not None:
            record_personal_data_export(scope, actor, file_format)
            db.session.commit()
        if file_format == "csv":
            with open(partial, "wb") as file:
                count = write_csv(file, scope, language=language, include_personal=include_personal_data)
        else:
            count = write_xlsx(partial, scope, language=language, include_personal=include_personal_data)
        os.replace(partial, output)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    click.echo(f"Wrote {count} {'concern' if count == 1 else 'concerns'} resolved in {month} to {output}.")
