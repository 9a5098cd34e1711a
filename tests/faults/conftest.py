"""Fixtures for the fault tests: a whole stack of real processes on loopback.

``stack`` gives a PostgreSQL schema of this run, a redis-server of its own on a free
port, the platform sandbox over HTTP and as many ``flask --app wsgi worker``
processes as a test starts; the test's own app (for pages and queueing) uses the same
database and Redis. Everything a test starts is stopped when it ends.
"""

import json
import os
import time
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from rq.job import Job

import settings
from extensions import db
from models import EcAccount, ProductMapping, SyncRun, WarehouseProduct
from sandbox.woocommerce import SITES
from tests import factories, pages
from tests.conftest import (
    CREDENTIALS_KEY,
    SECRET_KEY,
    TEST_POSTGRES_URL,
    clean_tables,
    create_postgres_schema,
    dispose,
    drop_postgres_schema,
)
from tests.faults.processes import OwnRedis, WorkerProcess, wait_for
from tests.sandbox_server import RunningSandbox
from wsgi import create_app

FINAL = ("succeeded", "partial", "failed", "skipped")
PRODUCTS = 250  # three stock batches of at most 100
WORKER_APPLICATION_NAME = "ecadmin-fault-worker"
# the second WooCommerce sandbox site, which the demo data does not use
WOO_SITE = next(site for site in SITES if not site["demo"])
WOO_HOST = WOO_SITE["host"]


def _postgres_url(schema, application_name):
    """TEST_POSTGRES_URL limited to ``schema``, naming its connections."""
    parts = urlsplit(TEST_POSTGRES_URL)
    options = quote(f"-csearch_path={schema}")
    query = f"options={options}&application_name={application_name}"
    if parts.query:
        query = parts.query + "&" + query
    return urlunsplit(parts._replace(query=query))


@pytest.fixture(scope="session")
def fault_schema():
    """A PostgreSQL schema of this run, migrated to the head revision."""
    schema = create_postgres_schema("faults")
    app = create_app(
        {
            "TESTING": True,
            "APP_ENV": "test",
            "SECRET_KEY": SECRET_KEY,
            "CREDENTIALS_KEYS": [CREDENTIALS_KEY],
            "SQLALCHEMY_DATABASE_URI": settings._database_url(
                _postgres_url(schema, "ecadmin-fault-tests"), None
            ),
        }
    )
    with app.app_context():
        upgrade()
    dispose(app)
    yield schema
    drop_postgres_schema(schema)


@pytest.fixture(scope="session")
def own_redis(tmp_path_factory):
    server = OwnRedis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


class Arrivals:
    """WSGI middleware noting when each request reaches the sandbox.

    The sandbox records a call when it answers; a test asking whether a call was
    *started* after some moment needs its arrival time.
    """

    def __init__(self, app):
        self.app = app
        self.seen = []

    def __call__(self, environ, start_response):
        arrival = (time.monotonic(), environ["REQUEST_METHOD"], environ["PATH_INFO"])
        self.seen.append(arrival)
        return self.app(environ, start_response)

    def since(self, moment, path_part=""):
        return [
            (method, path)
            for at, method, path in list(self.seen)
            if at >= moment and path_part in path and "/_control/" not in path
        ]


@pytest.fixture(scope="session")
def sandbox_server():
    with RunningSandbox() as server:
        server.arrivals = Arrivals(server.app.wsgi_app)
        server.app.wsgi_app = server.arrivals
        yield server


class Stack:
    """The app of the test, its workers, and shortcuts for arranging and checking."""

    def __init__(self, schema, redis, sandbox, tmp_path):
        self.schema = schema
        self.redis = redis
        self.sandbox = sandbox
        self.tmp_path = tmp_path
        self.workers = []
        self.base_urls = {"woocommerce": f"{sandbox.url}/woocommerce/{{host}}"}
        self.app = create_app(
            {
                "TESTING": True,
                "APP_ENV": "test",
                "SECRET_KEY": SECRET_KEY,
                "CREDENTIALS_KEYS": [CREDENTIALS_KEY],
                "SQLALCHEMY_DATABASE_URI": settings._database_url(
                    _postgres_url(schema, "ecadmin-fault-tests"), None
                ),
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                "REDIS_URL": redis.url,
                "PLATFORM_BASE_URLS": self.base_urls,
            }
        )

    # processes

    def worker_env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "PLATFORM_BASE_URLS")
        }
        env.update(
            APP_ENV="development",
            SECRET_KEY=SECRET_KEY,
            CREDENTIALS_KEY=CREDENTIALS_KEY,
            DATABASE_URL=_postgres_url(self.schema, WORKER_APPLICATION_NAME),
            REDIS_URL=self.redis.url,
            PLATFORM_BASE_URLS=json.dumps(self.base_urls),
            INSTANCE_PATH=str(self.tmp_path / "instance"),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start_worker(self):
        number = len(self.workers) + 1
        worker = WorkerProcess(
            self.worker_env(), self.tmp_path / f"worker-{number}.log", self.redis.url
        )
        self.workers.append(worker)
        return worker.start()

    def stop(self):
        for worker in self.workers:
            worker.stop()
        dispose(self.app)

    def logs(self):
        return "\n".join(
            f"--- {worker.log_path.name}\n{worker.log()[-6000:]}"
            for worker in self.workers
        )

    # arranging

    def woo_account(self, **fields):
        """A connected WooCommerce account on the sandbox's second site."""
        fields.setdefault("status", "connected")
        fields.setdefault("fetch_enabled", True)
        fields.setdefault("fetch_slots", ["09:00"])
        fields.setdefault("push_enabled", True)
        with self.app.app_context():
            account = factories.account(
                "woocommerce",
                creds={
                    "site_url": f"https://{WOO_HOST}",
                    "consumer_key": WOO_SITE["consumer_key"],
                    "consumer_secret": WOO_SITE["consumer_secret"],
                    "query_string_auth": False,
                },
                **fields,
            )
            return account.id

    def client(self, role="operator"):
        with self.app.app_context():
            email = factories.user(role=role).email
        client = self.app.test_client()
        response = pages.login(client, email, factories.PASSWORD)
        assert response.status_code == 302, pages.text(response)
        return client

    def csrf(self, client, account_id):
        page = client.get(f"/admin/ec-accounts/details/?id={account_id}")
        assert page.status_code == 200
        return pages.csrf_token(page)

    def click(self, client, action, account_id, token=None, **data):
        """Press an action button of the detail page; return the flashed messages."""
        token = token or self.csrf(client, account_id)
        response = client.post(
            f"/admin/ec-accounts/run/{action}/?id={account_id}",
            data={"csrf_token": token, **data},
        )
        assert response.status_code == 302, pages.text(response)
        return response

    # checking

    def runs(self, account_id=None, action=None):
        with self.app.app_context():
            query = sa.select(SyncRun).order_by(SyncRun.id)
            if account_id is not None:
                query = query.where(SyncRun.account_id == account_id)
            if action is not None:
                query = query.where(SyncRun.action == action)
            runs = db.session.scalars(query).all()
            db.session.expunge_all()
            return runs

    def run(self, run_id):
        with self.app.app_context():
            run = db.session.get(SyncRun, run_id)
            if run is not None:
                db.session.expunge(run)
            return run

    def account(self, account_id):
        with self.app.app_context():
            account = db.session.get(EcAccount, account_id)
            if account is not None:
                db.session.expunge(account)
            return account

    def scalar(self, statement, **params):
        with self.app.app_context():
            return db.session.scalar(sa.text(statement), params)

    def wait_run(self, run_id, statuses=FINAL, seconds=30):
        def ended():
            run = self.run(run_id)
            return run if run is not None and run.status in statuses else None

        try:
            return wait_for(ended, seconds, f"run {run_id} to reach {statuses}")
        except AssertionError as error:
            run = self.run(run_id)
            state = (run.status, run.message, run.error) if run else "gone"
            raise AssertionError(f"{error}; it is {state}\n{self.logs()}") from None

    def marked_pushed(self, account_id):
        """Listing id to the figure its mapping says was pushed, for pushed ones."""
        with self.app.app_context():
            return dict(
                db.session.execute(
                    sa.select(
                        ProductMapping.listing_id, ProductMapping.last_pushed_quantity
                    ).where(
                        ProductMapping.account_id == account_id,
                        ProductMapping.last_pushed_at.isnot(None),
                    )
                ).all()
            )

    def job(self, job_id):
        with self.redis.client() as connection:
            try:
                job = Job.fetch(job_id, connection=connection)
                job.get_status(refresh=False)
                return job
            except Exception:
                return None


@pytest.fixture
def mapped(stack):
    """An account whose 250 listings are mapped to warehouse products, and a client
    signed in as an operator; a worker runs."""
    account_id = stack.woo_account()
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"products": PRODUCTS}
    )
    with stack.app.app_context():
        db.session.add_all(
            WarehouseProduct(
                sku=f"BULK-{n:05d}", name=f"Bulk {n}", on_hand=n % 70, reserved=n % 3
            )
            for n in range(1, PRODUCTS + 1)
        )
        db.session.commit()
    stack.start_worker()
    client = stack.client()
    stack.click(client, "sync_mappings", account_id)
    [sync] = stack.runs(account_id, "sync_mappings")
    assert stack.wait_run(sync.id).status == "succeeded"
    assert stack.scalar("SELECT count(*) FROM product_mappings") == PRODUCTS
    return account_id, client


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def stack(fault_schema, own_redis, sandbox, tmp_path):
    if not own_redis.process or not own_redis.process.running():
        own_redis.start()
    with own_redis.client() as client:
        client.flushall()
    stack = Stack(fault_schema, own_redis, sandbox, tmp_path)
    with stack.app.app_context():
        clean_tables()
    try:
        yield stack
    finally:
        stack.stop()


def elapsed(started):
    return time.monotonic() - started
