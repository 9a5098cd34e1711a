"""The benchmarks' code paths on tiny sizes, so that they keep working.

These run the product, the floor and the naive baseline of each benchmark once and
check what was sent and written: request counts and row counts, never times.
"""

import math

import pytest
from sqlalchemy import func, select

from bench import orders, pages, stock
from extensions import db
from models import ApiLog, EcAccount, ProductMapping
from sandbox import base_urls

TINY = {"mappings": 30, "api_logs": 200, "accounts": 3}
SMALL = {"mappings": 120, "api_logs": 900, "accounts": 60}


@pytest.fixture
def bench_app(make_app, sandbox):
    return make_app(PLATFORM_BASE_URLS=base_urls(sandbox.url))


def test_order_import_runs_the_product_the_floor_and_the_naive_import(
    bench_app, sandbox
):
    orders.seed_catalog(sandbox, products=20)
    orders.seed_orders(sandbox, 30)
    account_id = orders.prepare(bench_app)

    result = orders.measure(bench_app, sandbox, account_id, runs=1, naive_sample=5)

    assert result["orders"] == 30
    # three lines each, with an extra gift-wrap line or a lone gift-card line here
    # and there; the floor checked that it fetched and wrote the same counts
    assert 80 <= result["lines"] <= 100
    assert result["pages"] == 1
    assert result["api_log_rows"] == 1
    assert result["naive"]["sample"] == 5


def test_the_import_worker_reports_its_peak_memory(bench_app, backend, sandbox):
    orders.seed_catalog(sandbox, products=10)
    orders.seed_orders(sandbox, 20)
    account_id = orders.prepare(bench_app)
    config = backend.config(PLATFORM_BASE_URLS=base_urls(sandbox.url))

    measured = orders.peak_memory(bench_app, config, account_id)

    assert measured["status"] == "succeeded"
    assert measured["peak_kib"] >= measured["before_kib"] > 0
    with bench_app.app_context():
        assert db.session.get(EcAccount, account_id).fetch_cursor is not None


@pytest.mark.parametrize(
    "platform, items, limit", [("woocommerce", 250, 100), ("shopify", 300, 250)]
)
def test_stock_sync_sends_one_request_per_batch(
    bench_app, sandbox, platform, items, limit
):
    stock.seed_sandbox(sandbox, platform, items)
    account_id = stock.prepare(bench_app, platform, items)

    result = stock.measure(
        bench_app, sandbox, platform, account_id, items, runs=1, naive_sample=3
    )

    assert result["requests"] == math.ceil(items / limit) == result["expected_requests"]
    assert result["naive"]["requests"] == 3
    with bench_app.app_context():
        pushed = db.session.scalar(
            select(func.count(ProductMapping.id)).where(
                ProductMapping.last_pushed_at.isnot(None)
            )
        )
        assert pushed == items


def test_pages_send_as_many_queries_at_either_size(app):
    found = pages.measure(app, rounds=1, sizes=(TINY, SMALL))

    assert [m["size"] for m in found] == [TINY, SMALL]
    assert found[0]["queries"] == found[1]["queries"]
    assert found[0]["queries"]["detail"] > 0 and found[0]["queries"]["list"] > 0
    with app.app_context():
        assert db.session.scalar(select(func.count(ProductMapping.id))) == 120
        assert db.session.scalar(select(func.count(ApiLog.id))) == 900
        assert db.session.scalar(select(func.count(EcAccount.id))) == 60


def test_the_command_writes_its_results_page(tmp_path, capsys):
    from bench.__main__ import main

    output = tmp_path / "RESULTS.md"
    main(
        [
            "--quick",
            "--only",
            "import",
            "--databases",
            "sqlite",
            "--output",
            str(output),
        ]
    )

    page = output.read_text()
    assert "## Machine" in page and "## Order import" in page
    assert "| SQLite | 1,000 orders, " in page
    assert "| SQLite | 1,000 orders, " in capsys.readouterr().out
