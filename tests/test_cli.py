"""The ``flask --app wsgi`` commands: users, demo data."""

from sqlalchemy import func, select, text

from adapters import registry
from extensions import db
from models import (
    EcAccount,
    SalesChannel,
    ShippingMethod,
    ShippingTypeMapping,
    User,
    WarehouseProduct,
)
from models.base import utcnow
from services import demo
from tests import pages
from tests.conftest import run_cli

PASSWORD = "a long enough password"


def users(app):
    with app.app_context():
        return [(u.email, u.role, u.active) for u in db.session.scalars(select(User))]


def test_create_user_with_password_option_can_sign_in(app):
    result = run_cli(
        app,
        "create-user",
        "Ops@Example.com",
        "--role",
        "operator",
        "--password",
        PASSWORD,
    )

    assert result.exit_code == 0, result.output
    assert result.output == "Created ops@example.com with role operator.\n"
    assert users(app) == [("ops@example.com", "operator", True)]
    response = pages.login(app.test_client(), "ops@example.com", PASSWORD)
    assert response.status_code == 302


def test_create_user_asks_for_the_password_twice(app):
    result = run_cli(
        app,
        "create-user",
        "admin@example.com",
        "--role",
        "admin",
        input=f"{PASSWORD}\n" * 2,
    )

    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    # the typed password is never echoed
    assert PASSWORD not in result.output
    assert users(app) == [("admin@example.com", "admin", True)]
    with app.app_context():
        assert db.session.scalar(select(User)).check_password(PASSWORD)


def test_create_user_again_resets_role_and_password(app):
    run_cli(
        app,
        "create-user",
        "ops@example.com",
        "--role",
        "viewer",
        "--password",
        PASSWORD,
    )

    result = run_cli(
        app,
        "create-user",
        "ops@example.com",
        "--role",
        "admin",
        "--password",
        "another password",
    )

    assert result.output == "Updated ops@example.com with role admin.\n"
    assert users(app) == [("ops@example.com", "admin", True)]
    with app.app_context():
        assert db.session.scalar(select(User)).check_password("another password")


def test_create_user_refuses_a_short_password(app):
    result = run_cli(
        app, "create-user", "ops@example.com", "--role", "viewer", "--password", "short"
    )

    assert result.exit_code == 2
    assert "The password must be at least 10 characters long." in result.output
    assert users(app) == []


def test_create_user_refuses_a_short_typed_password(app):
    result = run_cli(
        app,
        "create-user",
        "ops@example.com",
        "--role",
        "viewer",
        input="short\nshort\n",
    )

    assert result.exit_code == 2
    assert "The password must be at least 10 characters long." in result.output
    assert users(app) == []


def test_create_user_refuses_an_unknown_role(app):
    result = run_cli(
        app, "create-user", "ops@example.com", "--role", "boss", "--password", PASSWORD
    )

    assert result.exit_code == 2
    assert "'boss' is not one of 'viewer', 'operator', 'admin'" in result.output
    assert users(app) == []


def test_create_user_refuses_an_address_without_at_sign(app):
    result = run_cli(
        app, "create-user", "ops", "--role", "viewer", "--password", PASSWORD
    )

    assert result.exit_code == 2
    assert "an email address such as ops@example.com" in result.output
    assert users(app) == []


def snapshot():
    """Every row of every table the demo fills, in a stable order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(table.select().order_by(*table.primary_key.columns))
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def test_seed_demo_twice_gives_the_same_data(app):
    first = run_cli(app, "seed-demo")
    assert first.exit_code == 0, first.output
    with app.app_context():
        after_first = snapshot()

    second = run_cli(app, "seed-demo")

    assert second.exit_code == 0, second.output
    assert second.output == "Demo data ready (0 rows added).\n"
    with app.app_context():
        assert snapshot() == after_first


def test_seed_demo_fills_a_warehouse_and_one_account_per_platform(app):
    result = run_cli(app, "seed-demo")

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(WarehouseProduct) == demo.PRODUCT_COUNT == 200
        assert count(SalesChannel) == len(demo.CHANNELS)
        assert count(ShippingMethod) == len(demo.SHIPPING_METHODS)
        platforms = db.session.scalars(select(EcAccount.platform).order_by("platform"))
        assert platforms.all() == sorted(spec.name for spec in registry.all_specs())
        assert count(ShippingTypeMapping) == sum(
            len(a["shipping"]) for a in demo.ACCOUNTS
        )
        added = sum(
            map(count, (SalesChannel, ShippingMethod, WarehouseProduct, EcAccount))
        )
        assert result.output == f"Demo data ready ({added} rows added).\n"


def test_seed_demo_schedules_each_accounts_next_fetch(app):
    run_cli(app, "seed-demo")

    with app.app_context():
        accounts = db.session.scalars(select(EcAccount)).all()
        assert accounts and all(a.fetch_enabled for a in accounts)
        assert all(a.next_fetch_at > utcnow() for a in accounts)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_the_same_on_a_fresh_database(app):
    run_cli(app, "seed-demo")
    with app.app_context():
        products = db.session.execute(
            select(WarehouseProduct.sku, WarehouseProduct.on_hand).order_by("sku")
        ).all()

    assert [tuple(row) for row in products] == sorted(
        (item["sku"], item["on_hand"]) for item in demo.demo_products()
    )


def test_seed_demo_stores_credentials_encrypted(app):
    run_cli(app, "seed-demo")

    with app.app_context():
        raw = db.session.execute(
            text("SELECT display_name, credentials_encrypted FROM ec_accounts")
        ).all()
        assert len(raw) == len(demo.ACCOUNTS)
        stored = dict(raw)
        for item in demo.ACCOUNTS:
            column = stored[item["display_name"]]
            for value in item["credentials"].values():
                if isinstance(value, str):
                    assert value not in column
            account = db.session.scalar(
                select(EcAccount).where(EcAccount.display_name == item["display_name"])
            )
            assert account.read_credentials() == item["credentials"]
