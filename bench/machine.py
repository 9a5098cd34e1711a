"""A description of the machine the figures were measured on."""

import os
import platform
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from bench.harness import POSTGRES_URL
from settings import _database_url


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def postgres_version():
    engine = sa.create_engine(_database_url(POSTGRES_URL, None))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SHOW server_version")).scalar()
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


def describe():
    """(label, value) pairs for the results page."""
    load = os.getloadavg()
    return [
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("RAM", _memory()),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version() or "not reachable"),
        ("load average at start (1, 5, 15 min)", ", ".join(f"{v:.1f}" for v in load)),
    ]
