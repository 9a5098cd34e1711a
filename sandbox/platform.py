"""The base of a sandbox platform: its blueprint and the hooks the controls call."""

import json
import time

from flask import Response, current_app, g, request

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    "<body><h1>Checking your browser</h1></body></html>"
)


class SandboxPlatform:
    """Subclasses set ``name`` and ``blueprint`` and implement the hooks."""

    name = ""
    blueprint = None

    # hooks used by the control endpoints

    def seed(self, world, rng):
        """Create this platform's deterministic shops in ``world``."""
        raise NotImplementedError

    def add_orders(self, shop, count, **options):
        """Add ``count`` new orders timestamped now; return their ids."""
        raise NotImplementedError

    def bulk_seed(self, shop, **options):
        """Replace a shop's orders or products with generated ones (for load)."""
        raise NotImplementedError

    def stock(self, shop):
        """Current stock, as a mapping of SKU (or listing id) to quantity."""
        raise NotImplementedError

    def revoke(self, shop):
        """Make every token or key of ``shop`` invalid."""
        raise NotImplementedError

    def error_response(self, status, message):
        """A response in this platform's own error shape."""
        return json_response({"errors": message}, status)


def json_response(document, status=200, headers=None):
    return Response(
        json.dumps(document),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def world():
    return current_app.config["SANDBOX_WORLD"]


def enter(platform, shop):
    """Start handling a platform call for ``shop``: record it and apply any fault.

    :returns: a response to send instead of the real one, or None.
    """
    g.sandbox_shop = shop
    with world().lock:
        fault = shop.next_fault()
    if fault is None:
        return None
    if fault.mode == "slow":
        time.sleep(fault.delay)
        return None
    if fault.mode == "malformed":
        return Response(
            '{"data": [{"id": 1, "broken', status=200, mimetype="application/json"
        )
    if fault.mode == "html":
        return Response(HTML_PAGE, status=200, mimetype="text/html")
    status = int(fault.mode)
    headers = {"Retry-After": f"{fault.retry_after:g}"} if status == 429 else None
    messages = {
        401: "Invalid API key or access token",
        429: "Exceeded call limit",
    }
    response = platform.error_response(status, messages.get(status, "Internal error"))
    if headers:
        response.headers.update(headers)
    return response


def record(response):
    """After a platform call: keep what arrived and how it was answered."""
    shop = g.pop("sandbox_shop", None)
    if shop is not None:
        body = request.get_json(silent=True) if request.method != "GET" else None
        call_query = request.query_string.decode()
        from sandbox.world import Call

        with world().lock:
            shop.calls.append(
                Call(
                    request.method, request.path, call_query, response.status_code, body
                )
            )
    return response
