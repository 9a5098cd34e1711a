"""What every admin screen shares: a wrong id in the address is no record, not a 500."""

import pytest
from sqlalchemy import func, select

from admin.base import MAX_ROW_ID, row_id
from extensions import db
from models import EcAccount, User, WarehouseProduct
from tests import factories, pages

BAD_IDS = ["abc", "0", "-1", "1.5", "²", str(MAX_ROW_ID + 1), "9" * 20]


@pytest.mark.parametrize(
    "value, expected",
    [("7", 7), (" 7 ", 7), (7, 7), (str(MAX_ROW_ID), MAX_ROW_ID)]
    + [(bad, None) for bad in BAD_IDS]
    + [(None, None), ("", None)],
)
def test_row_id_accepts_only_ids_a_row_can_have(value, expected):
    assert row_id(value) == expected


@pytest.fixture
def admin(app, login_as):
    with app.app_context():
        account = factories.account(status="connected", push_enabled=True)
        factories.product()
        factories.user("viewer")
        assert account.id == 1
    return login_as("admin")


GET_PAGES = [
    "/admin/ec-accounts/edit/",
    "/admin/ec-accounts/delete/confirm/",
    "/admin/products/details/",
    "/admin/products/edit/",
    "/admin/orders/details/",
    "/admin/sales-channels/edit/",
    "/admin/users/edit/",
]
NOT_FOUND_PAGES = [
    "/admin/ec-accounts/details/",
    "/admin/ec-accounts/runs/",
    "/admin/ec-accounts/stock-sync/confirm/",
    "/admin/products/receive/",
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_wrong_id_in_the_address_is_no_record(admin, bad):
    for url in GET_PAGES:
        response = admin.get(url, query_string={"id": bad})
        assert response.status_code == 302, url
        shown = admin.get(response.headers["Location"])
        assert any("does not exist" in text for _, text in pages.flashes(shown)), url
    for url in NOT_FOUND_PAGES:
        assert admin.get(url, query_string={"id": bad}).status_code == 404, url


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_wrong_id_posted_deletes_nothing(app, admin, bad):
    token = pages.csrf_token(admin.get("/admin/ec-accounts/"))

    for url in ("/admin/ec-accounts/delete/", "/admin/products/delete/"):
        assert admin.post(url, data={"id": bad, "csrf_token": token}).status_code == 302
    for screen in ("products", "users"):
        response = admin.post(
            f"/admin/{screen}/action/",
            data={"action": "delete", "rowid": [bad, "1"], "csrf_token": token},
        )
        assert response.status_code == 302, screen
    response = admin.post(
        "/admin/ec-accounts/action/",
        data={"action": "fetch_orders", "rowid": bad, "csrf_token": token},
    )
    assert response.status_code == 302

    with app.app_context():
        assert count(EcAccount) == 1
        # the valid id beside the wrong one was deleted as asked
        assert count(WarehouseProduct) == 0
        assert db.session.scalars(select(User.role)).all() == ["admin"]


def _menu(page):
    """Whether the main menu offers Users, and the link it marks as the screen shown."""
    html = page.get_data(as_text=True)
    menu = html[
        html.index('<ul class="nav navbar-nav mr-auto">') : html.index(
            '<ul class="nav navbar-nav navbar-right">'
        )
    ]
    active = menu[menu.index('<li class="active">') :]
    link = active[active.index('href="') + 6 :]
    return 'href="/admin/users/"' in menu, link[: link.index('"')]


def test_the_menu_follows_the_role_and_the_screen_from_request_to_request(
    app, login_as
):
    viewer, admin = login_as("viewer"), login_as("admin")

    # the menus are built once per role and screen: each request still gets its own
    assert _menu(admin.get("/admin/ec-accounts/")) == (True, "/admin/ec-accounts/")
    assert _menu(viewer.get("/admin/ec-accounts/")) == (False, "/admin/ec-accounts/")
    assert _menu(viewer.get("/admin/orders/")) == (False, "/admin/orders/")
    assert _menu(admin.get("/admin/orders/")) == (True, "/admin/orders/")
