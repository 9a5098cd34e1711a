"""The rules the database itself keeps, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import (
    EcAccount,
    Order,
    OrderLine,
    ProductMapping,
    ShippingTypeMapping,
    WarehouseProduct,
)
from services import accounts
from tests import factories


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("second", ["tee-001", " TEE-001 ", "Tee-001\t"])
def test_duplicate_sku_differing_only_in_case_or_spaces_is_refused(app_ctx, second):
    factories.product(sku="TEE-001")

    db.session.add(WarehouseProduct(sku=second, name="Copy", on_hand=0, reserved=0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    assert count(WarehouseProduct) == 1


def test_sku_is_stored_trimmed(app_ctx):
    product = factories.product(sku="  MUG-RED-7 ")

    assert product.sku == "MUG-RED-7"
    assert product.sku_key == "mug-red-7"


@pytest.mark.parametrize(
    "on_hand, reserved, available", [(10, 3, 7), (5, 5, 0), (2, 9, 0), (0, 0, 0)]
)
def test_available_is_on_hand_less_reserved_never_negative(
    app_ctx, on_hand, reserved, available
):
    product = factories.product(on_hand=on_hand, reserved=reserved)
    db.session.expire_all()

    assert db.session.get(WarehouseProduct, product.id).available == available


def test_negative_on_hand_is_refused(app_ctx):
    product = factories.product(on_hand=1)

    product.on_hand = -1
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_duplicate_order_of_one_account_is_refused(app_ctx):
    account = factories.account()
    factories.order(account, platform_order_id="5001")

    with pytest.raises(IntegrityError):
        factories.order(account, platform_order_id="5001")
    db.session.rollback()

    assert count(Order) == 1


def test_same_order_id_on_two_accounts_is_two_orders(app_ctx):
    factories.order(factories.account(), platform_order_id="5001")
    factories.order(factories.account(), platform_order_id="5001")

    assert count(Order) == 2


def test_display_name_is_unique_per_platform(app_ctx):
    factories.account("shopify", display_name="Tokyo Store")

    with pytest.raises(IntegrityError):
        factories.account("shopify", display_name="Tokyo Store")
    db.session.rollback()

    # the same name on another platform is another account
    factories.account("woocommerce", display_name="Tokyo Store")
    assert count(EcAccount) == 2


@pytest.mark.parametrize("percentage", [-1, 101, 1000])
def test_push_percentage_outside_0_to_100_is_refused(app_ctx, percentage):
    with pytest.raises(IntegrityError):
        factories.account(push_percentage=percentage)
    db.session.rollback()

    assert count(EcAccount) == 0


@pytest.mark.parametrize("percentage", [0, 100])
def test_push_percentage_bounds_are_accepted(app_ctx, percentage):
    account = factories.account(push_percentage=percentage)

    assert account.push_percentage == percentage


def test_unknown_status_is_refused(app_ctx):
    with pytest.raises(IntegrityError):
        factories.account(status="broken")


def test_deleting_an_account_removes_its_mappings_and_keeps_its_orders(app_ctx):
    account = factories.account()
    other = factories.account()
    product = factories.product()
    for _ in range(3):
        factories.product_mapping(account, product)
    factories.product_mapping(other, product)
    factories.shipping_mapping(account, "standard")
    factories.shipping_mapping(other, "standard")
    order = factories.order(account, lines=[{"sku": product.sku, "quantity": 2}])
    account_id, order_id = account.id, order.id

    removed = accounts.delete_account(account)

    db.session.expire_all()
    assert removed == 3
    assert db.session.get(EcAccount, account_id) is None
    mappings = db.session.scalars(select(ProductMapping.account_id)).all()
    assert mappings == [other.id]
    assert db.session.scalars(select(ShippingTypeMapping.account_id)).all() == [
        other.id
    ]
    kept = db.session.get(Order, order_id)
    assert kept.account_id is None
    assert kept.account_name == account.display_name
    assert [line.quantity for line in kept.lines] == [2]
    assert count(OrderLine) == 1
    # the warehouse product is not the account's to delete
    assert db.session.get(WarehouseProduct, product.id) is not None


def test_failed_account_delete_leaves_everything(app_ctx, monkeypatch):
    account = factories.account()
    factories.product_mapping(account)
    factories.shipping_mapping(account)

    def broken_commit():
        raise RuntimeError("connection lost")

    # the delete and the mapping removal are one transaction: a failure keeps both
    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        accounts.delete_account(account)
    monkeypatch.undo()
    db.session.rollback()

    assert count(EcAccount) == 1
    assert count(ProductMapping) == 1
    assert count(ShippingTypeMapping) == 1
