"""Fixtures for the job tests: the platform sandbox on loopback and a real RQ worker.

Jobs are queued through ``services.actions.enqueue`` and run by an RQ ``SimpleWorker``
in burst mode on the test Redis, inside an app context of its own, so the worker has
its own database session as a separate process would. The sandbox serves every
platform once per session; a test reseeds only the platforms it touches.
"""

import random
import zlib
from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

import queues
import sandbox
from extensions import db
from models import ApiLog, EcAccount, SyncRun
from models.account import CONNECTED
from models.base import utcnow
from sandbox import ebay as ebay_sandbox
from sandbox import shopify as shopify_sandbox
from sandbox import woocommerce as woo_sandbox
from services import actions
from tests import factories
from tests.sandbox_server import RunningSandbox

WOO = "woocommerce"
EBAY = "ebay"
SHOPIFY = "shopify"
# the small shops of each platform, kept for tests; the demo shops are larger
KOBE_LAB = "kobe-lab.example.com"
OSAKA = "osaka-outlet.example.com"
NARA = "nara-test-seller"
KOBE_TEST = shopify_sandbox.TEST_SHOP


def shop_credentials(platform, key):
    """The credentials the sandbox seeds for one of its shops."""
    if platform == WOO:
        site = next(site for site in woo_sandbox.SITES if site["host"] == key)
        return {
            "site_url": f"https://{key}",
            "consumer_key": site["consumer_key"],
            "consumer_secret": site["consumer_secret"],
            "query_string_auth": False,
        }
    if platform == EBAY:
        seller = ebay_sandbox.SELLERS[key]
        return {
            "marketplace_id": seller["marketplace"],
            "refresh_token": seller["refresh_token"],
        }
    if platform == SHOPIFY and key == KOBE_TEST:
        return {
            "shop": key,
            "access_token": shopify_sandbox.TEST_ACCESS_TOKEN,
            "refresh_token": shopify_sandbox.TEST_REFRESH_TOKEN,
        }
    raise ValueError(f"no sandbox credentials for {platform} {key}")


class Sandbox:
    """The running sandbox as one test sees it: control calls and its shops' state."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.world = server.app.config["SANDBOX_WORLD"]
        self._fresh = set()

    def reseed(self, platform):
        """Give ``platform`` its seeded shops again, as ``/_control/reset`` would."""
        app = self.server.app
        handler = app.config["SANDBOX_PLATFORMS"][platform]
        with self.world.lock:
            for key in [key for key in self.world.shops if key[0] == platform]:
                del self.world.shops[key]
            handler.seed(self.world, random.Random(app.config["SANDBOX_SEED"]))
        self._fresh.add(platform)

    def _ready(self, platform):
        if platform not in self._fresh:
            self.reseed(platform)

    def shop(self, platform, key):
        """The shop's in-memory state, for reading what a test cannot ask over HTTP."""
        self._ready(platform)
        return self.world.get(platform, key)

    # the control endpoints

    def control(self, method, platform, key, path, **kwargs):
        self._ready(platform)
        return self.server.control(method, f"{platform}/{key}/{path}", **kwargs)

    def fault(self, platform, key, mode, count=1, **options):
        self._ready(platform)
        return self.server.fault(platform, key, mode, count=count, **options)

    def revoke(self, platform, key):
        return self.control("POST", platform, key, "revoke")

    def add_orders(self, platform, key, count=1, **options):
        return self.control(
            "POST", platform, key, "orders", json={"count": count, **options}
        )["ids"]

    def seed(self, platform, key, **options):
        return self.control("POST", platform, key, "seed", json=options)

    def stock(self, platform, key):
        return self.control("GET", platform, key, "stock")

    def calls(self, platform, key):
        return self.control("GET", platform, key, "calls")

    def clear_calls(self, platform, key):
        return self.control("DELETE", platform, key, "calls")


@pytest.fixture(scope="session")
def sandbox_server():
    with RunningSandbox() as server:
        yield server


@pytest.fixture
def platforms(sandbox_server):
    return Sandbox(sandbox_server)


def _no_wait(seconds):
    """Adapters' waits between retries, cut short so a retry storm takes no time."""


@pytest.fixture
def jobs_app(app, platforms, monkeypatch):
    """The test app with its adapters pointed at the sandbox."""
    monkeypatch.setitem(
        app.config, "PLATFORM_BASE_URLS", sandbox.base_urls(platforms.url)
    )
    monkeypatch.setitem(app.config, "ADAPTER_SLEEP", _no_wait)
    return app


@pytest.fixture
def ctx(jobs_app):
    with jobs_app.app_context():
        yield jobs_app


@pytest.fixture
def work(jobs_app):
    """``work()``: run every queued (and due scheduled) job, then return.

    The worker gets an app context of its own, as a worker process would; afterwards
    the test's session forgets what it had loaded, so it reads what the jobs wrote.
    """

    def run():
        connection = queues.redis_connection(jobs_app)
        with jobs_app.app_context():
            worker = SimpleWorker([queues.queue(jobs_app)], connection=connection)
            worker.work(burst=True, with_scheduler=True)
        db.session.expire_all()

    return run


@pytest.fixture
def account_on(ctx, platforms):
    """``account_on(platform, shop, credentials=None, **fields)``: a connected account
    on a sandbox shop, with fetching and pushing on unless ``fields`` say otherwise;
    ``credentials`` replace some of the shop's."""

    def make(platform, key, credentials=None, **fields):
        platforms.shop(platform, key)
        fields.setdefault("status", CONNECTED)
        fields.setdefault("fetch_enabled", True)
        fields.setdefault("push_enabled", True)
        creds = {**shop_credentials(platform, key), **(credentials or {})}
        return factories.account(platform, creds=creds, **fields)

    return make


def queue_action(account, action, **options):
    """Queue ``action`` and return its sync run; fail when it was not queued."""
    result = actions.enqueue(account, action, **options)
    assert result.outcome == "queued", result
    return result.run


def runs(account_id, action=None):
    query = select(SyncRun).where(SyncRun.account_id == account_id)
    if action:
        query = query.where(SyncRun.action == action)
    return db.session.scalars(query.order_by(SyncRun.id)).all()


def api_logs(account_id):
    return db.session.scalars(
        select(ApiLog).where(ApiLog.account_id == account_id).order_by(ApiLog.id)
    ).all()


def rq_job(jobs_app, key):
    return Job.fetch(key, connection=queues.redis_connection(jobs_app))


def make_retry_due(jobs_app, key):
    """Move a job waiting in RQ's scheduled registry to now, as if its wait passed."""
    queue = queues.queue(jobs_app)
    registry = ScheduledJobRegistry(queue=queue)
    assert key in registry.get_job_ids(), f"{key} is not scheduled for a retry"
    registry.schedule(rq_job(jobs_app, key), utcnow() - timedelta(seconds=1))


def redis_dump(connection):
    """Everything RQ keeps in Redis as bytes, job payloads decompressed."""
    found = []
    for key in connection.scan_iter("*"):
        kind = connection.type(key)
        if kind == b"string":
            values = [connection.get(key)]
        elif kind == b"hash":
            values = list(connection.hgetall(key).values())
        elif kind in (b"list",):
            values = connection.lrange(key, 0, -1)
        elif kind == b"set":
            values = list(connection.smembers(key))
        elif kind == b"zset":
            values = connection.zrange(key, 0, -1)
        elif kind == b"stream":
            values = [
                value
                for _, fields in connection.xrange(key)
                for value in fields.values()
            ]
        else:
            values = []
        for value in values:
            found.append(value)
            try:
                found.append(zlib.decompress(value))
            except zlib.error:
                pass
        found.append(key)
    return found


def account_secrets(account):
    """The secret credential values of ``account``, as stored now."""
    values = account.read_credentials()
    return {values[name] for name in account.spec.secret_fields if values.get(name)}


def sandbox_tokens(platforms):
    """Every token the sandbox issued or seeded, which a job may have obtained."""
    tokens = set()
    for (platform, _), shop in platforms.world.shops.items():
        data = shop.data
        if platform == EBAY:
            tokens |= set(data["access_tokens"]) | set(data["refresh_tokens"])
        elif platform == SHOPIFY:
            tokens |= set(data["access"]) | set(data["refresh"])
        elif platform == WOO:
            tokens |= set(data["keys"]) | set(data["keys"].values())
    return tokens


def account_ids():
    return db.session.scalars(select(EcAccount.id)).all()
