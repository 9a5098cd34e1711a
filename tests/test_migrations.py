"""The migrations build the models' schema from nothing and take it down again."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from extensions import db
from tests.conftest import (
    Backend,
    create_postgres_schema,
    dispose,
    drop_postgres_schema,
    postgres_schema_backend,
    run_cli,
)
from wsgi import MIGRATIONS_DIR, create_app


@pytest.fixture(params=("sqlite", "postgres"))
def fresh_app(request, tmp_path, _environment):
    """An app on a database that has never seen a migration."""
    schema = None
    if request.param == "sqlite":
        backend = Backend("sqlite", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    else:
        schema = create_postgres_schema("migrations")
        backend = postgres_schema_backend("postgres", schema)
    app = create_app(backend.config())
    yield app
    dispose(app)
    if schema:
        drop_postgres_schema(schema)


def head_revision():
    return ScriptDirectory(MIGRATIONS_DIR).get_current_head()


def schema_state(app):
    with app.app_context():
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        version = None
        if "alembic_version" in tables:
            with db.engine.connect() as connection:
                version = MigrationContext.configure(connection).get_current_revision()
        db.engine.dispose()
    return tables, version


def schema_differences(app):
    """What autogenerate would write for this database: nothing, if they agree."""
    with app.app_context():
        options = app.extensions["migrate"].configure_args
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": options["compare_type"],
                    "target_metadata": db.metadata,
                },
            )
            return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_then_downgrade_to_base(fresh_app):
    assert schema_state(fresh_app) == (set(), None)

    result = run_cli(fresh_app, "db", "upgrade")

    assert result.exit_code == 0, result.output
    tables, version = schema_state(fresh_app)
    assert tables == {table.name for table in db.metadata.sorted_tables} | {
        "alembic_version"
    }
    assert version == head_revision()

    result = run_cli(fresh_app, "db", "downgrade", "base")

    assert result.exit_code == 0, result.output
    assert schema_state(fresh_app) == ({"alembic_version"}, None)


def test_migrated_schema_matches_the_models(fresh_app):
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0

    assert schema_differences(fresh_app) == []
    # the project's own autogenerate settings agree as well
    check = run_cli(fresh_app, "db", "check")
    assert check.exit_code == 0, check.output


def test_downgrade_then_upgrade_again_matches_the_models(fresh_app):
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert run_cli(fresh_app, "db", "downgrade", "base").exit_code == 0

    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert schema_differences(fresh_app) == []


HEALTH_INDEXES = {
    "ix_product_mappings_unmatched",
    "ix_product_mappings_never_pushed",
    "ix_product_mappings_push_failed",
}


def mapping_indexes(app):
    with app.app_context():
        names = {i["name"] for i in inspect(db.engine).get_indexes("product_mappings")}
        db.engine.dispose()
    return names


def test_mapping_health_indexes_come_and_go_with_their_revision(fresh_app):
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert HEALTH_INDEXES <= mapping_indexes(fresh_app)

    assert run_cli(fresh_app, "db", "downgrade", "b41f0c7d9e25").exit_code == 0
    assert not HEALTH_INDEXES & mapping_indexes(fresh_app)

    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert HEALTH_INDEXES <= mapping_indexes(fresh_app)
