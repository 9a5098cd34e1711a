"""The sandbox's in-memory state: shops per platform, their calls and their faults."""

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``count`` platform calls.

    ``mode`` is an HTTP status (``500``, ``502``, ``503``, ``429``, ``401``) or one of
    ``slow``, ``malformed``, ``html``.
    """

    mode: str
    count: int = 1
    delay: float = 0.0
    retry_after: float = 1.0


@dataclass
class Call:
    method: str
    path: str
    query: str
    status: int
    body: object = None


@dataclass
class Shop:
    platform: str
    key: str
    data: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    faults: deque = field(default_factory=deque)

    def next_fault(self):
        """Take one use of the oldest pending fault, or None."""
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.count -= 1
        if fault.count <= 0:
            self.faults.popleft()
        return fault


class World:
    """All shops, behind one lock; the platforms add their shops when seeded."""

    def __init__(self):
        self.lock = threading.RLock()
        self.shops = {}

    def add(self, shop):
        self.shops[(shop.platform, shop.key)] = shop
        return shop

    def get(self, platform, key):
        return self.shops.get((platform, key))

    def clear(self):
        self.shops.clear()
