"""The mapping health counts on the account page after the jobs that write mappings."""

import pytest

from extensions import db
from jobs import base
from models import EcAccount
from services import mapping_health, stock_push
from services.demo import demo_products
from tests import factories
from tests.jobs.conftest import KOBE_LAB, KOBE_TEST, OSAKA, SHOPIFY, WOO, queue_action
from tests.web import sections

DETAILS = "/admin/ec-accounts/details/?id={}"


@pytest.fixture
def page(jobs_app, login_as):
    """``page(account)``: the words of the account page's mapping health box."""
    client = login_as("viewer")

    def read(account):
        return sections.words(client.get(DETAILS.format(account.id)), "mapped-products")

    return read


def stored(account_id):
    db.session.expire_all()
    return mapping_health.of_account(db.session.get(EcAccount, account_id))


def counts(health):
    return health.total, health.unmatched, health.never_pushed, health.failed


def shown(health):
    """The counts as the page words them, before its "as of"."""
    words = [f"{health.matched} mapped"]
    if health.unmatched:
        words.append(f"{health.unmatched} unmatched")
    if health.never_pushed:
        words.append(f"{health.never_pushed} never pushed")
    if health.failed:
        words.append(f"{health.failed} failed last push")
    return " · ".join(words)


def test_the_page_counts_the_mappings_a_sync_built(account_on, page, work):
    for item in demo_products()[:40]:
        factories.product(sku=item["sku"])
    account = account_on(WOO, OSAKA)
    assert page(account).startswith("No mapped products.")

    run = queue_action(account, "sync_mappings")
    work()

    assert run.status == "succeeded", run.error
    health = stored(account.id)
    live = mapping_health.count_now(account.id)
    assert counts(health) == counts(live)
    assert health.matched == run.succeeded and health.unmatched == run.skipped
    assert health.never_pushed == health.matched and health.failed == 0
    assert health.counted_at >= run.started_at
    assert page(account) == (
        f"{shown(health)} as of {health.counted_at:%Y-%m-%d %H:%M} UTC; recounted "
        "when a sync or push ends and when a mapped product is deleted"
    )


def test_the_page_counts_the_items_a_push_failed(account_on, platforms, page, work):
    skus = sorted(sku for sku in platforms.stock(WOO, KOBE_LAB) if not sku.isdigit())
    products = [factories.product(sku=sku, on_hand=10) for sku in skus]
    account = account_on(WOO, KOBE_LAB)
    queue_action(account, "sync_mappings")
    work()
    # a listing the shop no longer has, mapped by hand: the push fails for it
    factories.product_mapping(
        account, products[0], listing_id="99999", matched_manually=True
    )
    before = stored(account.id)
    assert (before.never_pushed, before.failed) == (len(products) + 1, 0)

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "partial"
    health = stored(account.id)
    assert (health.matched, health.never_pushed, health.failed) == (
        len(products) + 1,
        1,
        1,
    )
    assert page(account).startswith(
        f"{len(products) + 1} mapped · 1 never pushed · 1 failed last push as of"
    )


def test_a_push_that_fails_midway_counts_what_it_pushed(
    account_on, platforms, jobs_app, page, work, monkeypatch
):
    monkeypatch.setitem(jobs_app.config, "SHOPIFY_STOCK_BATCH", 5)
    skus = sorted(platforms.stock(SHOPIFY, KOBE_TEST)["by_sku"])[:20]
    for sku in skus:
        factories.product(sku=sku, on_hand=10)
    account = account_on(SHOPIFY, KOBE_TEST)
    queue_action(account, "sync_mappings")
    work()
    # the shop's token is revoked once the push has recorded its first batch
    batches = []
    apply = stock_push.OutcomeWriter.apply

    def revoke_after_the_first_batch(writer, outcomes):
        apply(writer, outcomes)
        batches.append(len(outcomes))
        if len(batches) == 1:
            platforms.revoke(SHOPIFY, KOBE_TEST)

    monkeypatch.setattr(stock_push.OutcomeWriter, "apply", revoke_after_the_first_batch)

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "failed"
    health = stored(account.id)
    assert counts(health) == counts(mapping_health.count_now(account.id))
    assert 0 < health.never_pushed < health.matched == len(skus)
    assert health.counted_at >= run.started_at
    assert page(account).startswith(f"{len(skus)} mapped · ")


def test_a_job_that_fails_unexpectedly_still_recounts(
    account_on, page, work, monkeypatch
):
    account = account_on(WOO, OSAKA)
    factories.product_mapping(account, factories.product())
    # written by an earlier writer that did not recount (an older release, say)
    factories.product_mapping(account, None)
    db.session.execute(
        EcAccount.__table__.update().values(mappings_total=1, mappings_unmatched=0)
    )
    db.session.commit()

    def broken(self):
        raise RuntimeError("the job broke")

    monkeypatch.setattr(base.AccountJob, "adapter", broken)

    run = queue_action(account, "sync_mappings")
    work()

    db.session.refresh(run)
    assert run.status in ("queued", "failed")
    assert "Unexpected error (RuntimeError)" in (run.message or run.error)
    assert page(account).startswith("1 mapped · 1 unmatched · 1 never pushed as of")
