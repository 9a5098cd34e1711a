"""The platform sandbox served over real loopback HTTP for the duration of a test."""

import threading

import requests
from werkzeug.serving import make_server

from sandbox.app import create_app


class RunningSandbox:
    def __init__(self, **app_options):
        self.app = create_app(**app_options)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)

    # the control endpoints, for arranging and inspecting a test

    def control(self, method, path, **kwargs):
        response = requests.request(
            method, f"{self.url}/_control/{path}", timeout=10, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def reset(self):
        return self.control("POST", "reset")

    def fault(self, platform, shop, mode, count=1, **options):
        return self.control(
            "POST",
            f"{platform}/{shop}/faults",
            json={"mode": mode, "count": count, **options},
        )

    def calls(self, platform, shop):
        return self.control("GET", f"{platform}/{shop}/calls")

    def stock(self, platform, shop):
        return self.control("GET", f"{platform}/{shop}/stock")
