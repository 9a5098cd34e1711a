"""``python -m sandbox --port PORT``: serve the platform sandbox on loopback."""

import argparse
import logging

from werkzeug.serving import run_simple

from sandbox.app import DEFAULT_SEED, create_app


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve the platform sandbox.")
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="default 8001")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level="INFO", format="%(asctime)s %(levelname)s sandbox: %(message)s"
    )
    run_simple(args.host, args.port, create_app(seed=args.seed), threaded=True)


if __name__ == "__main__":
    main()
