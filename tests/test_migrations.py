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
BEFORE_SNAPSHOT = "c5d83a1f6e20"
SNAPSHOT = ["total", "unmatched", "never_pushed", "failed"]

# an account with six mappings (one unmatched, two matched never pushed, one failed
# last push) and one without any, written as SQL at the revision before the snapshot
ROWS = """
INSERT INTO sales_channels (id, code, name) VALUES (1, 'web', 'Web');
INSERT INTO warehouse_products (id, sku, sku_key, name, on_hand, reserved)
    VALUES (1, 'A-1', 'a-1', 'A', 5, 0);
INSERT INTO ec_accounts (id, platform, display_name, sales_channel_id, status,
    fetch_enabled, fetch_slots, timezone, push_enabled, push_percentage, created_at,
    updated_at)
VALUES
    (1, 'shopify', 'Mapped', 1, 'pending', false, '[]', 'UTC', false, 100,
        '2026-12-01 09:00:00', '2026-12-01 09:00:00'),
    (2, 'shopify', 'Empty', 1, 'pending', false, '[]', 'UTC', false, 100,
        '2026-12-01 09:00:00', '2026-12-01 09:00:00');
INSERT INTO product_mappings (account_id, listing_id, warehouse_product_id,
    matched_manually, last_pushed_at, last_push_error, created_at)
VALUES
    (1, 'L1', NULL, false, NULL, NULL, '2026-12-01 09:00:00'),
    (1, 'L2', 1, false, NULL, NULL, '2026-12-01 09:00:00'),
    (1, 'L3', 1, false, NULL, 'Refused.', '2026-12-01 09:00:00'),
    (1, 'L4', 1, false, '2026-12-02 09:00:00', NULL, '2026-12-01 09:00:00'),
    (1, 'L5', 1, false, '2026-12-02 09:00:00', NULL, '2026-12-01 09:00:00'),
    (1, 'L6', 1, false, '2026-12-02 09:00:00', NULL, '2026-12-01 09:00:00');
"""


def mapping_indexes(app):
    with app.app_context():
        names = {i["name"] for i in inspect(db.engine).get_indexes("product_mappings")}
        db.engine.dispose()
    return names


def account_columns(app):
    with app.app_context():
        names = {c["name"] for c in inspect(db.engine).get_columns("ec_accounts")}
        db.engine.dispose()
    return names


def run_sql(app, script):
    with app.app_context():
        with db.engine.begin() as connection:
            for statement in script.split(";"):
                if statement.strip():
                    connection.exec_driver_sql(statement)
        db.engine.dispose()


def mapping_count(app):
    with app.app_context():
        with db.engine.connect() as connection:
            count = connection.exec_driver_sql(
                "SELECT COUNT(*) FROM product_mappings"
            ).scalar()
        db.engine.dispose()
    return count


def snapshots(app):
    columns = ", ".join(f"mappings_{name}" for name in SNAPSHOT)
    with app.app_context():
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT id, {columns}, mappings_counted_at FROM ec_accounts "
                "ORDER BY id"
            ).all()
        db.engine.dispose()
    return rows


def test_the_snapshot_revision_counts_existing_mappings_and_drops_the_indexes(
    fresh_app,
):
    assert run_cli(fresh_app, "db", "upgrade", BEFORE_SNAPSHOT).exit_code == 0
    assert HEALTH_INDEXES <= mapping_indexes(fresh_app)
    run_sql(fresh_app, ROWS)

    result = run_cli(fresh_app, "db", "upgrade")

    assert result.exit_code == 0, result.output
    assert not HEALTH_INDEXES & mapping_indexes(fresh_app)
    (mapped, *counts, mapped_at), (empty, *no_counts, empty_at) = snapshots(fresh_app)
    assert (mapped, counts) == (1, [6, 1, 2, 1])
    assert (empty, no_counts) == (2, [0, 0, 0, 0])
    assert mapped_at is not None and empty_at is not None


def test_the_snapshot_revision_goes_down_and_up_again_keeping_mappings(fresh_app):
    assert run_cli(fresh_app, "db", "upgrade", BEFORE_SNAPSHOT).exit_code == 0
    run_sql(fresh_app, ROWS)
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0

    result = run_cli(fresh_app, "db", "downgrade", BEFORE_SNAPSHOT)

    assert result.exit_code == 0, result.output
    assert HEALTH_INDEXES <= mapping_indexes(fresh_app)
    assert not {f"mappings_{name}" for name in SNAPSHOT} & account_columns(fresh_app)
    assert mapping_count(fresh_app) == 6

    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert [row[1:5] for row in snapshots(fresh_app)] == [(6, 1, 2, 1), (0, 0, 0, 0)]
    assert schema_differences(fresh_app) == []


def fill_factor(app):
    """The fill factor PostgreSQL keeps for product_mappings; None for the default."""
    with app.app_context():
        with db.engine.connect() as connection:
            options = connection.exec_driver_sql(
                "SELECT reloptions FROM pg_class "
                "WHERE oid = 'product_mappings'::regclass"
            ).scalar()
        db.engine.dispose()
    found = [o.split("=", 1)[1] for o in options or [] if o.startswith("fillfactor=")]
    return int(found[0]) if found else None


def test_product_mappings_leave_room_for_in_place_updates_on_postgresql(fresh_app):
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    if fresh_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite has no fill factor; the revision must simply pass over it
        assert mapping_count(fresh_app) == 0
        return
    assert fill_factor(fresh_app) == 85

    assert run_cli(fresh_app, "db", "downgrade", "e7a4b2c9d1f3").exit_code == 0
    assert fill_factor(fresh_app) is None
    assert run_cli(fresh_app, "db", "upgrade").exit_code == 0
    assert fill_factor(fresh_app) == 85
