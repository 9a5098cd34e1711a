"""Pages: the account detail page and the account list, at two data sizes.

Each page is requested through the Flask test client by a signed-in admin. The SQL
statements one request sends are counted with an engine event listener; the time of
a page is the median of several requests, beside the median of ``/healthz`` (one
``SELECT 1`` and a Redis ping) measured in the same rounds.
"""

import re
from datetime import timedelta

from sqlalchemy import func, insert, select

from bench import data
from bench.harness import QueryCounter, analyze, clear_tables, median, timed
from extensions import db
from models import ApiLog, EcAccount, ProductMapping, SyncRun, User, WarehouseProduct
from models.account import CONNECTED, DISCONNECTED, PENDING
from models.base import utcnow
from models.user import ADMIN
from services import mapping_health

SMALL = {"mappings": 500, "api_logs": 5_000, "accounts": 20}
LARGE = {"mappings": 50_000, "api_logs": 500_000, "accounts": 1_000}
PRODUCTS = 5_000
RUNS_PER_ACTION = 30
EMAIL = "bench-admin@example.com"
PASSWORD = "bench-password-0123"
CHUNK = 10_000


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def prepare(app):
    """The detail account, its shipping mappings, runs and the admin; return its id."""
    with app.app_context():
        clear_tables()
        user = User(email=EMAIL, role=ADMIN)
        user.set_password(PASSWORD)
        db.session.add(user)
        account = data.account(
            "shopify", "Bench detail", shipping_codes=("standard", "express", "pickup")
        )
        data.products_for([f"PAGE-{n:05d}" for n in range(PRODUCTS)])
        now = utcnow()
        runs = []
        for action in (
            "fetch_orders",
            "sync_mappings",
            "stock_sync",
            "test_connection",
        ):
            for n in range(RUNS_PER_ACTION):
                started = now - timedelta(hours=n + 1)
                runs.append(
                    {
                        "account_id": account.id,
                        "action": action,
                        "trigger": "schedule",
                        "status": "failed" if n % 7 == 3 else "succeeded",
                        "succeeded": 100,
                        "total": 100,
                        "progress_done": 4,
                        "progress_total": 4,
                        "message": "Done.",
                        "created_at": started,
                        "started_at": started,
                        "finished_at": started + timedelta(seconds=30),
                    }
                )
        db.session.execute(insert(SyncRun), runs)
        db.session.commit()
        return account.id


def grow(app, account_id, size):
    """Add rows until the account has ``size`` mappings and API log rows, and the
    list ``size`` accounts."""
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        have = db.session.scalar(
            select(func.count(ProductMapping.id)).where(
                ProductMapping.account_id == account_id
            )
        )
        products = db.session.scalars(
            select(WarehouseProduct.id).order_by(WarehouseProduct.id)
        ).all()
        now = utcnow()
        rows = []
        for n in range(have, size["mappings"]):
            matched = n % 20 != 7
            pushed = n % 4 != 0
            rows.append(
                {
                    "account_id": account_id,
                    "listing_id": str(40_000_000 + n),
                    "inventory_item_id": str(50_000_000 + n),
                    "platform_sku": f"PAGE-{n % PRODUCTS:05d}",
                    "title": f"Listing {n}",
                    "warehouse_product_id": products[n % len(products)]
                    if matched
                    else None,
                    "matched_manually": False,
                    "platform_quantity": n % 40,
                    "last_pushed_quantity": n % 40 if pushed else None,
                    "last_pushed_at": now - timedelta(hours=n % 48) if pushed else None,
                    "last_push_error": "Not stocked at the location."
                    if n % 97 == 5
                    else None,
                }
            )
        for chunk in _chunks(rows):
            db.session.execute(insert(ProductMapping), chunk)
        # as every writer of mappings does, so the page shows their counts
        mapping_health.recount(account_id)

        have = db.session.scalar(
            select(func.count(ApiLog.id)).where(ApiLog.account_id == account_id)
        )
        rows = []
        for n in range(have, size["api_logs"]):
            ok = n % 100 != 42
            rows.append(
                {
                    "account_id": account_id,
                    "kind": ("orders", "products", "stock")[n % 3],
                    "method": "GET" if n % 3 < 2 else "POST",
                    "path": f"/admin/api/2026-10/orders.json?limit=250&page={n % 80}",
                    "status_code": 200 if ok else 503,
                    "ok": ok,
                    "failure_reason": None if ok else "Service Unavailable",
                    "duration_ms": 40 + n % 200,
                    "created_at": now - timedelta(seconds=5 * (size["api_logs"] - n)),
                }
            )
        for chunk in _chunks(rows):
            db.session.execute(insert(ApiLog), chunk)

        have = db.session.scalar(select(func.count(EcAccount.id)))
        channel = account.sales_channel_id
        cipher = account.credentials_encrypted
        rows = []
        for n in range(have, size["accounts"]):
            platform = ("shopify", "woocommerce", "ebay")[n % 3]
            rows.append(
                {
                    "platform": platform,
                    "display_name": f"Shop {n:04d}",
                    "sales_channel_id": channel,
                    # the list never decrypts; every row holds the same sealed value
                    "credentials_encrypted": cipher,
                    "status": (CONNECTED, CONNECTED, PENDING, DISCONNECTED)[n % 4],
                    "status_since": now,
                    "fetch_enabled": n % 2 == 0,
                    "fetch_slots": ["09:00", "15:00"] if n % 2 == 0 else [],
                    "timezone": "Asia/Tokyo",
                    "next_fetch_at": now + timedelta(hours=n % 24)
                    if n % 2 == 0
                    else None,
                    "push_enabled": n % 3 != 1,
                    "push_percentage": 80,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for chunk in _chunks(rows):
            db.session.execute(insert(EcAccount), chunk)
        db.session.commit()
        analyze()
        db.session.remove()


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        token = re.search(
            r'id="csrf_token" name="csrf_token"[^>]*value="([^"]+)"', page
        )
    response = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"Signing in failed with {response.status_code}.")
    return client


def page_urls(account_id):
    return {
        "detail": f"/admin/ec-accounts/details/?id={account_id}",
        "list": "/admin/ec-accounts/",
    }


def count_queries(app, client, url):
    """The SQL statements one request of ``url`` sends, and its status."""
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}.")
    return counter.count, response


def time_pages(app, client, urls, rounds, warmup=3):
    """Median seconds per page and for /healthz, requested in interleaved rounds."""
    every = {"healthz": "/healthz", **urls}
    for _ in range(warmup):
        for url in every.values():
            client.get(url)
    seconds = {name: [] for name in every}
    for _ in range(rounds):
        for name, url in every.items():
            spent, response = timed(lambda: client.get(url))
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}.")
            seconds[name].append(spent)
    return {name: median(values) for name, values in seconds.items()}


def _recount(account_id):
    """What a writer of mappings pays once when it ends: the recount, committed."""
    mapping_health.recount(account_id)
    db.session.commit()


def _check_counts_shown(app, account_id, body):
    """The detail page must show the counts a live count finds."""
    with app.app_context():
        live = mapping_health.count_now(account_id)
        db.session.remove()
    if f"{live.matched} mapped" not in body:
        raise RuntimeError(f"The detail page does not show {live.matched} mapped.")


def measure(app, rounds, sizes=(SMALL, LARGE)):
    """Query counts and median times of both pages at each data size."""
    account_id = prepare(app)
    client = signed_in_client(app)
    urls = page_urls(account_id)
    found = []
    for size in sizes:
        grow(app, account_id, size)
        counts = {}
        for name, url in urls.items():
            counts[name], response = count_queries(app, client, url)
            body = response.get_data(as_text=True)
            if name == "list" and body.count('class="col-display_name"') == 0:
                raise RuntimeError("The account list shows no rows.")
            if name == "detail":
                _check_counts_shown(app, account_id, body)
        times = time_pages(app, client, urls, rounds)
        with app.app_context():
            health = median(
                [timed(lambda: _recount(account_id))[0] for _ in range(rounds)]
            )
            db.session.remove()
        found.append(
            {
                "size": size,
                "queries": counts,
                "seconds": times,
                "mapping_health": health,
            }
        )
    return found
