"""``python -m bench.load``: a bounded load test of the admin screens on loopback.

See bench/LOAD.md for what it does and its latest numbers. Every process it starts
listens on 127.0.0.1 only, Locust stops after ``--run-time`` seconds, and the stack is
stopped, its schema dropped and its Redis keys deleted whether the run passed or not.
"""

import argparse
import importlib.util
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import requests

import logging_setup
from bench.load import report
from bench.load.stack import ROOT, Stack, StackError

logger = logging.getLogger("bench.load")

LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
RESULTS = ROOT / "bench" / "LOAD.md"
# the other benchmarks' page, which gets a section linking to this one
BENCH_RESULTS = ROOT / "bench" / "RESULTS.md"
QUIET_POLL_SECONDS = 15

# the sandbox shops grown for the run, in the order their seeds must be sent: products
# first, since each platform's generated orders take their lines from the catalog
SANDBOX_SEEDS = [
    ("shopify", "tokyo-store.myshopify.com", {"products": 300, "variants": 2}),
    ("shopify", "tokyo-store.myshopify.com", {"orders": 1500, "lines": 2, "days": 10}),
    ("shopify", "kobe-test.myshopify.com", {"products": 100, "variants": 2}),
    ("shopify", "kobe-test.myshopify.com", {"orders": 300, "lines": 2, "days": 10}),
    ("woocommerce", "osaka-outlet.example.com", {"products": 500}),
    ("woocommerce", "osaka-outlet.example.com", {"orders": 1000, "lines": 3}),
    ("woocommerce", "kobe-lab.example.com", {"products": 150}),
    ("woocommerce", "kobe-lab.example.com", {"orders": 200, "lines": 2}),
    ("ebay", "kyoto-vintage", {"items": 400}),
    ("ebay", "kyoto-vintage", {"orders": 800, "lines": 2}),
    ("ebay", "nara-test-seller", {"items": 250}),
    ("ebay", "nara-test-seller", {"orders": 200, "lines": 2}),
]


def seeded_skus():
    """The SKUs the seeds above give the shops, as the sandbox names them."""
    skus = [f"LOAD-{n:05d}-{v}" for n in range(1, 301) for v in (1, 2)]
    skus += [f"BULK-{n:05d}" for n in range(1, 501)]
    # eBay's first 200 generated items reuse the demo's SKUs
    skus += [f"GEN-{n:05d}" for n in range(200, 400)]
    return skus


class Interrupted(Exception):
    pass


def _interrupt(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def ensure_locust():
    """Install bench/requirements.txt into this venv when Locust is missing."""
    if importlib.util.find_spec("locust") is not None:
        return
    logger.warning("Locust is not installed; installing bench/requirements.txt")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "bench" / "requirements.txt"),
        ],
        check=True,
    )


def seed_sandbox(url):
    http = requests.Session()
    for platform, shop, options in SANDBOX_SEEDS:
        response = http.post(
            f"{url}/_control/{platform}/{shop}/seed", json=options, timeout=120
        )
        response.raise_for_status()


def create_users(stack, viewers):
    """Viewers and an admin for the readers, an operator for the actions."""
    logins = []
    for email, role in [
        (f"viewer{n}@load.example.com", "viewer") for n in range(1, viewers + 1)
    ]:
        logins.append((email, role))
    logins += [
        ("admin@load.example.com", "admin"),
        ("operator@load.example.com", "operator"),
    ]
    made = []
    for email, role in logins:
        password = secrets.token_urlsafe(15)
        stack.step("create-user", email, "--role", role, "--password", password)
        made.append({"email": email, "password": password, "role": role})
    return [m for m in made if m["role"] != "operator"], made[-1]


def wait_for_quiet(limit, seconds):
    """Wait up to ``seconds`` for the 1-minute load average to drop below ``limit``."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        logger.info(
            "load average %.2f; waiting for it to fall below %.1f",
            os.getloadavg()[0],
            limit,
        )
        time.sleep(QUIET_POLL_SECONDS)
    return os.getloadavg()[0]


def run_locust(stack, options, plan_path, samples_path):
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        # the browsing users plus the one operator (its class has a fixed count of 1)
        "--users",
        str(options.users + 1),
        "--spawn-rate",
        str(options.spawn_rate),
        "--run-time",
        f"{options.run_time}s",
        "--stop-timeout",
        "10",
        "--host",
        stack.web_url,
        "--csv",
        str(stack.folder / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = dict(os.environ, LOAD_PLAN=str(plan_path), LOAD_SAMPLES=str(samples_path))
    with open(stack.folder / "locust.log", "w") as log:
        result = subprocess.run(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=options.run_time + 120,
        )
    return result.returncode


def code_version():
    """The commit measured, and whether the checkout had changes beside it (the
    results file itself, which a run of the other setup may just have written, is
    not a change to the code measured)."""

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
        )

    commit = git("rev-parse", "--short", "HEAD")
    if commit.returncode != 0:
        return "not a git checkout"
    changed = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        f":(exclude){RESULTS.relative_to(ROOT)}",
    ).stdout.strip()
    suffix = " with uncommitted changes" if changed else ""
    return f"commit {commit.stdout.strip()}{suffix}"


def tracebacks(stack):
    """Tracebacks the web server and workers logged, per log file: each is an error."""
    found = {}
    for path in sorted(stack.folder.glob("*.log")):
        if path.name.startswith(("web", "worker")):
            count = path.read_text(errors="replace").count(
                "Traceback (most recent call last)"
            )
            if count:
                found[path.name] = count
    return found


SECTION = """\
### {server_name}, {database_name}

Measured {when} with `bin/load --server {server} --database {database_option}`: \
{users} browsing users and 1 operator, spawned {spawn_rate}/s, for {run_time} s.

- machine: {machine}
- code: {code}
- web server: {server_description}; {rq_workers} RQ workers \
(`flask --app wsgi worker`), no scheduler; the sandbox and Locust on the same machine
- database: {database_description}; Redis {redis}
- load average (1 min): {load_before:.2f} before the run, {load_after:.2f} at its \
end{busy}
- data: {accounts} accounts ({live} live at the sandbox), {api_log_rows:,} API log \
rows and about a dozen earlier runs per account before the run

{table}

Background work queued during the run: {runs}; {api_calls:,} platform calls logged. \
The operator's actions: {actions}.
"""
# added to the load average's line when the run started on a busy machine
BUSY = (
    "; the machine was not quiet when the run started (the load was above {limit}), "
    "so read these times as upper bounds"
)


def section(options, stack, facts, stats):
    """The results as the Markdown section of this configuration."""
    server_description = stack.describe_server()
    actions = sorted(facts["actions"].items())
    text = SECTION.format(
        server_name=server_description.split(",")[0],
        database_name=facts["database"].split(" ")[0],
        when=facts["when"],
        server=options.server,
        database_option=options.database,
        users=options.users,
        spawn_rate=options.spawn_rate,
        run_time=options.run_time,
        machine=facts["machine"],
        code=code_version(),
        server_description=server_description,
        rq_workers=options.rq_workers,
        database_description=facts["database"],
        redis=facts["redis"],
        load_before=facts["load_before"],
        load_after=facts["load_after"],
        busy=BUSY.format(limit=options.quiet_load)
        if facts["load_before"] >= options.quiet_load
        else "",
        accounts=len(facts["plan"]["accounts"]),
        live=len(facts["plan"]["live"]),
        api_log_rows=facts["summary_before"]["api_log_rows"],
        table=report.table(stats),
        runs=report.runs_sentence(facts["summary"]),
        api_calls=facts["summary"]["api_calls"],
        actions=", ".join(f"{name} x{count}" for name, count in actions) or "none",
    )
    if facts["tracebacks"]:
        shown = ", ".join(f"{name}: {n}" for name, n in facts["tracebacks"].items())
        text += f"\nTracebacks logged: {shown}.\n"
    return text


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Load-test the admin screens on loopback.",
    )
    parser.add_argument(
        "--server",
        choices=("gunicorn", "flask"),
        default="gunicorn",
        help="gunicorn (default) or the Flask development server bin/run uses",
    )
    parser.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="a schema made for the run in LOAD_POSTGRES_URL (default), "
        "or a SQLite file",
    )
    parser.add_argument(
        "--users", type=int, default=20, help="browsing users (default 20)"
    )
    parser.add_argument("--spawn-rate", type=int, default=5)
    parser.add_argument("--run-time", type=int, default=60, help="seconds (default 60)")
    parser.add_argument(
        "--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1
    )
    parser.add_argument("--web-threads", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--api-log-rows", type=int, default=5000)
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=1.0,
        help="wait for the 1-minute load average to fall below this",
    )
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=0,
        help="at most this many seconds (default 0: do not wait)",
    )
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="print the results without writing bench/LOAD.md",
    )
    options = parser.parse_args(argv)
    if not 1 <= options.users <= 100 or not 10 <= options.run_time <= 900:
        parser.error(
            "--users must be from 1 to 100 and --run-time from 10 to 900 seconds"
        )
    return options


def main(argv=None):
    options = parse(argv)
    logging_setup.configure()
    ensure_locust()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stack = Stack(
        ROOT / "bench" / "out" / f"load-{stamp}",
        database=options.database,
        server=options.server,
        web_workers=options.web_workers,
        web_threads=options.web_threads,
        rq_workers=options.rq_workers,
    )
    facts = {"machine": report.machine()}
    try:
        logger.info("starting the stack; logs in %s", stack.folder)
        stack.start_stores()
        facts["database"], facts["redis"] = stack.versions()
        stack.start_sandbox()
        seed_sandbox(stack.sandbox_url)
        stack.step("db", "upgrade")
        stack.step("seed-demo", "--test-connections")
        browsers, operator = create_users(stack, viewers=4)

        skus_path = stack.folder / "skus.txt"
        skus_path.write_text("\n".join(seeded_skus()) + "\n")
        data = ["bench.load.data"]
        plan = json.loads(
            stack.step(
                "seed",
                "--accounts",
                str(options.accounts),
                "--api-log-rows",
                str(options.api_log_rows),
                "--skus-file",
                str(skus_path),
                module=data,
            )
        )
        plan.update(browsers=browsers, operator=operator, sandbox_url=stack.sandbox_url)
        plan_path = stack.folder / "plan.json"
        plan_path.write_text(json.dumps(plan))
        plan_path.chmod(0o600)
        facts["plan"] = plan

        stack.start_workers()
        logger.info(
            "warming up: connections, mappings and a first fetch per live account"
        )
        facts["warm"] = json.loads(stack.step("warm", module=data))
        logger.info("warm-up runs: %s", facts["warm"])
        warm = facts["warm"].items()
        unfinished = [run for run, status in warm if status != "succeeded"]
        if unfinished:
            raise StackError(
                f"warm-up runs did not succeed: {', '.join(unfinished)}; see the "
                f"worker logs in {stack.folder}."
            )
        stack.start_web()

        facts["load_before"] = wait_for_quiet(options.quiet_load, options.quiet_wait)
        started = datetime.now(UTC)
        facts["when"] = started.strftime("%Y-%m-%d %H:%M UTC")
        facts["summary_before"] = json.loads(
            stack.step("summary", "--since", started.isoformat(), module=data)
        )
        samples = stack.folder / "samples.tsv"
        logger.info(
            "running Locust for %ss against %s", options.run_time, stack.web_url
        )
        status = run_locust(stack, options, plan_path, samples)
        facts["load_after"] = os.getloadavg()[0]
        facts["locust_status"] = status
        facts["summary"] = json.loads(
            stack.step("summary", "--since", started.isoformat(), module=data)
        )
        actions_path = samples.with_name(samples.name + ".actions.json")
        facts["actions"] = (
            json.loads(actions_path.read_text()) if actions_path.exists() else {}
        )
        facts["tracebacks"] = tracebacks(stack)
    except (
        StackError,
        Interrupted,
        subprocess.TimeoutExpired,
        requests.RequestException,
    ) as error:
        logger.error("%s: %s", type(error).__name__, error)
        return 1
    finally:
        # a second Ctrl-C must not leave half the stack running
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()

    stats = report.page_stats(samples)
    body = section(options, stack, facts, stats)
    print(body)
    failed = sum(s.failures + s.server_errors for s in stats)
    failed_runs = sum(
        n for _, status, n in facts["summary"]["runs"] if status == "failed"
    )
    if not options.no_record:
        report.write_section(RESULTS, f"{options.server}-{options.database}", body)
        report.link_from(BENCH_RESULTS)
        logger.info("wrote %s", RESULTS)
    broken = sum(facts["tracebacks"].values())
    if failed or failed_runs or broken or facts["locust_status"] != 0 or not stats:
        logger.error(
            "%s requests failed or answered 5xx, %s background runs failed, %s "
            "tracebacks were logged, Locust exited with %s; the logs are in %s",
            failed,
            failed_runs,
            broken,
            facts["locust_status"],
            stack.folder,
        )
        for error in facts["summary"]["errors"]:
            logger.error("a failed run said: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
