"""The migrations build the schema from nothing, take it down again, and match the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tracker.extensions import db


def test_upgrade_from_empty_then_downgrade_to_base(app):
    with app.app_context():
        db.session.remove()
        empty_all = [t.name for t in db.metadata.sorted_tables]
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(empty_all) <= tables
        # Put back what the app fixture had loaded, so that its clean-up finds what it expects.
        from tracker.places import ensure_default_categories, load_communes

        load_communes(11)
        ensure_default_categories()


# Alembic cannot compare an index on an expression (SQLite's is not read back; PostgreSQL's reads back as
# PostgreSQL rewrote it, which never equals the models' text): the test below checks that one.
EXPRESSION_INDEXES = {"ix_concerns_open_due"}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping functional index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        differences = [
            d for d in differences if not (d[0] in ("add_index", "remove_index") and d[1].name in EXPRESSION_INDEXES)
        ]
        assert differences == []


def test_the_open_concerns_due_date_index_is_there_and_used(app):
    """The index on the open concerns' effective due date (an expression) exists as the models name it, and on
    PostgreSQL (production) the most overdue concerns are read along it rather than sorted. (SQLite, without
    statistics on an empty table, prefers the status index.)"""
    from tracker.models import Concern

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'concerns'"))
        else:
            names = db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE tbl_name = 'concerns'"))
        assert "ix_concerns_open_due" in set(names)
        if db.engine.dialect.name != "postgresql":
            return
        query = (
            sa.select(Concern.id)
            .where(Concern.is_open, Concern.effective_due_date < sa.func.current_date())
            .order_by(Concern.effective_due_date, Concern.created_at, Concern.id)
            .limit(5)
        )
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # an empty table: a scan would win
        db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(str(row) for row in db.session.execute(sa.text(f"EXPLAIN {compiled}")))
        db.session.rollback()
        assert "ix_concerns_open_due" in plan
