"""Fixtures for the account screens: signed-in clients, accounts, and what got queued.

Every client signs in through the real /login with CSRF on; what a test checks after a
click is what the user would see, plus the two places a queued action leaves a trace:
the RQ queue in Redis and the ``sync_runs`` table. The platform sandbox runs on
loopback for the tests that need a platform, and ``work()`` runs the queued jobs.
"""

from datetime import datetime, timezone

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import select

import queues
import sandbox
from extensions import db
from models import EcAccount, SyncRun
from services import actions
from tests import factories, pages
from tests.sandbox_server import RunningSandbox

DETAILS = "/admin/ec-accounts/details/?id={}"
# the eBay seller whose consent comes back to the product's callback in the tests
EBAY_SELLER = "nara-test-seller"
EBAY_ACCEPT_URL = "http://localhost/oauth/ebay/callback"
LIST = "/admin/ec-accounts/"

# a fixed moment for the rows a test arranges, so the page's times can be read back
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_account(app):
    """``make_account(platform, name, **fields)``: a stored account's id.

    Connected with fetching and push on by default, as most action tests need;
    ``channel`` names a new sales channel for it.
    """

    def make(platform="shopify", display_name=None, channel=None, **fields):
        values = {
            "status": "connected",
            "status_since": NOON,
            "fetch_enabled": True,
            "fetch_slots": ["09:00", "15:00"],
            "push_enabled": True,
            "push_percentage": 100,
            **fields,
        }
        with app.app_context():
            if channel is not None:
                values["sales_channel"] = factories.channel(name=channel)
            return factories.account(platform, display_name=display_name, **values).id

    return make


@pytest.fixture
def queued_jobs(app, redis_client):
    """``queued_jobs()``: the jobs waiting in the product's queue, read from Redis."""

    def read():
        queue = Queue(queues.DEFAULT_QUEUE, connection=redis_client)
        return [Job.fetch(job_id, connection=redis_client) for job_id in queue.job_ids]

    return read


@pytest.fixture
def live_run(app, redis_client):
    """``live_run(account_id, action, **fields)``: an unfinished run and its job.

    The job waits in the queue as the product leaves it, so the run is not taken for
    one whose job was lost.
    """

    def make(account_id, action, **fields):
        with app.app_context():
            run = factories.sync_run(account_id, action, **fields)
            run_id, job_id = run.id, run.job_id
        Queue(queues.DEFAULT_QUEUE, connection=redis_client).enqueue_call(
            actions.ACTIONS[action].func,
            args=(account_id, run_id),
            job_id=job_id,
            meta={"account_id": account_id, "action": action, "run_id": run_id},
        )
        return run_id

    return make


@pytest.fixture
def sync_runs(app):
    """``sync_runs()``: every row of the sync_runs table, oldest first."""

    def read():
        with app.app_context():
            runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
            db.session.expunge_all()
            return runs

    return read


@pytest.fixture
def press(app):
    """``press(client, page, action)``: submit the page's form that posts to ``action``.

    ``action`` is a part of the form's target, such as ``/run/fetch_orders/``; the form
    is sent as the browser would, with the CSRF token it carries.
    """

    def submit(client, page, action, **changes):
        chosen = [form for form in pages.forms(page) if action in form.action]
        assert chosen, f"no form posting to {action!r} on the page"
        return client.post(chosen[0].action, data=chosen[0].data(**changes))

    return submit


@pytest.fixture
def assert_no_secret(app):
    """``assert_no_secret(text, account_id, ...)``: no secret of those accounts shown.

    A mask may show the last four characters of a secret; any eight characters in a row
    of one would be a leak.
    """

    def check(text, *account_ids):
        with app.app_context():
            values = []
            for account_id in account_ids:
                account = db.session.get(EcAccount, account_id)
                stored = account.read_credentials()
                fields = account.spec.credential_fields
                values += [
                    stored[f.name] for f in fields if f.secret and stored.get(f.name)
                ]
        assert values, "the accounts hold no secrets to look for"
        for secret in values:
            for start in range(len(secret) - 7):
                piece = secret[start : start + 8]
                assert piece not in text, f"a piece of {secret[:6]}... is shown"

    return check


@pytest.fixture(scope="session")
def sandbox_server():
    with RunningSandbox() as server:
        yield server


@pytest.fixture
def platforms(app, sandbox_server, monkeypatch):
    """The sandbox reseeded, with the product's adapters pointed at it."""
    sandbox_server.reset()
    sandbox_server.control(
        "POST", f"ebay/{EBAY_SELLER}/seed", json={"accept_url": EBAY_ACCEPT_URL}
    )
    monkeypatch.setitem(
        app.config, "PLATFORM_BASE_URLS", sandbox.base_urls(sandbox_server.url)
    )
    return sandbox_server


@pytest.fixture
def work(app):
    """``work()``: run the queued jobs in a worker of its own, then return."""

    def run():
        with app.app_context():
            connection = queues.redis_connection(app)
            SimpleWorker([queues.queue(app)], connection=connection).work(burst=True)

    return run
