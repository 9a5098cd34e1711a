"""No credential leaves a job: not in API log rows, runs, RQ's records or the logs."""

import logging
import time

import pytest
from sqlalchemy import select

import logging_setup
from extensions import db
from jobs.maintenance import prune_api_logs
from models import ApiLog, EcAccount, SyncRun, WarehouseProduct
from sandbox import shopify as shopify_sandbox
from services import actions, stock
from tests import factories
from tests.jobs.conftest import (
    EBAY,
    KOBE_LAB,
    KOBE_TEST,
    NARA,
    SHOPIFY,
    WOO,
    account_secrets,
    make_retry_due,
    queue_action,
    redis_dump,
    sandbox_tokens,
)

# loggers of the sandbox itself: they stand for the platforms, not for the product
PLATFORM_SIDE = ("werkzeug",)


@pytest.fixture
def debug_logging(caplog):
    """The product's logging as ``LOG_LEVEL=DEBUG`` sets it up, captured."""
    changed = {}
    for name in ("", "urllib3", "urllib3.connectionpool"):
        changed[name] = logging.getLogger(name).level
    logging_setup.configure("DEBUG")
    caplog.set_level(logging.DEBUG, logger="")
    yield caplog
    for name, level in changed.items():
        logging.getLogger(name).setLevel(level)


def product_log_text(caplog):
    lines = []
    for record in caplog.records:
        if record.name.startswith(PLATFORM_SIDE):
            continue
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def run_every_job_kind(accounts, platforms, jobs_app, work):
    """Each action once on each account where it applies, and the housekeeping."""
    for account in accounts:
        for action in (
            "test_connection",
            "fetch_orders",
            "sync_mappings",
            "stock_sync",
        ):
            if actions.enqueue(account, action).outcome != "queued":
                assert action == "sync_mappings" and account.platform == EBAY
        work()
    for product in db.session.scalars(select(WarehouseProduct)).all():
        stock.receive(product.id, 40)
        actions.queue_inbound_push(product.id)
    work()
    prune_api_logs()


def test_no_secret_appears_anywhere_after_every_job_kind(
    account_on, platforms, jobs_app, work, debug_logging, redis_client
):
    # warehouse products the shops list, so every push has something to send
    skus = [
        *sorted(s for s in platforms.stock(WOO, KOBE_LAB) if not s.isdigit())[:4],
        *sorted(platforms.stock(SHOPIFY, KOBE_TEST)["by_sku"])[:4],
        *sorted(platforms.stock(EBAY, NARA))[:4],
    ]
    for sku in skus:
        factories.product(sku=sku, on_hand=3)
    platforms.seed(SHOPIFY, KOBE_TEST, orders=12, days=3)
    # the seeded Shopify token runs out at once, so the job renews it
    platforms.seed(SHOPIFY, KOBE_TEST, token_ttl=0.3)
    time.sleep(0.4)
    woo = account_on(WOO, KOBE_LAB, credentials={"query_string_auth": True})
    ebay = account_on(EBAY, NARA)
    shopify = account_on(SHOPIFY, KOBE_TEST)
    accounts = [woo, ebay, shopify]
    secrets = set().union(*(account_secrets(a) for a in accounts))

    run_every_job_kind(accounts, platforms, jobs_app, work)
    renewed = shopify.read_credentials()["access_token"]
    assert renewed != shopify_sandbox.TEST_ACCESS_TOKEN

    # a retried failure and a rejection, whose reasons quote the platform
    platforms.fault(EBAY, NARA, "500", count=4)
    retried = queue_action(ebay, "fetch_orders")
    work()
    make_retry_due(jobs_app, retried.job_id)
    work()
    secrets |= sandbox_tokens(platforms)
    secrets |= set().union(*(account_secrets(a) for a in accounts))
    for app in jobs_app.config["PLATFORM_APPS"].values():
        secrets.add(app["client_secret"])
    platforms.revoke(WOO, KOBE_LAB)
    platforms.revoke(SHOPIFY, KOBE_TEST)
    queue_action(woo, "test_connection")
    queue_action(shopify, "test_connection")
    work()

    # the jobs did their work, so there was something to leak
    assert renewed in secrets
    assert {a.status for a in (woo, shopify)} == {"disconnected"}
    all_runs = db.session.scalars(select(SyncRun)).all()
    assert {run.action for run in all_runs} == {
        "test_connection",
        "fetch_orders",
        "sync_mappings",
        "stock_sync",
        "inbound_push",
        "prune_api_logs",
    }
    assert {"succeeded", "failed"} <= {run.status for run in all_runs}
    # WooCommerce got its keys in the query string; the log keeps the rest of it
    woo_paths = [
        log.path
        for log in db.session.scalars(select(ApiLog))
        if log.account_id == woo.id
    ]
    assert any("per_page=" in path for path in woo_paths)
    assert secrets and all(len(secret) >= 16 for secret in secrets)

    texts = []
    for log in db.session.scalars(select(ApiLog)):
        texts += [log.path, log.failure_reason or ""]
    for run in db.session.scalars(select(SyncRun)):
        texts += [run.message or "", run.error or ""]
    for account in db.session.scalars(select(EcAccount)):
        texts.append(account.status_reason or "")
    stored = "\n".join(texts)
    stored_bytes = b"\n".join(redis_dump(redis_client))
    logged = product_log_text(debug_logging)
    assert "jobs.base" in {r.name for r in debug_logging.records}

    for secret in secrets:
        assert secret not in stored, "a secret in the database"
        assert secret.encode() not in stored_bytes, "a secret in Redis"
        assert secret not in logged, "a secret in the log"
