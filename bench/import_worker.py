"""``python -m bench.import_worker ACCOUNT_ID RUN_ID`` with the app config on stdin.

Runs one FetchOrders job as a worker process would, and prints one JSON line: the
process's peak resident set before the job (after building the app) and after it, in
KiB, and the job's seconds.
"""

import gc
import json
import resource
import sys
import time


def peak_kib():
    """The process's peak resident set, in KiB.

    On Linux this is VmHWM, the peak of this program's own memory: ru_maxrss would
    also count the parent's, carried over when the parent forked it.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv):
    account_id, run_id = int(argv[0]), int(argv[1])
    config = json.loads(sys.stdin.read())

    from jobs.orders import FetchOrders
    from wsgi import create_app

    app = create_app(config)
    with app.app_context():
        gc.collect()
        before = peak_kib()
        started = time.perf_counter()
        status = FetchOrders(account_id, run_id).run()
        seconds = time.perf_counter() - started
        after = peak_kib()
    print(
        json.dumps(
            {
                "status": status,
                "before_kib": before,
                "peak_kib": after,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
