"""The load test's numbers: the machine, percentiles per page, and bench/LOAD.md.

Percentiles come from every request's own time (Locust's request event, written to a
samples file), not from Locust's rounded histogram.
"""

import os
import platform
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HEADER = """# Load test

`bin/load` (or `.venv/bin/python -m bench.load`) starts an isolated copy of the product
on 127.0.0.1: a PostgreSQL schema made for the run (or, with `--database sqlite`, a
SQLite file), an empty Redis database number, the platform sandbox with its shops grown
through the seed endpoints (up to 1,500 orders and 600 listings a shop), the demo, 50
accounts of which 6 talk to the sandbox, about 5,000 API log rows and a dozen earlier
runs per account, users made with `create-user`, two RQ workers and the web server.

Twenty Locust users then sign in (the CSRF token scraped from `/login`) and read the EC
Integrations list, account detail pages (polling their runs JSON as the page does) and
the platform API log, whole and filtered by an account, with think times of 0.5 to 2
seconds. A twenty-first user with the operator role meanwhile adds orders at the
sandbox shops and queues "Fetch orders" and confirmed "Manual Stock Sync" runs through
the detail pages' forms, which the workers execute. No scheduler runs.

The command stops everything it started, drops the schema and the Redis keys, fails
when any request failed or answered 5xx or a background run failed, and rewrites its
own section below. p50 and p95 are nearest-rank percentiles over every request, in
milliseconds as Locust's client on the same machine saw them: they include the
client's share of the two cores. Logging in is slow by design (the password hash).
"[operator]" rows are the operator's requests.
"""


@dataclass
class PageStats:
    name: str
    requests: int
    failures: int
    server_errors: int
    p50: float
    p95: float
    max: float


def machine():
    """A short description of this machine: CPU model, cores, memory, system."""
    model = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        model = found.group(1).strip() if found else model
        found = re.search(
            r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M
        )
        memory = (
            f"{int(found.group(1)) / 1024 / 1024:.1f} GiB RAM"
            if found
            else "RAM unknown"
        )
    except OSError:
        memory = "RAM unknown"
    return (
        f"{model}, {os.cpu_count()} cores, {memory}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


def _percentile(ordered, share):
    # nearest rank: the smallest time that at least ``share`` of requests stayed under
    index = max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))
    return ordered[index]


def page_stats(samples_path):
    """Per request name: count, failures, 5xx answers, p50, p95 and max in ms."""
    times = defaultdict(list)
    failures = defaultdict(int)
    server_errors = defaultdict(int)
    with open(samples_path) as handle:
        for line in handle:
            method, name, elapsed, status, failed = line.rstrip("\n").split("\t")
            times[name].append(float(elapsed))
            failures[name] += int(failed)
            server_errors[name] += int(status) >= 500
    stats = []
    for name, values in times.items():
        values.sort()
        stats.append(
            PageStats(
                name,
                len(values),
                failures[name],
                server_errors[name],
                _percentile(values, 0.50),
                _percentile(values, 0.95),
                values[-1],
            )
        )
    # the browsing pages first, the operator's after them
    return sorted(stats, key=lambda s: (s.name.startswith("["), s.name))


def table(stats):
    lines = [
        "| page | requests | failed | 5xx | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in stats:
        lines.append(
            f"| {s.name} | {s.requests} | {s.failures} | {s.server_errors} "
            f"| {s.p50:.0f} | {s.p95:.0f} | {s.max:.0f} |"
        )
    total = sum(s.requests for s in stats)
    lines.append(
        f"| all | {total} | {sum(s.failures for s in stats)} "
        f"| {sum(s.server_errors for s in stats)} | | | |"
    )
    return "\n".join(lines)


def runs_sentence(summary):
    counts = defaultdict(dict)
    for action, status, count in summary["runs"]:
        counts[action][status] = count
    parts = []
    for action in sorted(counts):
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(counts[action].items()))
        parts.append(f"{action}: {statuses}")
    return "; ".join(parts) or "no runs"


LINK = """\
## Load test

The load test's figures (`bin/load`: 20 users reading the screens while the workers
fetch and sync stock, p50 and p95 per page) are in [LOAD.md](LOAD.md).
"""


def link_from(path):
    """Give the benchmarks' results, when there are any, a section linking here."""
    if Path(path).exists():
        write_section(path, "link", LINK)


def write_section(path, key, body):
    """Replace the section marked ``key`` in ``path`` (made with its header if new)."""
    path = Path(path)
    text = path.read_text() if path.exists() else HEADER
    start, end = f"<!-- load:{key} -->", f"<!-- /load:{key} -->"
    section = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
