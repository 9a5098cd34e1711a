"""Test Connection: pending accounts become connected, rejected ones disconnected."""

import pytest

from models.account import CONNECTED, DISCONNECTED, PENDING
from tests.jobs.conftest import (
    EBAY,
    KOBE_LAB,
    KOBE_TEST,
    NARA,
    SHOPIFY,
    WOO,
    api_logs,
    queue_action,
)

SHOPS = [(WOO, KOBE_LAB), (EBAY, NARA), (SHOPIFY, KOBE_TEST)]


@pytest.mark.parametrize(("platform", "shop"), SHOPS)
def test_a_pending_account_becomes_connected(account_on, work, platform, shop):
    account = account_on(platform, shop, status=PENDING, status_reason="Just created.")
    run = queue_action(account, "test_connection", trigger="credentials")

    work()

    assert account.status == CONNECTED
    assert account.status_reason is None
    assert run.status == "succeeded"
    assert run.message.startswith("Connected to ")
    assert run.started_at <= run.finished_at
    logs = api_logs(account.id)
    assert logs and all(log.ok for log in logs)
    assert {log.job_id for log in logs} == {run.job_id}


@pytest.mark.parametrize(("platform", "shop"), SHOPS)
def test_revoked_credentials_disconnect_the_account(
    account_on, platforms, work, platform, shop
):
    account = account_on(platform, shop, status=PENDING)
    platforms.revoke(platform, shop)
    run = queue_action(account, "test_connection")

    work()

    assert account.status == DISCONNECTED
    assert account.status_reason
    assert run.status == "failed"
    assert run.error == account.status_reason
    refused = [log for log in api_logs(account.id) if not log.ok]
    assert refused, "the refused call is in the API log"
    assert refused[-1].status_code in (400, 401)
    assert refused[-1].failure_reason
    # eBay and Shopify refuse the token renewal (400/401); the key platform a 401
    if platform == WOO:
        assert [log.status_code for log in refused] == [401]


def test_a_revoked_key_logs_the_401(account_on, platforms, work):
    account = account_on(WOO, KOBE_LAB)
    platforms.revoke(WOO, KOBE_LAB)
    queue_action(account, "test_connection")

    work()

    (log,) = api_logs(account.id)
    assert (log.kind, log.status_code, log.ok) == ("connection", 401, False)
    assert "Consumer key is invalid" in log.failure_reason
    assert account.status == DISCONNECTED
    assert "401" in account.status_reason
    calls = platforms.calls(WOO, KOBE_LAB)
    assert [call["status"] for call in calls] == [401]
