"""Products with receive stock, orders, product mappings, the API log and users."""

import html
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models import User, WarehouseProduct
from tests import factories, pages


def on_hand(app, product_id):
    with app.app_context():
        return db.session.get(WarehouseProduct, product_id).on_hand


# products and receiving stock


def test_products_list_shows_stock_figures(app, viewer):
    with app.app_context():
        factories.product(sku="TEE-1", name="Black Tee", on_hand=10, reserved=3)
        factories.product(sku="MUG-1", name="Mug", on_hand=2, reserved=5)

    response = viewer.get("/admin/products/")

    assert [
        (r["sku"], r["on_hand"], r["reserved"], r["available"])
        for r in pages.rows(response)
    ] == [("MUG-1", "2", "5", "0"), ("TEE-1", "10", "3", "7")]


@pytest.fixture
def product_id(app):
    with app.app_context():
        return factories.product(sku="TEE-1", on_hand=5).id


def receive(client, product_id, quantity):
    url = f"/admin/products/receive/?id={product_id}"
    return pages.post_form(client, url, {"quantity": quantity}, field="quantity")


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("0", "The quantity must be a whole number from 1 to 1000000."),
        ("-1", "The quantity must be a whole number from 1 to 1000000."),
        ("1000001", "The quantity must be a whole number from 1 to 1000000."),
        ("2.5", "The quantity must be a whole number, such as 12."),
        ("abc", "The quantity must be a whole number, such as 12."),
        ("99999999999999999999", "The quantity must be a whole number, such as 12."),
        ("", "Enter the quantity received."),
    ],
)
def test_receive_stock_refuses_anything_but_a_positive_whole_number(
    app, operator, product_id, quantity, message
):
    response = receive(operator, product_id, quantity)

    assert response.status_code == 400
    errors = re.findall(r'<div class="invalid-feedback">(.*?)</div>', response.text)
    assert errors == [html.escape(message, quote=True)]
    assert on_hand(app, product_id) == 5


def test_receive_stock_raises_on_hand(app, operator, product_id):
    response = receive(operator, product_id, " 12 ")

    assert response.status_code == 302
    assert on_hand(app, product_id) == 17
    listing = operator.get(response.headers["Location"])
    assert ("success", "Received 12 of TEE-1; on hand is now 17.") in pages.flashes(
        listing
    )


def test_receive_stock_of_an_unknown_product_is_404(operator):
    assert operator.get("/admin/products/receive/?id=999").status_code == 404


def test_receive_stock_page_shows_the_current_figures(app, operator):
    with app.app_context():
        product = factories.product(sku="CAP-9", name="Red Cap", on_hand=8, reserved=3)
        url = f"/admin/products/receive/?id={product.id}"

    page = operator.get(url)

    assert "Receive stock: CAP-9" in pages.words(page)
    assert "on hand 8, reserved 3, available 5" in pages.words(page)


def test_product_sku_duplicate_is_refused_on_the_form(app, admin):
    with app.app_context():
        factories.product(sku="TEE-1")

    response = pages.post_form(
        admin,
        "/admin/products/new/",
        {"sku": " tee-1 ", "name": "Copy", "on_hand": "0", "reserved": "0"},
        field="sku",
    )

    assert response.status_code == 200
    assert "SKU 'tee-1' is already used by another product" in pages.text(response)
    with app.app_context():
        assert db.session.scalars(select(WarehouseProduct.sku)).all() == ["TEE-1"]


def test_sales_channel_in_use_is_not_deleted(app, admin):
    with app.app_context():
        channel = factories.channel(name="Web shops")
        factories.account(sales_channel=channel)
        channel_id = channel.id
    token = pages.csrf_token(admin.get("/admin/sales-channels/"))

    response = admin.post(
        "/admin/sales-channels/delete/",
        data={"id": channel_id, "csrf_token": token},
        follow_redirects=True,
    )

    assert (
        "danger",
        "Nothing was saved: the change conflicts with existing data (a duplicate or a "
        "row still in use).",
    ) in pages.flashes(response)
    assert pages.cells(response, "name") == ["Web shops"]


# orders


@pytest.fixture
def orders(app):
    """Two accounts' orders: one clean, one with an unknown product, one unmapped."""
    with app.app_context():
        tokyo = factories.account("shopify", display_name="Tokyo Store")
        osaka = factories.account("woocommerce", display_name="Osaka Outlet")
        tee = factories.product(sku="TEE-1", name="Black Tee")
        factories.order(
            tokyo,
            number="#1001",
            total=Decimal("42.50"),
            currency="JPY",
            lines=[{"sku": "TEE-1", "warehouse_product_id": tee.id, "quantity": 2}],
        )
        factories.order(
            tokyo,
            number="#1002",
            has_unknown_products=True,
            lines=[
                {"sku": "TEE-1", "warehouse_product_id": tee.id},
                {"sku": "GHOST-9", "title": "Ghost item", "unknown_product": True},
            ],
        )
        factories.order(
            osaka, number="W-77", shipping_code="drone", unmapped_shipping=True
        )
        return {"tokyo": tokyo.id, "osaka": osaka.id}


def order_numbers(client, query=None):
    return pages.cells(client.get("/admin/orders/", query_string=query), "number")


def test_orders_list_shows_every_order_with_its_account(viewer, orders):
    response = viewer.get("/admin/orders/")

    assert sorted(pages.cells(response, "number")) == ["#1001", "#1002", "W-77"]
    assert sorted(set(pages.cells(response, "account"))) == [
        "Osaka Outlet",
        "Tokyo Store",
    ]


def test_orders_filter_by_account(app, viewer, orders):
    arg = pages.filter_arg(app, "orders", "Account")

    assert sorted(order_numbers(viewer, {arg: "Tokyo Store"})) == ["#1001", "#1002"]
    assert order_numbers(viewer, {arg: "Osaka Outlet"}) == ["W-77"]


def test_orders_filter_unknown_products_and_unmapped_shipping(app, viewer, orders):
    unknown = pages.filter_arg(app, "orders", "Unknown products")
    unmapped = pages.filter_arg(app, "orders", "Unmapped shipping")

    assert order_numbers(viewer, {unknown: "1"}) == ["#1002"]
    assert order_numbers(viewer, {unmapped: "1"}) == ["W-77"]
    assert sorted(order_numbers(viewer, {unmapped: "0"})) == ["#1001", "#1002"]


def test_order_details_show_its_lines_and_flag_unknown_products(app, viewer, orders):
    with app.app_context():
        from models import Order

        order_id = db.session.scalar(select(Order.id).where(Order.number == "#1002"))

    page = viewer.get(f"/admin/orders/details/?id={order_id}")

    assert page.status_code == 200
    words = pages.words(page)
    assert "Tokyo Store" in words
    assert "TEE-1 1 TEE-1 Black Tee" in words
    assert "GHOST-9 Ghost item 1 unknown product" in words


def test_orders_are_read_only_even_for_admins(admin, orders):
    assert admin.get("/admin/orders/new/").status_code == 302
    assert admin.get("/admin/orders/edit/?id=1").status_code == 302
    listing = admin.get("/admin/orders/")
    assert "/admin/orders/new/" not in listing.get_data(as_text=True)
    assert "/admin/orders/edit/" not in listing.get_data(as_text=True)


def test_order_of_a_deleted_account_keeps_the_account_name(app, viewer):
    with app.app_context():
        account = factories.account(display_name="Gone Shop")
        factories.order(account, number="#9")
        db.session.delete(account)
        db.session.commit()

    response = viewer.get("/admin/orders/")

    assert pages.cells(response, "account") == ["Gone Shop"]


# product mappings


def test_product_mappings_are_read_only_with_an_unmatched_filter(app, admin):
    with app.app_context():
        account = factories.account(display_name="Tokyo Store")
        tee = factories.product(sku="TEE-1")
        factories.product_mapping(account, tee, platform_sku="TEE-1")
        factories.product_mapping(account, None, platform_sku="LOST-2")
    unmatched = pages.filter_arg(app, "product_mappings", "Unmatched", "is")

    def skus(query=None):
        response = admin.get("/admin/product-mappings/", query_string=query)
        return sorted(pages.cells(response, "platform_sku"))

    assert skus() == ["LOST-2", "TEE-1"]
    assert skus({unmatched: "1"}) == ["LOST-2"]
    assert skus({unmatched: "0"}) == ["TEE-1"]
    assert admin.get("/admin/product-mappings/new/").status_code == 302
    assert admin.get("/admin/product-mappings/edit/?id=1").status_code == 302


# the platform API log


@pytest.fixture
def api_logs(app):
    base = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with app.app_context():
        tokyo = factories.account("shopify", display_name="Tokyo Store")
        osaka = factories.account("woocommerce", display_name="Osaka Outlet")
        factories.api_log(tokyo, path="/orders?page=1", created_at=base)
        factories.api_log(
            osaka,
            kind="stock",
            path="/products/batch",
            status_code=503,
            ok=False,
            failure_reason="Service unavailable",
            created_at=base + timedelta(minutes=5),
        )
        factories.api_log(
            tokyo, path="/orders?page=2", created_at=base + timedelta(minutes=10)
        )


def log_paths(client, query=None):
    return pages.cells(client.get("/admin/api-log/", query_string=query), "path")


def test_api_log_lists_newest_first(viewer, api_logs):
    assert log_paths(viewer) == ["/orders?page=2", "/products/batch", "/orders?page=1"]


def test_api_log_filters_by_account_kind_and_outcome(app, viewer, api_logs):
    account = pages.filter_arg(app, "api_log", "Account")
    kind = pages.filter_arg(app, "api_log", "Kind")
    ok = pages.filter_arg(app, "api_log", "Ok")

    assert log_paths(viewer, {account: "Tokyo Store"}) == [
        "/orders?page=2",
        "/orders?page=1",
    ]
    assert log_paths(viewer, {kind: "stock"}) == ["/products/batch"]
    assert log_paths(viewer, {ok: "0"}) == ["/products/batch"]


def test_api_log_shows_failure_reason_and_is_read_only(admin, api_logs):
    response = admin.get("/admin/api-log/")

    failed = [row for row in pages.rows(response) if row["ok"] == "failed"]
    assert [(r["status_code"], r["failure_reason"]) for r in failed] == [
        ("503", "Service unavailable")
    ]
    assert admin.get("/admin/api-log/new/").status_code == 302
    assert admin.get("/admin/api-log/edit/?id=1").status_code == 302


# users


def test_users_screen_is_for_admins_only(app, login_as):
    assert login_as("admin").get("/admin/users/").status_code == 200
    assert login_as("operator").get("/admin/users/").status_code == 403
    assert login_as("viewer").get("/admin/users/").status_code == 403


def test_admin_creates_a_user_who_can_sign_in(app, admin):
    response = pages.post_form(
        admin,
        "/admin/users/new/",
        {
            "email": "new@example.com",
            "role": "operator",
            "new_password": "long password 1",
        },
        field="email",
    )

    assert response.status_code == 302
    assert (
        pages.login(app.test_client(), "new@example.com", "long password 1").status_code
        == 302
    )


def test_users_list_never_shows_password_hashes(app, admin):
    response = admin.get("/admin/users/")

    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    body = response.get_data(as_text=True)
    assert hashes and not any(h in body for h in hashes)
    assert "pbkdf2" not in body and "scrypt" not in body


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"new_password": ""}, "A new user needs a password."),
        (
            {"new_password": "short"},
            "Field must be between 10 and 200 characters long.",
        ),
        (
            {"email": "not-an-address"},
            "Enter an email address such as ops@example.com.",
        ),
    ],
)
def test_user_form_refuses_bad_values(app, admin, changes, message):
    values = {
        "email": "new@example.com",
        "role": "viewer",
        "new_password": "long password 1",
    }

    response = pages.post_form(
        admin, "/admin/users/new/", {**values, **changes}, field="email"
    )

    assert message in pages.text(response)
    with app.app_context():
        assert (
            db.session.scalar(select(User).where(User.email == "new@example.com"))
            is None
        )
