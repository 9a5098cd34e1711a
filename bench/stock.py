"""Manual stock sync: every mapped listing's stock overwritten, in batches.

The product's run is the ManualStockSync job. The floor is the same work done bare:
the same batch POSTs (the bodies the sandbox received from the product, each Shopify
batch with a fresh idempotency key) sent again with a plain ``requests.Session``, then
the rows the product wrote written again in raw SQL with one commit: every mapping's
outcome in one statement, the run's API log rows in one executemany. The naive
baseline is the same job sending one item per request, timed on a sample and projected.
"""

import math
import re
import uuid
from dataclasses import replace

import requests
from sqlalchemy import func, insert, select

from bench import data
from bench.harness import analyze, clear_tables, median, timed
from extensions import db
from jobs.stock import ManualStockSync
from models import ApiLog, EcAccount, ProductMapping, SyncRun
from sandbox import shopify as fake_shopify

PLATFORMS = {
    # platform: (shop key in the sandbox, the largest batch the product should send)
    "woocommerce": (data.WOO_HOST, 100),
    "shopify": (data.SHOPIFY_SHOP, 250),
}
IDEMPOTENCY_KEY = re.compile(r'key:\s*"[^"]*"')


def seed_sandbox(sandbox, platform, items):
    shop, _ = PLATFORMS[platform]
    if platform == "woocommerce":
        sandbox.seed(platform, shop, products=items)
    else:
        sandbox.seed(platform, shop, products=math.ceil(items / 2), variants=2)
        refill_points(sandbox)


def refill_points(sandbox):
    """A full GraphQL points budget, so neither side waits on the simulated limit."""
    sandbox.seed(
        "shopify",
        PLATFORMS["shopify"][0],
        graphql_available=fake_shopify.POINTS_MAX,
        bucket_size=10_000,
        bucket_drain=100_000,
    )


def prepare(app, platform, items):
    """An account whose first ``items`` listings are mapped; return its id."""
    with app.app_context():
        clear_tables()
        account = data.account(platform, f"Bench {platform}")
        listings = data.listings_of(account)[:items]
        mapped = data.map_listings(account, listings)
        if mapped != items:
            raise RuntimeError(f"{mapped} listings were mapped; {items} were wanted.")
        account_id = account.id
        # the planner's statistics, as autovacuum would have them after a bulk load
        analyze()
        return account_id


class OneAtATime(ManualStockSync):
    """The naive push: one item per request, over the first ``limit`` mappings."""

    limit = None

    def adapter(self):
        adapter = super().adapter()
        adapter.config = replace(adapter.config, stock_batch={adapter.spec.name: 1})
        return adapter

    def selected(self, planned):
        return planned[: self.limit] if self.limit else planned


def run_job(app, sandbox, platform, account_id, job_class=ManualStockSync):
    """Time one sync; return (seconds, items pushed, mappings stamped, seconds on the
    wire by the API log, the sandbox's calls)."""
    shop, _ = PLATFORMS[platform]
    if platform == "shopify":
        refill_points(sandbox)
    with app.app_context():
        clear_tables("api_logs")
        run_id = data.new_run(db.session.get(EcAccount, account_id), "stock_sync")
        db.session.remove()
    sandbox.clear_calls(platform, shop)
    with app.app_context():
        seconds, _ = timed(lambda: job_class(account_id, run_id).run())
        db.session.remove()
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        if run.status != "succeeded":
            raise RuntimeError(f"The stock sync ended {run.status}: {run.error}")
        pushed = run.succeeded
        wire_ms = db.session.scalar(
            select(func.coalesce(func.sum(ApiLog.duration_ms), 0))
        )
        stamped = db.session.scalar(
            select(func.count(ProductMapping.id)).where(
                ProductMapping.account_id == account_id,
                ProductMapping.last_pushed_at.isnot(None),
            )
        )
        db.session.remove()
    return seconds, pushed, stamped, wire_ms / 1000, sandbox.calls(platform, shop)


def batch_calls(platform, calls):
    """The stock batch POSTs among a run's calls."""
    if platform == "woocommerce":
        return [
            c for c in calls if c["method"] == "POST" and c["path"].endswith("/batch")
        ]
    return [
        c
        for c in calls
        if c["method"] == "POST" and c["path"].endswith("/graphql.json")
    ]


def plain_post(sandbox, platform, posts):
    """The floor: the same batch POSTs with a plain session; return items answered."""
    session = requests.Session()
    kwargs = {"timeout": (5, 30)}
    if platform == "woocommerce":
        kwargs["auth"] = (
            data.WOO_SITE["consumer_key"],
            data.WOO_SITE["consumer_secret"],
        )
    else:
        kwargs["headers"] = {"X-Shopify-Access-Token": fake_shopify.DEMO_ACCESS_TOKEN}
    answered = 0
    for call in posts:
        body = call["body"]
        if platform == "shopify":
            # a repeated key would be answered from Shopify's memory, not applied
            body = dict(
                body, query=IDEMPOTENCY_KEY.sub(f'key: "{uuid.uuid4()}"', body["query"])
            )
        url = f"{sandbox.url}{call['path']}" + (
            f"?{call['query']}" if call["query"] else ""
        )
        response = session.post(url, json=body, **kwargs)
        response.raise_for_status()
        document = response.json()
        if platform == "woocommerce":
            answered += sum(1 for item in document["update"] if "error" not in item)
        else:
            result = document["data"]["inventorySetQuantities"]
            if document.get("errors") or result["userErrors"]:
                raise RuntimeError(f"The floor's batch was refused: {document}")
            answered += len(result["inventoryAdjustmentGroup"]["changes"])
    return answered


# the columns a push writes on each mapping, after its id
OUTCOMES = (
    "id, last_pushed_quantity, last_pushed_at, platform_quantity, last_push_error"
)
RAW_UPDATE = {
    # every row's values as five arrays, joined in one UPDATE
    "postgresql": """
        UPDATE product_mappings AS m
        SET last_pushed_quantity = v.quantity, last_pushed_at = v.pushed_at,
            platform_quantity = v.shown, last_push_error = v.error
        FROM unnest(%s::integer[], %s::integer[], %s::timestamptz[], %s::integer[],
                    %s::varchar[]) AS v(id, quantity, pushed_at, shown, error)
        WHERE m.id = v.id""",
    # one prepared statement run over every row by sqlite3's executemany, in C
    "sqlite": """
        UPDATE product_mappings
        SET last_pushed_quantity = ?, last_pushed_at = ?, platform_quantity = ?,
            last_push_error = ?
        WHERE id = ?""",
}


def written_rows(app, account_id):
    """The rows a product run wrote, as the floor writes them again: (the mapping
    outcomes as the driver's raw parameters, the API log rows)."""
    logs = ApiLog.__table__
    with app.app_context():
        connection = db.session.connection()
        dialect = db.engine.dialect.name
        mark = "%s" if dialect == "postgresql" else "?"
        rows = connection.exec_driver_sql(
            f"SELECT {OUTCOMES} FROM product_mappings WHERE account_id = {mark} "
            "ORDER BY id",
            (account_id,),
        ).all()
        if dialect == "postgresql":
            outcomes = tuple(list(column) for column in zip(*rows))
        else:
            outcomes = [(*row[1:], row[0]) for row in rows]
        log_rows = [
            {k: v for k, v in row.items() if k != "id"}
            for row in db.session.execute(select(logs).order_by(logs.c.id)).mappings()
        ]
        db.session.remove()
    return outcomes, log_rows


def bulk_write(app, outcomes, log_rows):
    """The floor's writes, in raw SQL: every mapping's outcome in one statement, the
    API log rows in one executemany, and one commit."""
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql(RAW_UPDATE[db.engine.dialect.name], outcomes)
        db.session.execute(insert(ApiLog.__table__), log_rows)
        db.session.commit()
        db.session.remove()


def floor(app, sandbox, platform, posts, outcomes, log_rows):
    """The same POSTs, then the same rows written in bulk; return items answered."""
    answered = plain_post(sandbox, platform, posts)
    bulk_write(app, outcomes, log_rows)
    return answered


def measure(app, sandbox, platform, account_id, items, runs, naive_sample=None):
    shop, limit = PLATFORMS[platform]
    product_times, floor_times, wire_times = [], [], []
    counts = None
    for _ in range(runs):
        seconds, pushed, stamped, wire, calls = run_job(
            app, sandbox, platform, account_id
        )
        wire_times.append(wire)
        posts = batch_calls(platform, calls)
        if pushed != items or stamped != items:
            raise RuntimeError(f"The product pushed {pushed} of {items} items.")
        product_times.append(seconds)
        counts = (len(posts), len(calls))

        outcomes, log_rows = written_rows(app, account_id)
        with app.app_context():
            clear_tables("api_logs")
            db.session.remove()
        if platform == "shopify":
            refill_points(sandbox)
        floor_seconds, answered = timed(
            lambda: floor(app, sandbox, platform, posts, outcomes, log_rows)
        )
        if answered != items:
            raise RuntimeError(
                f"The floor's batches answered {answered} of {items} items."
            )
        floor_times.append(floor_seconds)

    result = {
        "platform": platform,
        "items": items,
        "batch_limit": limit,
        "requests": counts[0],
        "all_calls": counts[1],
        "expected_requests": math.ceil(items / limit),
        "product": median(product_times),
        "product_runs": product_times,
        "product_wire": median(wire_times),
        "floor": median(floor_times),
        "naive": None,
    }
    if naive_sample:
        OneAtATime.limit = naive_sample
        seconds, _, _, _, calls = run_job(
            app, sandbox, platform, account_id, OneAtATime
        )
        result["naive"] = {
            "sample": naive_sample,
            "seconds": seconds,
            "requests": len(batch_calls(platform, calls)),
            "projected": seconds / naive_sample * items,
        }
    return result
