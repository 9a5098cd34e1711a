"""Each shop is connected by one account, so its orders and stock are not doubled."""

import pytest

from tests import pages
from tests.admin.test_ec_accounts import VALID, create, edit, stored_accounts

MESSAGE = "already connects to this shop"


@pytest.fixture
def channel(app):
    from tests import factories

    with app.app_context():
        return factories.channel(name="Web shops").id


@pytest.mark.parametrize(
    "platform, field, same_shop",
    [
        ("shopify", "cred_shop", "TOKYO-STORE.myshopify.com"),
        ("woocommerce", "cred_site_url", "https://Osaka.example.com/"),
    ],
)
def test_a_second_account_on_the_same_shop_is_refused(
    app, admin, channel, platform, field, same_shop
):
    first = create(admin, platform, display_name="First", sales_channel=channel)
    assert first.status_code == 302

    second = create(
        admin,
        platform,
        display_name="Second",
        sales_channel=channel,
        **{field: same_shop},
    )

    assert second.status_code == 200
    assert f"First {MESSAGE}" in pages.text(second)
    assert [a.display_name for a in stored_accounts(app)] == ["First"]


def test_an_account_keeps_its_own_shop_when_edited(app, admin, channel):
    create(admin, "woocommerce", display_name="First", sales_channel=channel)
    other_site = {**VALID["woocommerce"], "cred_site_url": "https://kobe.example.com"}
    create(
        admin, "woocommerce", display_name="Second", sales_channel=channel, **other_site
    )
    first, second = stored_accounts(app)

    renamed = edit(admin, first.id, display_name="First renamed")
    moved = edit(admin, second.id, cred_site_url="https://osaka.example.com")

    assert renamed.status_code == 302
    assert moved.status_code == 200 and MESSAGE in pages.text(moved)
    assert [a.display_name for a in stored_accounts(app)] == ["First renamed", "Second"]
