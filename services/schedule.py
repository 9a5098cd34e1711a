"""Fetch slots: local times of day in an account's time zone, turned into UTC instants.

A slot that falls in a daylight-saving gap runs at the first instant after the gap; a
slot that occurs twice when clocks go back runs once, at its first occurrence.
"""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def _slot_instant(day, slot, zone):
    hour, minute = (int(part) for part in slot.split(":"))
    wall = datetime.combine(day, time(hour, minute))
    # fold=0: the first occurrence of a time that clocks going back repeat
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # the time falls in a gap: the pre-gap offset (fold=0) reads it as an instant past
    # the jump, the post-gap one (fold=1) as an instant before it; the jump lies between
    before = int(wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc).timestamp())
    after = int(instant.timestamp())
    offset = _offset_at(before, zone)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_at(middle, zone) == offset:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, timezone.utc)


def _offset_at(timestamp, zone):
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


def next_fetch_time(slots, zone_name, after):
    """The first slot instant after ``after`` (aware), or None without slots."""
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
