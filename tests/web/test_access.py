"""Who may use each endpoint of the account page, its actions and Re-authorize.

Viewers read; operators run actions; admins also toggle settings, re-authorize and
open the RQ dashboard; anonymous visitors are sent to sign in. Every POST needs the
CSRF token, and a refused request queues nothing and changes no account.
"""

import pytest

from tests import pages
from tests.web.conftest import DETAILS, LIST

ROLES = ("anonymous", "viewer", "operator", "admin")
SIGN_IN = "sign in"


def endpoint(method, url, data=None, **answers):
    """A request and the answer each role gets: a status, or SIGN_IN."""
    return pytest.param(method, url, data or {}, answers, id=f"{method} {url}")


ENDPOINTS = [
    endpoint("get", DETAILS, anonymous=SIGN_IN, viewer=200, operator=200, admin=200),
    endpoint(
        "get",
        "/admin/ec-accounts/runs/?id={}",
        anonymous=SIGN_IN,
        viewer=200,
        operator=200,
        admin=200,
    ),
    endpoint(
        "post",
        "/admin/ec-accounts/run/fetch_orders/?id={}",
        anonymous=SIGN_IN,
        viewer=403,
        operator=302,
        admin=302,
    ),
    endpoint(
        "post",
        "/admin/ec-accounts/run/stock_sync/?id={}",
        {"confirm": "yes"},
        anonymous=SIGN_IN,
        viewer=403,
        operator=302,
        admin=302,
    ),
    endpoint(
        "get",
        "/admin/ec-accounts/stock-sync/confirm/?id={}",
        anonymous=SIGN_IN,
        viewer=403,
        operator=200,
        admin=200,
    ),
    endpoint(
        "get",
        "/admin/ec-accounts/bulk-stock-sync/?ids={}",
        anonymous=SIGN_IN,
        viewer=403,
        operator=200,
        admin=200,
    ),
    endpoint(
        "post",
        "/admin/ec-accounts/bulk-stock-sync/?ids={}",
        {"confirm": "yes"},
        anonymous=SIGN_IN,
        viewer=403,
        operator=302,
        admin=302,
    ),
    endpoint(
        "post",
        "/admin/ec-accounts/action/?rowid={}",
        {"action": "fetch_orders"},
        anonymous=SIGN_IN,
        viewer=403,
        operator=302,
        admin=302,
    ),
    endpoint(
        "post",
        "/admin/ec-accounts/action/?rowid={}",
        {"action": "disable_push"},
        anonymous=SIGN_IN,
        viewer=403,
        operator=403,
        admin=302,
    ),
    endpoint(
        "get", "/oauth/{}/start", anonymous=SIGN_IN, viewer=403, operator=403, admin=302
    ),
    endpoint(
        "get",
        "/oauth/shopify/callback?state=x&code=y&id={}",
        anonymous=SIGN_IN,
        viewer=403,
        operator=403,
        admin=302,
    ),
    endpoint(
        "get", "/rq/?id={}", anonymous=SIGN_IN, viewer=403, operator=403, admin=200
    ),
    endpoint(
        "post",
        "/rq/queue/default/queued/empty?id={}",
        anonymous=SIGN_IN,
        viewer=403,
        operator=403,
        admin=200,
    ),
]


@pytest.fixture
def clients(app, client, login_as):
    return {
        "anonymous": client,
        "viewer": login_as("viewer"),
        "operator": login_as("operator"),
        "admin": login_as("admin"),
    }


def token(client):
    """The CSRF token of the client's session, from a page anyone may open."""
    page = client.get("/login")
    if page.status_code == 302:
        page = client.get(LIST)
    return pages.csrf_token(page)


def send(client, method, url, data, with_token=True):
    data = dict(data)
    headers = {}
    if with_token:
        data["csrf_token"] = headers["X-CSRFToken"] = token(client)
    if "rowid=" in url:
        url, _, ids = url.partition("?rowid=")
        data["rowid"] = ids
    return getattr(client, method)(url, data=data, headers=headers)


@pytest.mark.parametrize("method, url, data, answers", ENDPOINTS)
def test_each_role_gets_its_answer(
    app, clients, make_account, queued_jobs, method, url, data, answers
):
    account_id = make_account("shopify", push_percentage=50)
    url = url.format(account_id)

    for role in ROLES:
        jobs_before = len(queued_jobs())
        answer = send(clients[role], method, url, data)
        expected = answers[role]
        if expected == SIGN_IN:
            assert answer.status_code == 302, role
            assert answer.headers["Location"].startswith("/login?next="), role
        else:
            assert answer.status_code == expected, role
        if expected in (SIGN_IN, 403):
            assert len(queued_jobs()) == jobs_before, role


@pytest.mark.parametrize(
    "method, url, data, answers",
    [e for e in ENDPOINTS if e.values[0] == "post"],
)
def test_every_post_without_the_csrf_token_is_refused(
    app, clients, make_account, queued_jobs, sync_runs, method, url, data, answers
):
    account_id = make_account("shopify", fetch_enabled=True, push_enabled=True)
    url = url.format(account_id)
    before = [job.id for job in queued_jobs()]

    for role in ROLES:
        answer = send(clients[role], method, url, data, with_token=False)
        assert answer.status_code == 400, role
        assert "CSRF" in pages.text(answer), role

    assert [job.id for job in queued_jobs()] == before
    assert sync_runs() == []


def test_a_token_from_another_session_is_refused(
    app, login_as, make_account, queued_jobs
):
    account_id = make_account("shopify")
    stolen = token(login_as("operator"))

    answer = login_as("operator").post(
        f"/admin/ec-accounts/run/fetch_orders/?id={account_id}",
        data={"csrf_token": stolen},
    )

    assert answer.status_code == 400
    assert queued_jobs() == []
