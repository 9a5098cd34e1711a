"""Control endpoints for tests and the demo; they are not part of any platform's API.

POST   /_control/reset                          reseed every shop
POST   /_control/<platform>/<shop>/faults       {"mode", "count", "delay",
                                                 "retry_after"}
DELETE /_control/<platform>/<shop>/faults       clear pending faults
POST   /_control/<platform>/<shop>/revoke       invalidate its tokens or keys
POST   /_control/<platform>/<shop>/orders       {"count"}: new orders, timestamped now
POST   /_control/<platform>/<shop>/seed         platform-specific bulk data
GET    /_control/<platform>/<shop>/stock        current stock by SKU or listing id
GET    /_control/<platform>/<shop>/calls        the calls received (DELETE clears)
"""

import random

from flask import Blueprint, abort, current_app, request

from sandbox.platform import json_response, world
from sandbox.world import Fault

bp = Blueprint("control", __name__, url_prefix="/_control")

FAULT_MODES = ("500", "502", "503", "429", "401", "slow", "malformed", "html")


def _platforms():
    return current_app.config["SANDBOX_PLATFORMS"]


def _shop(platform, key):
    if platform not in _platforms():
        abort(json_response({"error": f"unknown platform {platform!r}"}, 404))
    shop = world().get(platform, key)
    if shop is None:
        abort(json_response({"error": f"no {platform} shop {key!r}"}, 404))
    return _platforms()[platform], shop


def _body():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def reseed(app):
    state = app.config["SANDBOX_WORLD"]
    with state.lock:
        state.clear()
        for platform in app.config["SANDBOX_PLATFORMS"].values():
            platform.seed(state, random.Random(app.config["SANDBOX_SEED"]))


@bp.post("/reset")
def reset():
    reseed(current_app)
    return json_response({"ok": True})


@bp.get("/shops")
def shops():
    return json_response(
        [
            {"platform": shop.platform, "shop": shop.key}
            for shop in world().shops.values()
        ]
    )


@bp.post("/<platform>/<path:key>/faults")
def add_fault(platform, key):
    _, shop = _shop(platform, key)
    body = _body()
    mode = str(body.get("mode", ""))
    if mode not in FAULT_MODES:
        abort(
            json_response(
                {"error": f"mode must be one of {', '.join(FAULT_MODES)}"}, 400
            )
        )
    try:
        fault = Fault(
            mode=mode,
            count=int(body.get("count", 1)),
            delay=float(body.get("delay", 0)),
            retry_after=float(body.get("retry_after", 1)),
        )
    except (TypeError, ValueError):
        abort(
            json_response(
                {"error": "count, delay and retry_after must be numbers"}, 400
            )
        )
    with world().lock:
        shop.faults.append(fault)
    return json_response({"ok": True, "pending": len(shop.faults)})


@bp.delete("/<platform>/<path:key>/faults")
def clear_faults(platform, key):
    _, shop = _shop(platform, key)
    with world().lock:
        shop.faults.clear()
    return json_response({"ok": True})


@bp.post("/<platform>/<path:key>/revoke")
def revoke(platform, key):
    handler, shop = _shop(platform, key)
    with world().lock:
        handler.revoke(shop)
    return json_response({"ok": True})


@bp.post("/<platform>/<path:key>/orders")
def add_orders(platform, key):
    handler, shop = _shop(platform, key)
    body = _body()
    count = max(1, min(int(body.pop("count", 1)), 1000))
    with world().lock:
        ids = handler.add_orders(shop, count, **body)
    return json_response({"ok": True, "ids": ids})


@bp.post("/<platform>/<path:key>/seed")
def bulk_seed(platform, key):
    handler, shop = _shop(platform, key)
    with world().lock:
        result = handler.bulk_seed(shop, **_body())
    return json_response({"ok": True, **(result or {})})


@bp.get("/<platform>/<path:key>/stock")
def stock(platform, key):
    handler, shop = _shop(platform, key)
    with world().lock:
        return json_response(handler.stock(shop))


@bp.get("/<platform>/<path:key>/calls")
def calls(platform, key):
    _, shop = _shop(platform, key)
    with world().lock:
        return json_response(
            [
                {
                    "method": c.method,
                    "path": c.path,
                    "query": c.query,
                    "status": c.status,
                    "body": c.body,
                }
                for c in shop.calls
            ]
        )


@bp.delete("/<platform>/<path:key>/calls")
def clear_calls(platform, key):
    _, shop = _shop(platform, key)
    with world().lock:
        shop.calls.clear()
    return json_response({"ok": True})
