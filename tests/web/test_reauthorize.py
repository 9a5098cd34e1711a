"""Re-authorize, end to end against the platform sandbox over loopback.

The admin's browser is the test client for the product and ``requests`` for the
sandbox's consent pages: start on the account page, follow to the consent page,
approve, and bring the platform's redirect back into the product. Tampered answers
are refused with a message and change nothing.
"""

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import requests

from extensions import db
from models import EcAccount
from models.base import utcnow
from sandbox import ebay as ebay_sandbox
from sandbox import shopify as shopify_sandbox
from tests import pages
from tests.web import sections
from tests.web.conftest import DETAILS, EBAY_SELLER, LIST

SHOP = shopify_sandbox.TEST_SHOP
OTHER_SHOP = shopify_sandbox.DEMO_SHOP
SELLER = EBAY_SELLER
STATE_REFUSED = (
    "Re-authorize failed: the answer from the platform does not belong to an "
    "authorization started here (the state does not match). Start it again."
)


class Fetched:
    """A page fetched with ``requests``, readable by :mod:`tests.pages`."""

    def __init__(self, response):
        self.response = response

    def get_data(self, as_text=False):
        return self.response.text if as_text else self.response.content


def shop_data(server, platform, key):
    return server.app.config["SANDBOX_WORLD"].get(platform, key).data


@pytest.fixture
def shopify_account(make_account):
    return make_account(
        "shopify",
        "Kobe Test",
        status="disconnected",
        status_reason="The platform rejected the credentials (401).",
        creds={
            "shop": SHOP,
            "access_token": "shpat_revoked_0000000000000000000000aa",
            "refresh_token": "shprt_revoked_0000000000000000000000bb",
        },
    )


@pytest.fixture
def ebay_account(make_account):
    return make_account(
        "ebay",
        "Nara Seller",
        status="disconnected",
        status_reason="invalid_grant: the refresh token was revoked",
        creds={
            "marketplace_id": "EBAY_US",
            "refresh_token": "v^1.1#i^1#revoked#00000000000000000000cc",
        },
    )


def snapshot(app, account_id):
    """What Re-authorize may change on an account."""
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        return (
            account.credentials_encrypted,
            account.status,
            account.status_reason,
            account.token_expires_at,
        )


def stored(app, account_id):
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        return account.read_credentials(), account.status, account.token_expires_at


def consent(admin, account_id, **choices):
    """Start Re-authorize and answer the consent page; the platform's redirect URL."""
    start = admin.get(f"/oauth/{account_id}/start")
    assert start.status_code == 302, pages.flashes(
        admin.get(DETAILS.format(account_id))
    )
    target = start.headers["Location"]
    assert target.startswith("http://127.0.0.1:")

    page = requests.get(target, timeout=10)
    assert page.status_code == 200, page.text
    form = pages.forms(Fetched(page))[0]
    answer = requests.post(
        urljoin(target, form.action),
        data=form.data(**choices),
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def come_back(admin, url):
    """Follow the platform's redirect into the product, then to where it sends."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    answer = admin.get(f"{parts.path}?{parts.query}")
    assert answer.status_code == 302
    return admin.get(answer.headers["Location"])


def with_params(url, **changes):
    """``url`` with query parameters changed (None drops one), unsigned."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(params)}", params


def resigned(url, **changes):
    """``url`` with parameters changed and signed again with the app's secret."""
    _, params = with_params(url, hmac=None, **changes)
    parts = urlsplit(url)
    signed = shopify_sandbox.signed(params)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(signed)}"


# the round trip


def test_shopify_reauthorize_stores_the_new_tokens_and_queues_a_connection_test(
    app, admin, platforms, shopify_account, queued_jobs, sync_runs, assert_no_secret
):
    tokens_before = set(shop_data(platforms, "shopify", SHOP)["access"])

    page = come_back(admin, consent(admin, shopify_account, decision="approve"))

    assert page.request.path == "/admin/ec-accounts/details/"
    assert ("success", "Re-authorized. A connection test is queued to confirm it.") in (
        pages.flashes(page)
    )
    assert 'id="disconnected-alert"' not in page.get_data(as_text=True)
    assert sections.definitions(page, "connection")["Status"].startswith(
        "Pending since"
    )

    data = shop_data(platforms, "shopify", SHOP)
    [issued] = set(data["access"]) - tokens_before
    values, status, expires = stored(app, shopify_account)
    assert values["access_token"] == issued
    assert issued not in snapshot(app, shopify_account)[0]  # stored encrypted
    assert data["refresh"].get(values["refresh_token"]) is not None
    assert values["shop"] == SHOP
    assert status == "pending"
    assert abs(expires - (utcnow() + timedelta(hours=1))) < timedelta(minutes=1)

    [job] = queued_jobs()
    assert job.id == f"test_connection-account-{shopify_account}"
    assert job.description == "Test connection: Shopify, Kobe Test"
    [run] = sync_runs()
    assert (run.action, run.trigger) == ("test_connection", "credentials")
    assert_no_secret(page.get_data(as_text=True), shopify_account)


def test_the_queued_connection_test_then_finds_the_account_connected(
    app, admin, platforms, shopify_account, work
):
    come_back(admin, consent(admin, shopify_account, decision="approve"))

    work()
    page = admin.get(DETAILS.format(shopify_account))

    assert stored(app, shopify_account)[1] == "connected"
    assert sections.definitions(page, "connection")["Status"].startswith(
        "Connected since"
    )


def test_ebay_reauthorize_stores_the_new_refresh_token(
    app, admin, platforms, ebay_account, queued_jobs, assert_no_secret
):
    before = set(shop_data(platforms, "ebay", SELLER)["refresh_tokens"])

    page = come_back(
        admin, consent(admin, ebay_account, seller=SELLER, decision="agree")
    )

    assert ("success", "Re-authorized. A connection test is queued to confirm it.") in (
        pages.flashes(page)
    )
    [issued] = set(shop_data(platforms, "ebay", SELLER)["refresh_tokens"]) - before
    values, status, expires = stored(app, ebay_account)
    assert values == {"marketplace_id": "EBAY_US", "refresh_token": issued}
    assert status == "pending"
    refresh_life = timedelta(seconds=ebay_sandbox.REFRESH_TOKEN_SECONDS)
    assert abs(expires - (utcnow() + refresh_life)) < timedelta(minutes=1)
    assert [job.description for job in queued_jobs()] == [
        "Test connection: eBay, Nara Seller"
    ]
    assert_no_secret(page.get_data(as_text=True), ebay_account)


def test_the_consent_page_is_the_accounts_own_shop(
    app, admin, platforms, shopify_account
):
    start = admin.get(f"/oauth/{shopify_account}/start")

    target = urlsplit(start.headers["Location"])
    assert target.path == f"/shopify/{SHOP}/admin/oauth/authorize"
    query = dict(parse_qsl(target.query))
    assert query["redirect_uri"] == "http://localhost/oauth/shopify/callback"
    assert query["state"]
    assert query["client_id"] == shopify_sandbox.APP_CLIENT_ID


# tampered or refused answers change nothing


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda url: resigned(url, state="x" * 43), STATE_REFUSED),
        (lambda url: resigned(url, state=None), STATE_REFUSED),
        (
            lambda url: with_params(url, code="0" * 32)[0],
            "Re-authorize failed: The hmac of the request does not match its "
            "parameters: it was altered or not signed with this app's client secret.",
        ),
        (
            lambda url: with_params(url, hmac=None)[0],
            "Re-authorize failed: The request from Shopify carries no hmac signature.",
        ),
        (
            lambda url: resigned(url, shop=OTHER_SHOP),
            f"Re-authorize failed: The callback is for the shop {OTHER_SHOP}, but the "
            f"authorization was started for {SHOP}.",
        ),
    ],
    ids=["wrong state", "no state", "hmac altered", "no hmac", "other shop"],
)
def test_a_tampered_shopify_answer_is_refused_and_changes_nothing(
    app, admin, platforms, shopify_account, queued_jobs, sync_runs, tamper, message
):
    before = snapshot(app, shopify_account)
    url = consent(admin, shopify_account, decision="approve")

    page = come_back(admin, tamper(url))

    assert ("danger", message) in pages.flashes(page)
    assert snapshot(app, shopify_account) == before
    assert queued_jobs() == []
    assert sync_runs() == []


@pytest.mark.parametrize(
    "tamper, choices, message",
    [
        (
            lambda url: with_params(url, state="y" * 43)[0],
            {"seller": SELLER, "decision": "agree"},
            STATE_REFUSED,
        ),
        (
            lambda url: with_params(url, state=None)[0],
            {"seller": SELLER, "decision": "agree"},
            STATE_REFUSED,
        ),
        (
            lambda url: url,
            {"seller": SELLER, "decision": "decline"},
            "The platform reported that the authorization was refused.",
        ),
        (
            lambda url: with_params(url, code=None)[0],
            {"seller": SELLER, "decision": "agree"},
            "Re-authorize failed: The eBay authorization answer carries no code; start "
            "Re-authorize again.",
        ),
    ],
    ids=["state mismatch", "no state", "declined", "no code"],
)
def test_a_tampered_or_declined_ebay_answer_is_refused_and_changes_nothing(
    app, admin, platforms, ebay_account, queued_jobs, tamper, choices, message
):
    before = snapshot(app, ebay_account)
    url = consent(admin, ebay_account, **choices)

    page = come_back(admin, tamper(url))

    assert ("danger", message) in pages.flashes(page)
    assert snapshot(app, ebay_account) == before
    assert queued_jobs() == []


def test_an_answer_is_taken_once(app, admin, platforms, shopify_account, queued_jobs):
    url = consent(admin, shopify_account, decision="approve")
    come_back(admin, url)
    after_first = snapshot(app, shopify_account)

    page = come_back(admin, url)

    assert ("danger", STATE_REFUSED) in pages.flashes(page)
    assert snapshot(app, shopify_account) == after_first
    assert len(queued_jobs()) == 1


def test_a_used_code_is_refused_without_showing_it(
    app, admin, platforms, shopify_account
):
    first = consent(admin, shopify_account, decision="approve")
    come_back(admin, first)
    after_first = snapshot(app, shopify_account)
    # a fresh authorization, answered with the code already spent
    fresh = consent(admin, shopify_account, decision="approve")
    state = dict(parse_qsl(urlsplit(fresh).query))["state"]
    code = dict(parse_qsl(urlsplit(first).query))["code"]

    page = come_back(admin, resigned(first, state=state))

    [(kind, message)] = [f for f in pages.flashes(page) if f[0] == "danger"]
    assert message.startswith("Re-authorize failed: Shopify refused the authorization")
    assert code not in page.get_data(as_text=True)
    assert snapshot(app, shopify_account) == after_first


def test_an_answer_for_another_platform_is_refused(
    app, admin, platforms, shopify_account, queued_jobs
):
    before = snapshot(app, shopify_account)
    url = consent(admin, shopify_account, decision="approve")

    page = come_back(admin, url.replace("/oauth/shopify/", "/oauth/ebay/"))

    assert (
        "danger",
        "Re-authorize failed: the account is gone or of another platform.",
    ) in pages.flashes(page)
    assert snapshot(app, shopify_account) == before
    assert queued_jobs() == []


# who may start it


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewers_and_operators_may_not_reauthorize(
    app, login_as, platforms, shopify_account, role
):
    client = login_as(role)
    before = snapshot(app, shopify_account)

    assert client.get(f"/oauth/{shopify_account}/start").status_code == 403
    assert client.get("/oauth/shopify/callback?state=x&code=y").status_code == 403
    assert snapshot(app, shopify_account) == before


def test_an_admins_answer_cannot_be_completed_by_an_operator(
    app, admin, login_as, platforms, shopify_account
):
    before = snapshot(app, shopify_account)
    url = urlsplit(consent(admin, shopify_account, decision="approve"))

    answer = login_as("operator").get(f"{url.path}?{url.query}")

    assert answer.status_code == 403
    assert snapshot(app, shopify_account) == before


def test_anonymous_visitors_are_sent_to_sign_in(app, client, shopify_account):
    for url in (f"/oauth/{shopify_account}/start", "/oauth/shopify/callback?state=x"):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login")


def test_woocommerce_accounts_are_sent_to_edit(app, admin, make_account):
    account_id = make_account("woocommerce", "Osaka Outlet", status="disconnected")

    page = admin.get(f"/oauth/{account_id}/start", follow_redirects=True)

    assert page.request.path == "/admin/ec-accounts/details/"
    assert (
        "danger",
        "WooCommerce accounts use keys: change them on Edit.",
    ) in pages.flashes(page)


def test_reauthorize_of_an_unknown_account_is_404(app, admin):
    assert admin.get("/oauth/999/start").status_code == 404


def test_a_refused_state_sends_back_to_the_list(app, admin, platforms, shopify_account):
    url = consent(admin, shopify_account, decision="approve")
    parts = urlsplit(with_params(url, state="z")[0])

    answer = admin.get(f"{parts.path}?{parts.query}")

    assert answer.headers["Location"].endswith(LIST)


def test_an_answer_after_fifteen_minutes_is_refused(
    app, admin, platforms, shopify_account, queued_jobs
):
    before = snapshot(app, shopify_account)
    url = consent(admin, shopify_account, decision="approve")
    with admin.session_transaction() as session:
        pending = session["oauth_pending"]
        session["oauth_pending"] = {**pending, "at": pending["at"] - 16 * 60}

    page = come_back(admin, url)

    assert ("danger", "Re-authorize took too long; start it again.") in (
        pages.flashes(page)
    )
    assert snapshot(app, shopify_account) == before
    assert queued_jobs() == []
