"""The migrations build the schema from nothing, take it down again, and match the models."""

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


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        assert differences == []
