"""What every benchmark shares: databases, the app, the sandbox, clocks and counters.

Each benchmark gets a database of its own, migrated by the product's migrations: a
SQLite file in a temporary folder, or a PostgreSQL schema created for the run (as the
test suite does) and dropped at its end. Nothing here touches any other schema.
"""

import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

import settings
from extensions import db
from sandbox import base_urls

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"
# one key per process; the benchmark's accounts hold only sandbox credentials
CREDENTIALS_KEY = Fernet.generate_key().decode()


@dataclass
class Database:
    """One database a benchmark runs on, already migrated to the head revision."""

    name: str
    url: str
    engine_options: dict = field(default_factory=dict)
    schema: str | None = None

    @property
    def label(self):
        return "PostgreSQL" if self.name == "postgresql" else "SQLite"


def sqlite_database(folder):
    path = Path(folder) / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
    return Database("sqlite", f"sqlite:///{path}")


def _postgres_engine():
    return sa.create_engine(settings._database_url(POSTGRES_URL, None))


def postgres_database():
    """A new schema in the PostgreSQL database of ``TEST_POSTGRES_URL``."""
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = _postgres_engine()
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    return Database(
        "postgresql",
        settings._database_url(POSTGRES_URL, None),
        {"connect_args": {"options": f"-csearch_path={schema}"}},
        schema,
    )


def drop_database(database):
    """Drop what :func:`postgres_database` made; SQLite files go with their folder."""
    if not database.schema:
        return
    engine = _postgres_engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE')
            )
    finally:
        engine.dispose()


@contextmanager
def databases(names, folder):
    """Yield a migrated :class:`Database` per name, dropping them all afterwards."""
    made = []
    try:
        for name in names:
            database = (
                postgres_database() if name == "postgresql" else sqlite_database(folder)
            )
            made.append(database)
        yield made
    finally:
        for database in made:
            drop_database(database)


def app_config(database, sandbox_url=None, **overrides):
    config = {
        "APP_ENV": "test",
        "SECRET_KEY": SECRET_KEY,
        "CREDENTIALS_KEYS": [CREDENTIALS_KEY],
        "SQLALCHEMY_DATABASE_URI": database.url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **database.engine_options},
        "REDIS_URL": REDIS_URL,
        "INITIAL_FETCH_DAYS": 14,
    }
    if sandbox_url:
        config["PLATFORM_BASE_URLS"] = base_urls(sandbox_url)
    config.update(overrides)
    return config


def build_app(database, sandbox_url=None, migrate=True, **overrides):
    """The product's app on ``database``; migrated unless told otherwise."""
    from flask_migrate import upgrade

    from wsgi import create_app

    app = create_app(app_config(database, sandbox_url, **overrides))
    if migrate:
        with app.app_context():
            upgrade()
    return app


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def clear_tables(*tables):
    """Empty ``tables`` (all of them when none are named), ids starting again at 1."""
    chosen = [t for t in db.metadata.sorted_tables if not tables or t.name in tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in chosen)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(chosen):
            db.session.execute(table.delete())
        names = ", ".join(f"'{t.name}'" for t in chosen)
        if db.session.execute(
            sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first():
            db.session.execute(
                sa.text(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")
            )
    db.session.commit()


def analyze():
    """Vacuum the product's tables and refresh the planner's statistics, as
    autovacuum would after a bulk load; done before the timings, so that autovacuum
    does not start on them while they run (on two cores it takes one)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # the tables of this benchmark's own schema, found through its search_path
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {names}"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


# the sandbox, in a process of its own so that it never shares a GIL with the product


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sandbox:
    """Control of a running sandbox at ``url``."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def control(self, method, path, **kwargs):
        response = self.http.request(
            method, f"{self.url}/_control/{path}", timeout=300, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def seed(self, platform, shop, **options):
        return self.control("POST", f"{platform}/{shop}/seed", json=options)

    def calls(self, platform, shop):
        return self.control("GET", f"{platform}/{shop}/calls")

    def clear_calls(self, platform, shop):
        return self.control("DELETE", f"{platform}/{shop}/calls")


class SandboxProcess(Sandbox):
    """``python -m sandbox`` on a free loopback port, logging into ``log_path``."""

    def __init__(self, log_path):
        port = free_port()
        super().__init__(f"http://127.0.0.1:{port}")
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                self.http.get(f"{self.url}/_control/shops", timeout=1)
                return self
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    with open(self.log.name) as log:
                        tail = log.read()[-2000:]
                    raise RuntimeError(
                        f"The sandbox did not start listening; its output:\n{tail}"
                    ) from None
                time.sleep(0.1)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# measuring


def timed(work):
    """Run ``work()``; return (seconds, its result).

    The objects alive before it (the app, rows kept for a floor) are frozen out of
    the garbage collector's way meanwhile, so neither side pays for the other's data.
    """
    gc.collect()
    gc.freeze()
    try:
        started = time.perf_counter()
        result = work()
        return time.perf_counter() - started, result
    finally:
        gc.unfreeze()


def median(values):
    return statistics.median(values) if values else float("nan")


class QueryCounter:
    """Counts the SQL statements an engine sends while it is active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self):
        return len(self.statements)


def temporary_folder():
    return tempfile.TemporaryDirectory(prefix="ecadmin-bench-")
