"""Fetch slots: local times of day in an account's time zone, turned into UTC instants.

A slot that falls in a daylight-saving gap runs at the first instant after the gap; a
slot that occurs twice when clocks go back runs once, at its first occurrence.
"""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def _slot_instant(day, slot, zone):
    hour, minute = (int(part) for part in slot.split(":"))
    # fold=0: the first occurrence of a repeated time, and for a time skipped by a gap
    # the instant the pre-gap offset gives, which lands just after the gap
    local = datetime.combine(day, time(hour, minute), tzinfo=zone).replace(fold=0)
    return local.astimezone(timezone.utc)


def next_fetch_time(slots, zone_name, after):
    """The first slot instant strictly after ``after`` (aware), or None without slots."""
    if not slots:
        return None
    zone = ZoneInfo(zone_name)
    start = after.astimezone(zone).date() - timedelta(days=1)
    candidates = (
        _slot_instant(start + timedelta(days=offset), slot, zone)
        for offset in range(4)
        for slot in slots
    )
    return min(instant for instant in candidates if instant > after)
