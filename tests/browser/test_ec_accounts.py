"""The EC account screens in a real browser, against the real stack and the sandbox.

The tests tell one story in file order, as an operator would live it: the seeded
connection test has run, orders are fetched, mappings built, stock overwritten, a bulk
fetch queued, a revoked token restored through Re-authorize; then a viewer looks and
finds nothing to press. Each step asserts what the page shows.
"""

import math
import os
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from services.demo import demo_products
from tests.browser.conftest import ROOT, VIEWER_EMAIL

pytestmark = pytest.mark.browser

TOKYO_SHOP = "tokyo-store.myshopify.com"
# the first order of the sandbox's seeded Tokyo Store
KNOWN_ORDER = "#1001"
# one demo SKU is listed twice on Tokyo Store (a bundle reuses it), so its sandbox
# figure is the sum of two listings
SHARED_SKU = demo_products()[7]["sku"]
RUN_SECONDS = 45
FINISHED = ("succeeded", "partial", "failed", "skipped")
# the README's picture, replaced only when asked: a test run leaves the checkout clean
DOCS_SCREENSHOT = ROOT / "docs" / "screenshots" / "detail-page.png"
UPDATE_DOCS = os.environ.get("UPDATE_SCREENSHOTS") == "1"


# what a user does and reads


def open_account(page, name):
    """Open an account's detail page from the EC Integrations list."""
    page.goto("/admin/ec-accounts/")
    page.locator("table.model-list").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def settings_value(page, label):
    """The value beside ``label`` in the Settings half of the detail page."""
    term = page.locator("#settings dt", has_text=label)
    return term.locator("xpath=./following-sibling::dd[1]")


def account_id(page):
    return int(re.search(r"[?&]id=(\d+)", page.url).group(1))


def expect_flash(page, text):
    expect(page.locator(".alert", has_text=text)).to_be_visible()


def latest_run(page, label):
    """The newest run row under ``label`` in Recent runs."""
    heading = page.locator("#recent-runs h6", has_text=label)
    return heading.locator("xpath=following-sibling::table[1]/tbody/tr[1]")


def wait_for_run(page, label):
    """Wait until the page shows the newest ``label`` run finished; return its row.

    The page polls its runs and reloads itself when a live one ends.
    """
    row = latest_run(page, label)
    finished = re.compile("|".join(FINISHED))
    status = row.locator(".run-status")
    expect(status).to_have_text(finished, timeout=RUN_SECONDS * 1000)
    return row


def expect_succeeded(page, label):
    row = wait_for_run(page, label)
    assert row.locator(".run-status").inner_text() == "succeeded", row.inner_text()
    return row


def wait_until_idle(page, account):
    """Poll the account's runs JSON until none is queued or running."""
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        response = page.request.get(f"/admin/ec-accounts/runs/?id={account}")
        assert response.ok, response.status
        live = [r for r in response.json()["runs"] if r["status"] not in FINISHED]
        if not live:
            return
        assert time.monotonic() < deadline, f"runs still live: {live}"
        time.sleep(0.3)


def available_in_warehouse(page, sku):
    """The Available figure of ``sku`` on the Products screen."""
    page.goto("/admin/products/")
    page.get_by_placeholder(re.compile("SKU", re.I)).fill(sku)
    page.keyboard.press("Enter")
    row = page.locator("table.model-list tbody tr", has_text=sku)
    expect(row).to_have_count(1)
    return int(row.locator("td.col-available").inner_text())


# the story


def test_tokyo_store_is_connected_after_the_seeded_test(admin_page, screenshot):
    page = admin_page
    open_account(page, "Tokyo Store")

    # the connection test seed-demo queued may still be on its way
    expect_succeeded(page, "Test Connection")
    expect(page.locator("#status-tag")).to_have_text("Connected")
    expect(page.locator("#disconnected-alert")).to_have_count(0)
    next_fetch = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
    expect(page.locator("#next-fetch")).to_have_text(next_fetch)
    for action in ("fetch_orders", "sync_mappings", "stock_sync", "test_connection"):
        expect(page.locator(f"#action-{action}")).to_be_visible()
    screenshot(page, "01-tokyo-connected", full_page=True)


def test_fetch_orders_manually_imports_the_shops_orders(admin_page, screenshot):
    page = admin_page
    open_account(page, "Tokyo Store")

    page.locator("#action-fetch_orders").click()
    expect_flash(page, "Fetch Orders Manually: queued for Tokyo Store.")
    row = expect_succeeded(page, "Fetch Orders Manually")
    screenshot(page, "02-fetch-succeeded", full_page=True)
    assert re.search(r"[1-9]\d* ok", row.inner_text()), row.inner_text()

    # the Orders screen, filtered to the account
    page.goto("/admin/orders/")
    page.locator("a.dropdown-toggle", has_text="Add Filter").click()
    filters = page.locator(".field-filters a.filter")
    filters.filter(has_text=re.compile(r"^\s*Account\s*$")).click()
    page.locator("#filter_form .filter-val").fill("Tokyo Store")
    page.locator("#filter_form").get_by_role("button", name="Apply").click()
    count = page.locator(".nav-tabs .nav-link.active", has_text="List")
    expect(count).to_have_text(re.compile(r"List \(\d+\)"))
    assert int(re.search(r"\d+", count.inner_text()).group()) > 0
    accounts = page.locator("table.model-list tbody td.col-account")
    assert set(accounts.all_inner_texts()) == {"Tokyo Store"}
    rows = page.locator("table.model-list tbody tr")

    page.get_by_placeholder(re.compile("Number", re.I)).fill(KNOWN_ORDER)
    page.keyboard.press("Enter")
    expect(rows.locator("td.col-number", has_text=KNOWN_ORDER)).to_have_count(1)
    screenshot(page, "02-orders", full_page=True)


def test_sync_product_mappings_shows_the_mapped_count(admin_page, screenshot):
    page = admin_page
    open_account(page, "Tokyo Store")
    expect(page.locator("#mapped-products")).to_contain_text("No mapped products")

    page.locator("#action-sync_mappings").click()
    expect_flash(page, "Sync Product Mappings: queued for Tokyo Store.")
    expect_succeeded(page, "Sync Product Mappings")
    mapped = page.locator("#mapped-products")
    expect(mapped).to_contain_text(re.compile(r"[1-9]\d* mapped"))
    screenshot(page, "03-mappings-synced", full_page=True)


def test_manual_stock_sync_overwrites_platform_stock(admin_page, stack, screenshot):
    page = admin_page
    open_account(page, "Tokyo Store")
    page.locator("#action-stock_sync").click()

    # the confirmation: percentage, item count and a preview of the changes
    card = page.locator(".card", has_text="Manual Stock Sync: Tokyo Store")
    expect(card).to_contain_text("80%")
    expect(page.locator("#item-count")).to_have_text(re.compile(r"[1-9]\d* items?"))
    preview = page.locator("#preview tbody tr")
    expect(preview.first).to_be_visible()
    screenshot(page, "04-stock-sync-confirm", full_page=True)

    # a SKU whose figure changes, listed once on the shop
    sku, new = None, None
    for cells in preview.evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    ):
        if cells[0] != SHARED_SKU and cells[2] != cells[3]:
            sku, new = cells[0], int(cells[3])
            break
    assert sku, "the preview shows no change to check"

    page.locator("#confirm-stock-sync").click()
    expect_flash(page, "Manual Stock Sync: queued for Tokyo Store.")
    expect_succeeded(page, "Manual Stock Sync")
    last_sync = settings_value(page, "Last sync")
    expect(last_sync).not_to_have_text("never")
    saved = screenshot(page, "04-stock-synced", full_page=True)
    if UPDATE_DOCS:
        shutil.copyfile(saved, DOCS_SCREENSHOT)

    # the shop now holds the push percentage of what the warehouse has available
    expected = math.floor(available_in_warehouse(page, sku) * 80 / 100)
    assert new == expected
    stock = stack.control("GET", f"shopify/{TOKYO_SHOP}/stock")
    assert stock["by_sku"][sku] == expected


def test_bulk_fetch_on_two_accounts(admin_page, screenshot):
    page = admin_page
    page.goto("/admin/ec-accounts/")
    for name in ("Tokyo Store", "Osaka Outlet"):
        page.locator("tr", has_text=name).locator("input[name=rowid]").check()

    page.get_by_role("button", name="With selected").click()
    page.locator(".dropdown-menu.show").get_by_text("Fetch orders", exact=True).click()
    expect_flash(page, "Fetch Orders Manually: 2 queued.")
    screenshot(page, "05-bulk-fetch-queued")

    # the WooCommerce shop's orders arrive too; both fetches end before the next
    # step revokes Tokyo Store's token
    open_account(page, "Osaka Outlet")
    row = expect_succeeded(page, "Fetch Orders Manually")
    assert re.search(r"[1-9]\d* ok", row.inner_text()), row.inner_text()
    open_account(page, "Tokyo Store")
    wait_until_idle(page, account_id(page))


def test_revoked_token_is_restored_by_reauthorize(admin_page, stack, screenshot):
    page = admin_page
    stack.control("POST", f"shopify/{TOKYO_SHOP}/revoke")
    open_account(page, "Tokyo Store")

    page.locator("#action-test_connection").click()
    expect_flash(page, "Test Connection: queued for Tokyo Store.")
    alert = page.locator("#disconnected-alert")
    expect(alert).to_be_visible(timeout=RUN_SECONDS * 1000)
    expect(page.locator("#status-tag")).to_have_text("Disconnected")
    expect(alert).to_contain_text("invalid_grant")
    expect(alert).not_to_contain_text("..")
    expect(page.locator("#action-fetch_orders")).to_have_count(0)
    screenshot(page, "06-disconnected", full_page=True)

    # Re-authorize: the platform's consent page, then back on the detail page
    alert.get_by_role("link", name="Re-authorize").click()
    expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url)))
    expect(page.locator("h1")).to_contain_text("Install")
    screenshot(page, "06-consent")
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(re.compile(r"/admin/ec-accounts/details/"))
    expect_flash(page, "Re-authorized. A connection test is queued to confirm it.")
    expect(page.locator("#status-tag")).to_have_text(
        "Connected", timeout=RUN_SECONDS * 1000
    )
    expect(page.locator("#disconnected-alert")).to_have_count(0)
    screenshot(page, "06-reconnected", full_page=True)


def test_viewer_sees_no_actions(new_page, screenshot):
    page = new_page(VIEWER_EMAIL)
    open_account(page, "Tokyo Store")

    expect(page.locator("#connection")).to_be_visible()
    expect(page.locator("#actions")).to_contain_text("an operator or admin runs")
    expect(page.locator("#actions button, [id^=action-]")).to_have_count(0)
    for name in ("Re-authorize", "Edit", "Delete"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    screenshot(page, "07-viewer", full_page=True)


def test_ebay_account_shows_the_real_time_lookup_note(admin_page, screenshot):
    page = admin_page
    open_account(page, "Kyoto Vintage")

    expect(page.locator("#status-tag")).to_have_text("Connected")
    expect(page.locator("#mapped-products")).to_contain_text("looks products up by SKU")
    expect(page.locator("#mapped-products")).not_to_contain_text("mapped")
    expect(page.locator("#action-sync_mappings")).to_have_count(0)
    expect(page.locator("#action-stock_sync")).to_be_visible()
    screenshot(page, "08-ebay", full_page=True)
