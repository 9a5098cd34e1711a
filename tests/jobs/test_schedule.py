"""Scheduling: fetch slots across daylight saving, the scheduler's tick, its cron."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import queues
from extensions import db
from jobs import commands
from jobs.schedule import enqueue_due_fetches
from models import Order
from models.account import CONNECTED, DISCONNECTED, PENDING
from models.base import utcnow
from services import actions
from services.accounts import delete_account
from services.schedule import next_fetch_time
from tests import factories
from tests.conftest import run_cli
from tests.jobs.conftest import KOBE_LAB, WOO, queue_action, runs


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def local(zone, *parts):
    return datetime(*parts, tzinfo=ZoneInfo(zone))


# next_fetch_time


def test_tokyo_has_no_daylight_saving():
    slots = ["09:00", "13:00", "17:30"]
    # 13:30 in Tokyo
    assert next_fetch_time(slots, "Asia/Tokyo", utc(2026, 3, 8, 4, 30)) == local(
        "Asia/Tokyo", 2026, 3, 8, 17, 30
    )
    # 18:00 in Tokyo: the first slot of the next day
    assert next_fetch_time(slots, "Asia/Tokyo", utc(2026, 3, 8, 9, 0)) == utc(
        2026, 3, 9, 0, 0
    )
    # exactly at a slot: the next one, never the same instant twice
    at_slot = local("Asia/Tokyo", 2026, 7, 1, 13, 0)
    assert next_fetch_time(slots, "Asia/Tokyo", at_slot) == local(
        "Asia/Tokyo", 2026, 7, 1, 17, 30
    )


def test_no_slots_no_fetch():
    assert next_fetch_time([], "UTC", utcnow()) is None


@pytest.mark.parametrize(
    ("zone", "slot", "after", "expected"),
    [
        # New York springs forward on 2026-03-08 at 02:00 EST to 03:00 EDT
        ("America/New_York", "10:00", utc(2026, 3, 7, 16), utc(2026, 3, 8, 14)),
        ("America/New_York", "10:00", utc(2026, 3, 6, 16), utc(2026, 3, 7, 15)),
        # a slot in the skipped hour runs when the clocks jump, at 03:00 EDT
        ("America/New_York", "02:30", utc(2026, 3, 8, 5), utc(2026, 3, 8, 7)),
        ("America/New_York", "02:00", utc(2026, 3, 8, 5), utc(2026, 3, 8, 7)),
        # New York falls back on 2026-11-01 at 02:00 EDT to 01:00 EST
        ("America/New_York", "01:30", utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30)),
        # after its first occurrence, the repeated 01:30 runs again only the next day
        ("America/New_York", "01:30", utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
        ("America/New_York", "10:00", utc(2026, 11, 1, 0), utc(2026, 11, 1, 15)),
        # Berlin springs forward on 2026-03-29 at 02:00 CET to 03:00 CEST
        ("Europe/Berlin", "02:15", utc(2026, 3, 28, 23), utc(2026, 3, 29, 1)),
        ("Europe/Berlin", "08:00", utc(2026, 3, 28, 8), utc(2026, 3, 29, 6)),
        # Berlin falls back on 2026-10-25 at 03:00 CEST to 02:00 CET
        ("Europe/Berlin", "02:30", utc(2026, 10, 24, 23), utc(2026, 10, 25, 0, 30)),
        ("Europe/Berlin", "02:30", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
    ],
)
def test_slots_across_daylight_saving_changes(zone, slot, after, expected):
    assert next_fetch_time([slot], zone, after) == expected


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Asia/Tokyo"])
@pytest.mark.parametrize("slot", ["02:30", "01:30", "12:00"])
def test_a_daily_slot_fetches_once_every_local_day_for_a_year(zone, slot):
    moment = utc(2026, 1, 1)
    fetched = []
    while moment < utc(2027, 1, 1):
        moment = next_fetch_time([slot], zone, moment)
        fetched.append(moment.astimezone(ZoneInfo(zone)))

    days = [when.date() for when in fetched]
    assert len(days) == len(set(days))
    first = days[0]
    assert days == [first + timedelta(days=n) for n in range(len(days))]
    hour, minute = (int(part) for part in slot.split(":"))
    for when in fetched:
        # on time, or at the end of the gap the slot fell in
        assert (when.hour, when.minute) in ((hour, minute), (hour + 1, 0))
    gaps = {b - a for a, b in zip(fetched, fetched[1:])}
    assert gaps <= {timedelta(hours=h) for h in (23, 23.5, 24, 24.5, 25)}


# the scheduler's tick


def test_the_tick_queues_only_due_enabled_connected_accounts(
    account_on, jobs_app, work
):
    now = utcnow()
    past, future = now - timedelta(minutes=1), now + timedelta(hours=1)
    slots = {"fetch_slots": ["08:00", "20:00"], "timezone": "Asia/Tokyo"}
    due = account_on(WOO, KOBE_LAB, next_fetch_at=past, **slots)
    later = factories.account(
        WOO, status=CONNECTED, fetch_enabled=True, next_fetch_at=future, **slots
    )
    disabled = factories.account(
        WOO, status=CONNECTED, fetch_enabled=False, next_fetch_at=past, **slots
    )
    disconnected = factories.account(
        WOO, status=DISCONNECTED, fetch_enabled=True, next_fetch_at=past, **slots
    )
    pending = factories.account(
        WOO, status=PENDING, fetch_enabled=True, next_fetch_at=past, **slots
    )
    busy = factories.account(
        WOO, status=CONNECTED, fetch_enabled=True, next_fetch_at=past, **slots
    )
    queue_action(busy, "fetch_orders")
    deleted = factories.account(
        WOO, status=CONNECTED, fetch_enabled=True, next_fetch_at=past, **slots
    )
    delete_account(deleted)

    assert enqueue_due_fetches() == 1

    assert sorted(queues.queue(jobs_app).job_ids) == sorted(
        actions.job_id("fetch_orders", account.id) for account in (due, busy)
    )
    (run,) = runs(due.id)
    assert (run.action, run.trigger) == ("fetch_orders", "schedule")
    for account in (due, disconnected, pending, busy):
        # moved on to the next slot, fetched or not
        assert account.next_fetch_at == next_fetch_time(
            slots["fetch_slots"], "Asia/Tokyo", now
        )
        assert account.next_fetch_at > now
    assert later.next_fetch_at == future
    assert disabled.next_fetch_at == past
    assert runs(disconnected.id) == [] and runs(pending.id) == []

    # the next tick finds nothing due
    assert enqueue_due_fetches() == 0

    work()
    assert run.status == "succeeded"
    imported = db.session.scalar(
        select(func.count(Order.id)).where(Order.account_id == due.id)
    )
    assert imported > 0, "the scheduled fetch imported the shop's orders"


def test_the_scheduler_registers_the_tick_and_the_nightly_prune(
    account_on, jobs_app, work
):
    due = account_on(
        WOO,
        KOBE_LAB,
        fetch_slots=["06:00"],
        timezone="Europe/Berlin",
        next_fetch_at=utcnow() - timedelta(seconds=5),
    )
    cron = commands.build_scheduler(queues.redis_connection(jobs_app))

    registered = {job.func_name: job for job in cron.get_jobs()}
    assert set(registered) == {
        "jobs.schedule.enqueue_due_fetches",
        "jobs.maintenance.prune_api_logs",
    }
    tick = registered["jobs.schedule.enqueue_due_fetches"]
    assert (tick.interval, tick.queue_name) == (
        commands.SCHEDULE_TICK_SECONDS,
        "default",
    )
    prune = registered["jobs.maintenance.prune_api_logs"]
    assert prune.cron == commands.PRUNE_CRON

    # one turn of the scheduler's loop: the tick is due at once, the prune tonight
    enqueued = cron.enqueue_jobs()
    assert [job.func_name for job in enqueued] == ["jobs.schedule.enqueue_due_fetches"]
    work()

    (run,) = runs(due.id)
    assert (run.trigger, run.status) == ("schedule", "succeeded")
    assert due.next_fetch_at > utcnow()


def test_the_scheduler_command_exists(app):
    result = run_cli(app, "scheduler", "--help")
    assert result.exit_code == 0
    assert "cron scheduler" in result.output


def test_the_dates_used_here_are_the_real_changes():
    # guards the cases above against a wrong date: the offset changes that day
    for zone, day in (
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Europe/Berlin", date(2026, 3, 29)),
        ("Europe/Berlin", date(2026, 10, 25)),
    ):
        tz = ZoneInfo(zone)
        before = datetime(day.year, day.month, day.day, 0, 0, tzinfo=tz).utcoffset()
        after = datetime(day.year, day.month, day.day, 12, 0, tzinfo=tz).utcoffset()
        assert before != after, (zone, day)
