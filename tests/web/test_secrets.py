"""No secret on any page after a real failure, where error text is most likely to leak.

An account with rejected credentials runs a real fetch against the sandbox; the
platform's refusal then shows on the account page, in /runs/, in the RQ dashboard and
in the API log, and none of them may show a piece of the secret that was refused.
"""

import secrets

import pytest

from sandbox import shopify as shopify_sandbox
from tests import pages
from tests.web.conftest import DETAILS

REJECTED = {
    "shopify": {
        "shop": shopify_sandbox.TEST_SHOP,
        "access_token": "shpat_" + secrets.token_hex(16),
        "refresh_token": "shprt_" + secrets.token_hex(16),
    },
    "woocommerce": {
        "site_url": "https://kobe-lab.example.com",
        "consumer_key": "ck_" + secrets.token_hex(20),
        "consumer_secret": "cs_" + secrets.token_hex(20),
        # the keys travel in the URL, so the logged path is where they could show
        "query_string_auth": True,
    },
    "ebay": {
        "marketplace_id": "EBAY_US",
        "refresh_token": "v^1.1#i^1#r^1#" + secrets.token_hex(20),
    },
}


@pytest.mark.parametrize("platform", sorted(REJECTED))
def test_a_refusal_shows_everywhere_without_the_refused_secret(
    app,
    operator,
    admin,
    platforms,
    make_account,
    press,
    work,
    assert_no_secret,
    platform,
):
    account_id = make_account(platform, "Refused", creds=REJECTED[platform])
    press(operator, operator.get(DETAILS.format(account_id)), "/run/fetch_orders/")

    work()

    page = admin.get(DETAILS.format(account_id))
    runs = admin.get(f"/admin/ec-accounts/runs/?id={account_id}")
    job = f"fetch_orders-account-{account_id}"
    shown = {
        "the account page": page,
        "/runs/": runs,
        "the job's page": admin.get(f"/rq/0/view/job/{job}"),
        "the job's data": admin.get(f"/rq/0/data/job/{job}.json"),
        "the API log": admin.get("/admin/api-log/"),
    }
    # the refusal is there to be read
    assert 'id="disconnected-alert"' in page.get_data(as_text=True)
    [run] = runs.json["runs"]
    assert run["status"] == "failed"
    assert run["error"]
    assert "failed" in pages.cells(shown["the API log"], "ok")
    for name, answer in shown.items():
        assert answer.status_code == 200, name
        assert_no_secret(answer.get_data(as_text=True), account_id)
