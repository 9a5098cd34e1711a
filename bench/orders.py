"""Order import: Shopify-shaped orders fetched from the sandbox and imported.

The product's run is the FetchOrders job as a worker runs it. The floor is the same
work without the product: the same page URLs fetched with a plain ``requests.Session``
(JSON decoded) plus the rows the product wrote, inserted again with one Core
``executemany`` per table into emptied tables. The naive baseline is the same job
committing each order on its own.
"""

import json
import subprocess
import sys

import requests
from sqlalchemy import func, insert, select

from bench import data
from bench.harness import ROOT, clear_tables, median, timed
from extensions import db
from jobs.orders import FetchOrders
from models import ApiLog, EcAccount, Order, OrderLine, SyncRun, WarehouseProduct
from sandbox import shopify as fake_shopify
from services.order_import import OrderImporter

SHOP = data.SHOPIFY_SHOP
IMPORT_TABLES = ("orders", "order_lines", "sync_runs", "api_logs")
# a 2,000-variant catalog the orders' lines are drawn from
CATALOG_PRODUCTS = 1000
LINES_PER_ORDER = 3


def seed_catalog(sandbox, products=CATALOG_PRODUCTS):
    """The shop's products, two variants each; call :func:`prepare` after it."""
    sandbox.seed("shopify", SHOP, products=products, variants=2)


def seed_orders(sandbox, orders):
    """``orders`` orders updated within the last day, lines drawn from the catalog.

    The shop's REST bucket is widened so neither the product nor the floor waits on
    the simulated rate limit: both are measured on their own cost.
    """
    sandbox.seed(
        "shopify",
        SHOP,
        orders=orders,
        lines=LINES_PER_ORDER,
        days=1,
        bucket_size=10_000,
        bucket_drain=100_000,
    )


def prepare(app):
    """The account, its catalog and mappings; return the account id."""
    with app.app_context():
        clear_tables()
        account = data.account(
            "shopify", "Bench Tokyo", shipping_codes=("standard", "express")
        )
        data.map_listings(account, data.listings_of(account))
        return account.id


def reset(account_id):
    """Empty the order tables, forget the cursor and the reservations."""
    clear_tables(*IMPORT_TABLES)
    account = db.session.get(EcAccount, account_id)
    account.fetch_cursor = None
    account.last_fetch_at = None
    db.session.execute(WarehouseProduct.__table__.update().values(reserved=0))
    db.session.commit()


class OrderByOrder(FetchOrders):
    """The naive import: every order upserted and committed on its own.

    It stops after ``limit`` orders, so that its cost can be sampled.
    """

    limit = None

    def perform(self):
        adapter = self.adapter()
        since, until = self.window()
        importer = OrderImporter(self.account)
        imported = 0
        for page in adapter.fetch_orders(since, until):
            for order in page:
                if self.limit and imported >= self.limit:
                    return f"Imported the first {imported} orders one by one."
                imported += importer.import_page([order])
                self.run_row.count(succeeded=1)
                self.commit()
            self.run_row.advance(1)
        self.account.fetch_cursor = until
        return f"Imported {imported} orders one by one."


def run_job(app, account_id, job_class=FetchOrders):
    """Time one import run; return (seconds, orders, lines, run status)."""
    with app.app_context():
        reset(account_id)
        account = db.session.get(EcAccount, account_id)
        run_id = data.new_run(account, "fetch_orders")
        db.session.remove()
    with app.app_context():
        seconds, status = timed(lambda: job_class(account_id, run_id).run())
        db.session.remove()
    with app.app_context():
        orders = db.session.scalar(select(func.count(Order.id)))
        lines = db.session.scalar(select(func.count(OrderLine.id)))
        run = db.session.get(SyncRun, run_id)
        if run.status != "succeeded":
            raise RuntimeError(f"The import run ended {run.status}: {run.error}")
    return seconds, orders, lines, status


def written_rows():
    """What the product wrote, as plain dicts, for the floor to insert again."""
    orders = [
        dict(row) for row in db.session.execute(select(Order.__table__)).mappings()
    ]
    lines = [
        dict(row) for row in db.session.execute(select(OrderLine.__table__)).mappings()
    ]
    return orders, lines


def fetched_urls(sandbox):
    """The order page URLs the product asked for, in order, from the sandbox's log."""
    return [
        f"{sandbox.url}{call['path']}" + (f"?{call['query']}" if call["query"] else "")
        for call in sandbox.calls("shopify", SHOP)
        if call["method"] == "GET" and call["path"].endswith("/orders.json")
    ]


def plain_fetch(urls):
    """The floor's half on the wire: the same pages, decoded; return the order count."""
    session = requests.Session()
    headers = {
        "X-Shopify-Access-Token": fake_shopify.DEMO_ACCESS_TOKEN,
        "Accept": "application/json",
    }
    count = 0
    for url in urls:
        response = session.get(url, headers=headers, timeout=(5, 30))
        response.raise_for_status()
        count += len(response.json()["orders"])
    return count


def bulk_insert(orders, lines):
    """The floor's half in the database: one executemany per table, one commit."""
    with db.engine.begin() as connection:
        connection.execute(insert(Order.__table__), orders)
        if lines:
            connection.execute(insert(OrderLine.__table__), lines)


def measure(app, sandbox, account_id, runs, naive_sample=None):
    """Product, floor and naive runs of one import size on one database."""
    sandbox.clear_calls("shopify", SHOP)
    product_times, fetch_times, insert_times, wire_times = [], [], [], []
    urls = rows = None
    counts = None
    for _ in range(runs):
        sandbox.clear_calls("shopify", SHOP)
        seconds, orders, lines, _ = run_job(app, account_id)
        product_times.append(seconds)
        counts = (orders, lines)
        with app.app_context():
            api_log_rows, wire_ms = db.session.execute(
                select(
                    func.count(ApiLog.id),
                    func.coalesce(func.sum(ApiLog.duration_ms), 0),
                )
            ).one()
            wire_times.append(wire_ms / 1000)
        if rows is None:
            urls = fetched_urls(sandbox)
            with app.app_context():
                rows = written_rows()

        # the floor, on the same emptied tables
        with app.app_context():
            clear_tables(*IMPORT_TABLES)
            fetch_seconds, fetched = timed(lambda: plain_fetch(urls))
            insert_seconds, _ = timed(lambda: bulk_insert(*rows))
            inserted = db.session.scalar(select(func.count(OrderLine.id)))
            db.session.remove()
        if fetched != orders or inserted != lines:
            raise RuntimeError(
                f"The floor handled {fetched} orders and {inserted} lines; the product "
                f"{orders} and {lines}."
            )
        fetch_times.append(fetch_seconds)
        insert_times.append(insert_seconds)

    floors = [f + i for f, i in zip(fetch_times, insert_times)]
    result = {
        "orders": counts[0],
        "lines": counts[1],
        "pages": len(urls),
        "product": median(product_times),
        "product_runs": product_times,
        "floor": median(floors),
        "floor_fetch": median(fetch_times),
        "floor_insert": median(insert_times),
        "api_log_rows": api_log_rows,
        "product_wire": median(wire_times),
        "naive": None,
    }
    if naive_sample:
        OrderByOrder.limit = naive_sample
        seconds, orders, _, _ = run_job(app, account_id, OrderByOrder)
        result["naive"] = {
            "sample": orders,
            "seconds": seconds,
            "projected": seconds / orders * result["orders"],
        }
    return result


# peak memory, measured in a worker process of its own


def peak_memory(app, config, account_id):
    """Run one import in a fresh process on the app built from ``config`` (the same
    database and keys as ``app``); return what it reports (KiB, seconds)."""
    with app.app_context():
        reset(account_id)
        run_id = data.new_run(db.session.get(EcAccount, account_id), "fetch_orders")
        db.session.remove()
    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_worker", str(account_id), str(run_id)],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"The import worker failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
