"""The load test's data, written inside the product: ``python -m bench.load.data``.

``seed`` adds what the demo lacks for realistic pages: the sandbox's three test shops as
live accounts beside the demo's three, filler accounts up to the requested number,
warehouse products for the SKUs the sandbox was bulk-seeded with, and a history of
sync runs and platform API log rows. ``warm`` runs the live accounts' first jobs through
the real queue and waits for them. ``summary`` prints the runs since a time as JSON.

Run it with the stack's environment (``DATABASE_URL``, ``REDIS_URL``, ...), as the
``flask --app wsgi`` commands are.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from extensions import db
from models import (
    ApiLog,
    EcAccount,
    SalesChannel,
    ShippingMethod,
    ShippingTypeMapping,
    SyncRun,
    WarehouseProduct,
)
from models.account import CONNECTED, DISCONNECTED, PENDING
from models.base import utcnow
from services import actions

# the sandbox's test shops, which no demo account uses (see sandbox/*.py)
TEST_SHOP_ACCOUNTS = [
    {
        "platform": "shopify",
        "display_name": "Kobe Test Shop",
        "credentials": {
            "shop": "kobe-test.myshopify.com",
            "access_token": "shpat_test_kobe_0000000000000001",
            "refresh_token": "shprt_test_kobe_0000000000000001",
        },
        "sandbox": ("shopify", "kobe-test.myshopify.com"),
        "shipping": {"standard": "STD"},
    },
    {
        "platform": "woocommerce",
        "display_name": "Kobe Lab",
        "credentials": {
            "site_url": "https://kobe-lab.example.com",
            "consumer_key": "ck_test_kobe_000000000000000000002",
            "consumer_secret": "cs_test_kobe_000000000000000000002",
            "query_string_auth": False,
        },
        "sandbox": ("woocommerce", "kobe-lab.example.com"),
        "shipping": {"flat_rate": "STD"},
    },
    {
        "platform": "ebay",
        "display_name": "Nara Test Seller",
        "credentials": {
            "marketplace_id": "EBAY_GB",
            "refresh_token": "v^1.1#test_nara_refresh_0000000002",
        },
        "sandbox": ("ebay", "nara-test-seller"),
        "shipping": {"UK_RoyalMailFirstClass": "EXP"},
    },
]
# the demo's accounts and the sandbox shops they talk to
DEMO_SANDBOX = {
    "Tokyo Store": ("shopify", "tokyo-store.myshopify.com"),
    "Osaka Outlet": ("woocommerce", "osaka-outlet.example.com"),
    "Kyoto Vintage": ("ebay", "kyoto-vintage"),
}

CITIES = ["Sapporo", "Sendai", "Nagoya", "Fukuoka", "Hiroshima", "Kanazawa", "Naha"]
KINDS = ["Outlet", "Store", "Market", "Select", "Studio", "Depot"]
TIMEZONES = ["Asia/Tokyo", "Europe/London", "America/New_York", "UTC"]
SLOTS = [["09:00"], ["08:00", "20:00"], ["09:00", "13:00", "17:30"], ["06:30", "18:30"]]
DISCONNECT_REASONS = [
    "The platform rejected the access token (401).",
    "The shop was closed by its owner.",
    "The API key was revoked.",
]
FAILURES = [
    (429, "Rate limited by the platform; retried later."),
    (500, "The platform answered 500 Internal Server Error."),
    (503, "The platform is unavailable (503)."),
    (401, "The platform rejected the credentials (401)."),
    (None, "Timed out after 30 seconds waiting for the platform."),
]
PATHS = {
    "shopify": [
        ("orders", "GET", "/admin/api/2026-10/orders.json?status=any&limit=250"),
        ("products", "GET", "/admin/api/2026-10/products.json?limit=250"),
        ("locations", "GET", "/admin/api/2026-10/locations.json"),
        ("stock", "POST", "/admin/api/2026-10/graphql.json"),
        ("connection", "GET", "/admin/api/2026-10/shop.json"),
        ("token", "POST", "/admin/oauth/access_token"),
    ],
    "woocommerce": [
        ("orders", "GET", "/wp-json/wc/v3/orders?per_page=100&orderby=modified"),
        ("products", "GET", "/wp-json/wc/v3/products?per_page=100"),
        ("stock", "POST", "/wp-json/wc/v3/products/batch"),
        ("connection", "GET", "/wp-json/wc/v3/system_status"),
    ],
    "ebay": [
        ("orders", "GET", "/sell/fulfillment/v1/order?limit=200"),
        ("products", "GET", "/sell/inventory/v1/inventory_item?limit=200"),
        ("stock", "POST", "/sell/inventory/v1/bulk_update_price_quantity"),
        ("token", "POST", "/identity/v1/oauth2/token"),
        ("connection", "GET", "/sell/account/v1/privilege"),
    ],
}
FINISHED_RUN_STATUSES = ["succeeded"] * 8 + ["partial", "failed"]


def _filler_credentials(platform, number):
    if platform == "shopify":
        return {
            "shop": f"load-shop-{number:02d}.myshopify.com",
            "access_token": f"shpat_load_{number:02d}_{'0' * 20}",
            "refresh_token": f"shprt_load_{number:02d}_{'0' * 20}",
        }
    if platform == "woocommerce":
        return {
            "site_url": f"https://load-shop-{number:02d}.example.com",
            "consumer_key": f"ck_load_{number:02d}_{'0' * 24}",
            "consumer_secret": f"cs_load_{number:02d}_{'0' * 24}",
            "query_string_auth": False,
        }
    return {
        "marketplace_id": "EBAY_US",
        "refresh_token": f"v^1.1#load_{number:02d}_0000",
    }


def _add_account(item, channel, methods, status, rng):
    account = EcAccount(
        platform=item["platform"],
        display_name=item["display_name"],
        sales_channel=channel,
        status=status,
        fetch_enabled=True,
        fetch_slots=rng.choice(SLOTS),
        timezone=rng.choice(TIMEZONES),
        push_enabled=True,
        push_percentage=rng.choice([50, 80, 100]),
    )
    account.write_credentials(item["credentials"])
    if status == DISCONNECTED:
        account.set_status(DISCONNECTED, rng.choice(DISCONNECT_REASONS))
    for code, method in item.get("shipping", {}).items():
        account.shipping_mappings.append(
            ShippingTypeMapping(platform_code=code, shipping_method=methods[method])
        )
    account.refresh_next_fetch()
    db.session.add(account)
    return account


def add_accounts(total, rng):
    """The test shops' accounts, then filler accounts until there are ``total``."""
    channels = {c.code: c for c in db.session.scalars(select(SalesChannel))}
    methods = {m.code: m for m in db.session.scalars(select(ShippingMethod))}
    for item in TEST_SHOP_ACCOUNTS:
        _add_account(item, channels["WEB"], methods, PENDING, rng)
    db.session.flush()

    existing = db.session.scalar(select(func.count(EcAccount.id)))
    platforms = ["shopify", "woocommerce", "ebay"]
    for number in range(1, max(0, total - existing) + 1):
        platform = platforms[number % 3]
        status = rng.choices([CONNECTED, DISCONNECTED, PENDING], [14, 4, 2])[0]
        item = {
            "platform": platform,
            "display_name": f"{rng.choice(CITIES)} {rng.choice(KINDS)} {number:02d}",
            "credentials": _filler_credentials(platform, number),
            "shipping": {"standard": "STD", "express": "EXP"} if number % 2 else {},
        }
        channel = channels["MKT" if platform == "ebay" else rng.choice(["WEB", "B2B"])]
        _add_account(item, channel, methods, status, rng)
    db.session.commit()


def add_products(skus, rng):
    """Warehouse products for SKUs the sandbox's shops list, so stock has targets."""
    known = set(db.session.scalars(select(WarehouseProduct.sku_key)))
    rows = []
    for number, sku in enumerate(skus, start=1):
        if sku.casefold() in known:
            continue
        rows.append(
            {
                "sku": sku,
                "sku_key": sku.casefold(),
                "name": f"Load item {sku}",
                "barcode": f"45{number:011d}",
                "on_hand": rng.randint(0, 200),
                "reserved": 0,
            }
        )
    if rows:
        db.session.execute(insert(WarehouseProduct), rows)
    db.session.commit()
    return len(rows)


def add_history(api_log_rows, runs_per_account, days, rng):
    """Finished sync runs and platform API log rows spread over the last ``days``."""
    now = utcnow()
    accounts = db.session.scalars(select(EcAccount).order_by(EcAccount.id)).all()
    span = days * 86400

    runs = []
    for account in accounts:
        for _ in range(runs_per_account):
            created = now - timedelta(seconds=rng.uniform(600, span))
            action = rng.choice(
                ["fetch_orders", "fetch_orders", "stock_sync", "test_connection"]
            )
            status = rng.choice(FINISHED_RUN_STATUSES)
            total = rng.randint(0, 300)
            failed = rng.randint(1, 5) if status != "succeeded" else 0
            runs.append(
                {
                    "account_id": account.id,
                    "action": action,
                    "trigger": rng.choice(["schedule", "schedule", "manual", "bulk"]),
                    "status": status,
                    "total": total,
                    "succeeded": max(0, total - failed),
                    "failed": failed,
                    "skipped": 0,
                    "progress_done": 1,
                    "progress_total": 1,
                    "message": f"Processed {total} items.",
                    "error": "Some items failed; see the API log." if failed else None,
                    "created_at": created,
                    "started_at": created + timedelta(seconds=1),
                    "finished_at": created + timedelta(seconds=rng.uniform(2, 90)),
                }
            )
    if runs:
        db.session.execute(insert(SyncRun), runs)

    logs = []
    for _ in range(api_log_rows):
        account = rng.choice(accounts)
        kind, method, path = rng.choice(PATHS[account.platform])
        failed = rng.random() < 0.08
        status_code, reason = rng.choice(FAILURES) if failed else (200, None)
        logs.append(
            {
                "account_id": account.id,
                "kind": kind,
                "method": method,
                "path": path,
                "status_code": status_code,
                "ok": not failed,
                "failure_reason": reason,
                "duration_ms": int(rng.lognormvariate(5, 0.7)),
                "job_id": f"{kind}-account-{account.id}",
                "created_at": now - timedelta(seconds=rng.uniform(0, span)),
            }
        )
    for start in range(0, len(logs), 1000):
        db.session.execute(insert(ApiLog), logs[start : start + 1000])
    db.session.commit()
    return len(runs), len(logs)


def live_accounts():
    """The accounts that talk to a sandbox shop, with that shop."""
    by_name = dict(DEMO_SANDBOX)
    by_name.update(
        {item["display_name"]: item["sandbox"] for item in TEST_SHOP_ACCOUNTS}
    )
    accounts = db.session.scalars(
        select(EcAccount).where(EcAccount.display_name.in_(list(by_name)))
    ).all()
    return [(account, by_name[account.display_name]) for account in accounts]


def seed(options):
    rng = random.Random(options.seed)
    add_accounts(options.accounts, rng)
    products = add_products(options.skus, rng)
    runs, logs = add_history(options.api_log_rows, options.runs_per_account, 14, rng)
    accounts = db.session.scalars(select(EcAccount).order_by(EcAccount.id)).all()
    plan = {
        "accounts": [{"id": a.id, "name": a.display_name} for a in accounts],
        "live": [
            {
                "id": account.id,
                "name": account.display_name,
                "platform": account.platform,
                "sandbox": list(shop),
            }
            for account, shop in live_accounts()
        ],
        "products_added": products,
        "runs_added": runs,
        "api_log_added": logs,
    }
    json.dump(plan, sys.stdout)


def _wait_for_runs(run_ids, timeout):
    """Poll until every run in ``run_ids`` has finished; return them."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        runs = db.session.scalars(select(SyncRun).where(SyncRun.id.in_(run_ids))).all()
        if all(run.finished for run in runs) or time.monotonic() > deadline:
            db.session.commit()
            return runs
        db.session.commit()
        time.sleep(1)


def _queue_and_wait(accounts, action, timeout):
    run_ids = []
    for account in accounts:
        result = actions.enqueue(account, action, trigger="manual")
        if result.run is not None:
            run_ids.append(result.run.id)
    runs = _wait_for_runs(run_ids, timeout)
    return {f"{run.action} {run.account.display_name}": run.status for run in runs}


def warm(options):
    """Connect the live accounts, build their mappings and fetch their orders once."""
    accounts = [account for account, _ in live_accounts()]
    outcome = {}

    # seed-demo --test-connections queued the demo's; wait for those, queue the rest
    pending = [a for a in accounts if a.status != CONNECTED]
    queued = db.session.scalars(
        select(SyncRun.id).where(
            SyncRun.action == "test_connection",
            SyncRun.status.in_(["queued", "running"]),
        )
    ).all()
    _wait_for_runs(queued, options.timeout)
    db.session.expire_all()
    pending = [a for a in accounts if a.status != CONNECTED]
    outcome.update(_queue_and_wait(pending, "test_connection", options.timeout))

    db.session.expire_all()
    mapped = [a for a in accounts if a.spec.capabilities.keeps_mapping_table]
    outcome.update(_queue_and_wait(mapped, "sync_mappings", options.timeout))
    outcome.update(_queue_and_wait(accounts, "fetch_orders", options.timeout))
    json.dump(outcome, sys.stdout)


def summary(options):
    """The runs created since ``--since`` (ISO time), counted by action and status."""
    since = datetime.fromisoformat(options.since).astimezone(UTC)
    rows = db.session.execute(
        select(SyncRun.action, SyncRun.status, func.count(SyncRun.id))
        .where(SyncRun.created_at >= since)
        .group_by(SyncRun.action, SyncRun.status)
    ).all()
    errors = db.session.scalars(
        select(SyncRun.error).where(
            SyncRun.created_at >= since, SyncRun.status == "failed"
        )
    ).all()
    api_calls = db.session.scalar(
        select(func.count(ApiLog.id)).where(ApiLog.created_at >= since)
    )
    json.dump(
        {
            "runs": [list(row) for row in rows],
            "errors": errors[:20],
            "api_calls": api_calls,
            "api_log_rows": db.session.scalar(select(func.count(ApiLog.id))),
        },
        sys.stdout,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--accounts", type=int, default=50)
    seeding.add_argument("--api-log-rows", type=int, default=5000)
    seeding.add_argument("--runs-per-account", type=int, default=12)
    seeding.add_argument("--skus-file", required=True, help="one SKU a line")
    seeding.add_argument("--seed", type=int, default=20261204)
    warming = commands.add_parser("warm")
    warming.add_argument("--timeout", type=float, default=300)
    summarizing = commands.add_parser("summary")
    summarizing.add_argument("--since", required=True)
    options = parser.parse_args(argv)

    from wsgi import create_app

    app = create_app()
    with app.app_context():
        if options.command == "seed":
            with open(options.skus_file) as handle:
                options.skus = [line.strip() for line in handle if line.strip()]
            seed(options)
        elif options.command == "warm":
            warm(options)
        else:
            summary(options)


if __name__ == "__main__":
    main()
