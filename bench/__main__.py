"""``python -m bench``: the product's speed as measured facts, written to RESULTS.md.

Every benchmark sets the product beside a floor measured in the same run: the bare
cost of the same HTTP requests and the same rows written in bulk. The sandbox runs in
a process of its own on 127.0.0.1; each benchmark gets a database of its own (a
SQLite file in a temporary folder, or a PostgreSQL schema of ``TEST_POSTGRES_URL``
made for it and dropped after it).
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

from bench import harness, machine, orders, pages, report, stock

BENCHMARKS = ("import", "memory", "stock", "pages")
DATABASES = ("sqlite", "postgresql")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
KEPT_SECTION = re.compile(r"<!-- load:([\w-]+) -->.*?<!-- /load:\1 -->", re.S)

FULL = {
    "import_orders": 20_000,
    "import_runs": 5,
    "import_naive": 500,
    "memory_orders": (5_000, 10_000, 20_000),
    "stock_items": 10_000,
    "stock_runs": 5,
    "stock_naive": {"woocommerce": 500, "shopify": 150},
    "page_sizes": (pages.SMALL, pages.LARGE),
    "page_rounds": 25,
}
QUICK = {
    "import_orders": 1_000,
    "import_runs": 1,
    "import_naive": 50,
    "memory_orders": (250, 500, 1_000),
    "stock_items": 1_000,
    "stock_runs": 1,
    "stock_naive": {"woocommerce": 20, "shopify": 20},
    "page_sizes": (
        {"mappings": 50, "api_logs": 500, "accounts": 5},
        {"mappings": 1_000, "api_logs": 10_000, "accounts": 100},
    ),
    "page_rounds": 5,
}


def say(text=""):
    print(text, flush=True)


def run_import(sandbox, folder, names, sizes):
    found = []
    orders.seed_catalog(sandbox)
    orders.seed_orders(sandbox, sizes["import_orders"])
    for database in names:
        with harness.databases([database], folder) as (db,):
            app = harness.build_app(db, sandbox.url)
            account_id = orders.prepare(app)
            say(f"order import on {db.label}: {sizes['import_orders']:,} orders ...")
            result = orders.measure(
                app,
                sandbox,
                account_id,
                sizes["import_runs"],
                naive_sample=sizes["import_naive"],
            )
            harness.dispose(app)
        found.append({"database": db.label, **result})
        say(report.import_section(found[-1:]))
    return found


def run_memory(sandbox, folder, names, sizes):
    found = {}
    orders.seed_catalog(sandbox)
    for database in names:
        with harness.databases([database], folder) as (db,):
            app = harness.build_app(db, sandbox.url)
            account_id = orders.prepare(app)
            found[db.label] = []
            for count in sizes["memory_orders"]:
                say(f"peak memory on {db.label}: importing {count:,} orders ...")
                orders.seed_orders(sandbox, count)
                config = harness.app_config(db, sandbox.url)
                measured = orders.peak_memory(app, config, account_id)
                found[db.label].append({"orders": count, **measured})
            harness.dispose(app)
    say(report.memory_section(found))
    return found


def run_stock(sandbox, folder, names, sizes):
    found = []
    items = sizes["stock_items"]
    for platform in stock.PLATFORMS:
        stock.seed_sandbox(sandbox, platform, items)
        for database in names:
            with harness.databases([database], folder) as (db,):
                app = harness.build_app(db, sandbox.url)
                account_id = stock.prepare(app, platform, items)
                say(f"manual stock sync on {db.label}, {platform}: {items:,} SKUs ...")
                result = stock.measure(
                    app,
                    sandbox,
                    platform,
                    account_id,
                    items,
                    sizes["stock_runs"],
                    naive_sample=sizes["stock_naive"][platform],
                )
                harness.dispose(app)
            found.append({"database": db.label, **result})
            say(report.stock_section(found[-1:]))
    return found


def run_pages(sandbox, folder, names, sizes):
    found = []
    for database in names:
        with harness.databases([database], folder) as (db,):
            app = harness.build_app(db)
            say(f"pages on {db.label} ...")
            measured = pages.measure(app, sizes["page_rounds"], sizes["page_sizes"])
            harness.dispose(app)
        found.append({"database": db.label, "sizes": measured})
    say(report.pages_section(found))
    return found


RUNNERS = {
    "import": run_import,
    "memory": run_memory,
    "stock": run_stock,
    "pages": run_pages,
}


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the product against the floor of the same work and "
        "write bench/RESULTS.md.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and one run each: a smoke run that writes no file unless "
        "--output is given",
    )
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated benchmarks to run, of {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help=f"comma-separated databases, of {', '.join(DATABASES)}",
    )
    parser.add_argument("--output", help=f"the results file (default {RESULTS})")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    args.databases = [
        name.strip() for name in args.databases.split(",") if name.strip()
    ]
    for name in args.only:
        if name not in BENCHMARKS:
            parser.error(f"--only takes {', '.join(BENCHMARKS)}; got {name!r}.")
    for name in args.databases:
        if name not in DATABASES:
            parser.error(f"--databases takes {', '.join(DATABASES)}; got {name!r}.")
    if args.output is None and not args.quick:
        args.output = str(RESULTS)
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    sizes = QUICK if args.quick else FULL
    described = machine.describe()
    if (
        "postgresql" in args.databases
        and "not reachable" in dict(described)["PostgreSQL"]
    ):
        sys.exit(
            f"PostgreSQL at TEST_POSTGRES_URL={harness.POSTGRES_URL} does not answer; "
            "start it, point the variable elsewhere, or pass --databases sqlite."
        )

    started = time.monotonic()
    results = {}
    instance = os.environ.get("INSTANCE_PATH")
    with harness.temporary_folder() as folder:
        # generated development keys go to the temporary folder, never to instance/
        os.environ["INSTANCE_PATH"] = folder
        try:
            with harness.SandboxProcess(Path(folder) / "sandbox.log") as sandbox:
                for name in args.only:
                    results[name] = RUNNERS[name](
                        sandbox, folder, args.databases, sizes
                    )
        finally:
            if instance is None:
                os.environ.pop("INSTANCE_PATH", None)
            else:
                os.environ["INSTANCE_PATH"] = instance
    elapsed = time.monotonic() - started
    described.append(
        (
            "load average at end (1, 5, 15 min)",
            ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        )
    )

    say(f"\nall benchmarks took {elapsed / 60:.1f} minutes")
    if args.output:
        page = report.results_page(results, described, args, elapsed)
        output = Path(args.output)
        if output.exists():
            # sections the load test keeps in this page (bin/load) stay as they were
            kept = KEPT_SECTION.finditer(output.read_text())
            page += "".join(f"\n{section.group(0)}\n" for section in kept)
        output.write_text(page)
        say(f"wrote {args.output}")


if __name__ == "__main__":
    main()
