"""The eBay sandbox: consent page, token endpoint, orders, inventory and stock updates.

Everything is served under ``/ebay`` at eBay's own paths, both the API host's and
the consent host's, so ``PLATFORM_BASE_URLS`` may point ``ebay`` and ``ebay_auth``
at the same ``http://127.0.0.1:PORT/ebay``. A request finds its seller through its
bearer token; the control endpoints name sellers by user name (``kyoto-vintage``).

The app the sandbox knows is ``demo-ebay-app`` with the secret
``demo-ebay-app-secret-0001`` and the RuName ``demo-ebay-runame``. Like eBay, the
consent page sends the browser to the accept URL registered for the RuName: by
default the product's callback under ``bin/run`` (``DEFAULT_ACCEPT_URL``); change it
with the ``SANDBOX_EBAY_ACCEPT_URL`` environment variable or
``POST /_control/ebay/<seller>/seed {"accept_url": ...}``.

Error ids other than 1001 (bad token) and 2001 (over quota) are the sandbox's own.
"""

import base64
import binascii
import os
import random
import re
import secrets
import time
import weakref
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, g, redirect, render_template_string, request

from sandbox.platform import SandboxPlatform, enter, json_response, world
from sandbox.world import Shop

NAME = "ebay"
CLIENT_ID = "demo-ebay-app"
CLIENT_SECRET = "demo-ebay-app-secret-0001"
RU_NAME = "demo-ebay-runame"
ACCEPT_URL_VARIABLE = "SANDBOX_EBAY_ACCEPT_URL"
# the product's Re-authorize callback when bin/run serves it on its default port
DEFAULT_ACCEPT_URL = "http://127.0.0.1:5000/oauth/ebay/callback"

SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope"
KNOWN_SCOPES = frozenset(
    {
        SCOPE_ROOT,
        f"{SCOPE_ROOT}/sell.fulfillment",
        f"{SCOPE_ROOT}/sell.fulfillment.readonly",
        f"{SCOPE_ROOT}/sell.inventory",
        f"{SCOPE_ROOT}/sell.inventory.readonly",
    }
)
ACCESS_TOKEN_SECONDS = 7200
REFRESH_TOKEN_SECONDS = 47_304_000  # about 18 months
CODE_SECONDS = 299
ORDER_LIMIT = (50, 200)  # default, largest
ITEM_LIMIT = (25, 200)
BULK_LIMIT = 25
# orders in bulk seeds share each lastModifiedDate in groups of this size
SAME_TIME_GROUP = 7
# the largest number a control option may ask for (orders, items, seconds)
CONTROL_MOST = 20_000

SELLERS = {
    "kyoto-vintage": {
        "refresh_token": "v^1.1#demo_kyoto_refresh_0000000001",
        "marketplace": "EBAY_US",
        "currency": "USD",
        "order_prefix": "14",
        "unmatched": ("KV-KIMONO-SILK-01", "KV-TEA-BOWL-02", "KV-FUROSHIKI-03"),
    },
    "nara-test-seller": {
        "refresh_token": "v^1.1#test_nara_refresh_0000000002",
        "marketplace": "EBAY_GB",
        "currency": "GBP",
        "order_prefix": "22",
        "unmatched": ("NT-DEER-CRACKER-01", "NT-INCENSE-02"),
    },
}
BUYERS = ("tanuki_finds", "retro.lover77", "pacific_picker", "maple-attic", "sora_buys")
ADDRESSES = {
    "EBAY_US": [
        ("Jordan Avery", "412 Birch Lane", None, "Portland", "OR", "97205", "US"),
        ("Sam Ortiz", "88 Harbor Street", "Apt 3C", "Boston", "MA", "02110", "US"),
        ("Riley Chen", "1500 Canyon Road", None, "Austin", "TX", "78701", "US"),
    ],
    "EBAY_GB": [
        ("Alex Morgan", "7 Mill Road", None, "Leeds", None, "LS1 4AP", "GB"),
        ("Jamie Patel", "22 Quay Street", "Flat 2", "Bristol", None, "BS1 4DB", "GB"),
    ],
}
SHIPPING = {
    "EBAY_US": ("USPSPriority", "USPSGround", "USPSGround", "UPSGround"),
    "EBAY_GB": ("UK_RoyalMailFirstClass", "UK_RoyalMailSecondClass"),
}

CONSENT_PAGE = """<!DOCTYPE html>
<html><head><title>eBay sandbox - grant application access</title></head>
<body>
<h1>Grant application access</h1>
<p>The application <strong>{{ client_id }}</strong> asks to act for a seller:</p>
<ul>{% for scope in scopes %}<li>{{ scope }}</li>{% endfor %}</ul>
<form method="post" action="{{ action }}">
  <label>Sign in as
    <select name="seller">{% for seller in sellers %}
      <option value="{{ seller }}">{{ seller }}</option>{% endfor %}
    </select>
  </label>
  {% for name, value in hidden %}
  <input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
  <button type="submit" name="decision" value="agree">Agree</button>
  <button type="submit" name="decision" value="decline">Not now</button>
</form>
</body></html>
"""
ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>eBay sandbox - authorization error</title></head>
<body><h1>Authorization error</h1><p>{{ message }}</p></body></html>
"""

bp = Blueprint("ebay", __name__, url_prefix="/ebay")


# shapes and small helpers


def _stamp(moment):
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _now():
    return datetime.now(timezone.utc)


def _money(value, currency):
    return {"value": f"{value:.2f}", "currency": currency}


def _error(status, error_id, message, domain="API_FULFILLMENT", **extra):
    problem = {
        "errorId": error_id,
        "domain": domain,
        "category": "REQUEST",
        "message": message,
    }
    problem.update(extra)
    return json_response({"errors": [problem]}, status)


def _oauth_error(status, code, description):
    return json_response({"error": code, "error_description": description}, status)


def _sellers():
    return [shop for shop in world().shops.values() if shop.platform == NAME]


def _error_page(message, status=400):
    return render_template_string(ERROR_PAGE, message=message), status


# the sandbox platform


class EbaySandbox(SandboxPlatform):
    """eBay's identity service, Fulfillment and Inventory APIs for a few sellers."""

    name = NAME
    blueprint = bp

    def __init__(self):
        # app registrations (RuName -> accept URL) belong to each sandbox world
        self._apps = weakref.WeakKeyDictionary()

    def accept_url(self, state):
        return self._apps.get(state, {}).get(RU_NAME) or DEFAULT_ACCEPT_URL

    def set_accept_url(self, state, url):
        self._apps.setdefault(state, {})[RU_NAME] = url

    # hooks used by the control endpoints

    def seed(self, state, rng):
        accept_url = os.environ.get(ACCEPT_URL_VARIABLE, "").strip()
        self._apps[state] = {RU_NAME: accept_url or DEFAULT_ACCEPT_URL}
        for key, profile in SELLERS.items():
            shop = state.add(Shop(NAME, key))
            shop.data.update(
                marketplace=profile["marketplace"],
                currency=profile["currency"],
                order_prefix=profile["order_prefix"],
                refresh_tokens={profile["refresh_token"]},
                access_tokens={},
                codes={},
                token_ttl=ACCESS_TOKEN_SECONDS,
                items={},
                orders={},
                sequence=10000,
            )
            if key == "kyoto-vintage":
                _seed_kyoto(shop, rng, profile)
            else:
                _seed_nara(shop, rng, profile)

    def add_orders(self, shop, count, lines=2, cancel=(), **options):
        """New orders modified now; ``cancel`` lists order ids to cancel now."""
        if options:
            abort(_bad_control(f"unknown options {sorted(options)}; use lines, cancel"))
        if not isinstance(cancel, (list, tuple)):
            abort(_bad_control("cancel must be a list of order ids"))
        lines = _whole(lines, "lines", 1)
        rng = random.Random()
        now = _now()
        for order_id in cancel:
            order = shop.data["orders"].get(order_id)
            if order is None:
                abort(_bad_control(f"no order {order_id!r} at {shop.key}"))
            _cancel(order, now)
        ids = []
        for _ in range(count):
            order = _new_order(shop, rng, now, now, lines=lines)
            ids.append(order["orderId"])
        return ids

    def bulk_seed(
        self,
        shop,
        orders=None,
        lines=3,
        same_time=SAME_TIME_GROUP,
        items=None,
        token_ttl=None,
        accept_url=None,
        **options,
    ):
        """Replace orders or items with generated ones; set token TTL or accept URL.

        ``{"orders": N, "lines": 3, "same_time": 7}``: N orders over the last days,
        each group of ``same_time`` sharing one lastModifiedDate.
        ``{"items": N}``: N inventory items, demo SKUs first.
        ``{"token_ttl": S}``: access tokens issued from now on last S seconds.
        ``{"accept_url": URL}``: where consent for the demo RuName redirects.
        """
        if options:
            abort(_bad_control(f"unknown options {sorted(options)}"))
        result = {}
        if orders is not None:
            result["orders"] = _bulk_orders(
                shop,
                _whole(orders, "orders", 0),
                _whole(lines, "lines", 1),
                _whole(same_time, "same_time", 1),
            )
        if items is not None:
            result["items"] = _bulk_items(shop, _whole(items, "items", 0))
        if token_ttl is not None:
            shop.data["token_ttl"] = _whole(token_ttl, "token_ttl", 1)
            result["token_ttl"] = shop.data["token_ttl"]
        if accept_url is not None:
            parts = urlsplit(str(accept_url))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                abort(_bad_control("accept_url must be an http(s) URL"))
            self.set_accept_url(world(), str(accept_url))
            result["accept_url"] = str(accept_url)
        return result

    def stock(self, shop):
        return {
            sku: item["quantity"] for sku, item in sorted(shop.data["items"].items())
        }

    def revoke(self, shop):
        shop.data["refresh_tokens"].clear()
        shop.data["access_tokens"].clear()
        shop.data["codes"].clear()

    def error_response(self, status, message):
        if status == 401:
            return _error(
                401,
                1001,
                "Invalid access token",
                domain="OAuth",
                longMessage="Invalid access token. Check the value of the "
                "Authorization HTTP request header.",
            )
        if status == 429:
            return _error(
                429,
                2001,
                "Too many requests. The request limit has been reached for the "
                "resource.",
                domain="ACCESS",
            )
        return _error(
            status,
            10001,
            "There was a problem with an eBay internal system or process.",
            domain="API",
            category="APPLICATION",
        )


PLATFORM = EbaySandbox()


def _bad_control(message):
    return json_response({"error": message}, 400)


def _whole(value, name, least, most=CONTROL_MOST):
    """A control option as a whole number in ``[least, most]``, or a 400 answer."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError
        number = int(value)
    except ValueError:
        number = least - 1
    if not least <= number <= most:
        abort(_bad_control(f"{name} must be a whole number from {least} to {most}"))
    return number


# seeded data


def _skus(count):
    from services.demo import demo_products

    return demo_products()[:count]


def _add_item(shop, sku, title, quantity, rng):
    shop.data["items"][sku] = {
        "sku": sku,
        "title": title,
        "quantity": quantity,
        "condition": rng.choice(("USED_EXCELLENT", "USED_VERY_GOOD", "NEW")),
        "listing_id": f"1{rng.randint(10**10, 10**11 - 1)}",
    }


def _seed_items(shop, rng, products, unmatched):
    for product in products:
        _add_item(
            shop, product["sku"], f"Vintage {product['name']}", rng.randint(0, 40), rng
        )
    for sku in unmatched:
        _add_item(shop, sku, f"One-off piece {sku}", rng.randint(1, 3), rng)


def _seed_kyoto(shop, rng, profile):
    products = _skus(200)
    # two of every three warehouse products are listed
    listed = [p for number, p in enumerate(products, 1) if number % 3]
    _seed_items(shop, rng, listed, profile["unmatched"])
    # a listing whose SKU differs from a warehouse SKU only in case
    hidden = next(p for number, p in enumerate(products, 1) if number % 3 == 0)
    _add_item(shop, hidden["sku"].lower(), f"Vintage {hidden['name']}", 2, rng)

    now = _now()
    shared = now - timedelta(days=2, hours=5)
    for number in range(36):
        created = (
            now
            - timedelta(days=9, hours=rng.randint(0, 6))
            + timedelta(hours=number * 6)
        )
        modified = created + timedelta(minutes=rng.randint(5, 600))
        if 10 <= number < 22:
            # a bulk status change: twelve orders share one lastModifiedDate
            created = min(created, shared - timedelta(hours=1))
            modified = shared
        modified = min(modified, now - timedelta(minutes=5))
        created = min(created, modified - timedelta(minutes=1))
        variant = {}
        if number in (3, 17, 29):
            variant["cancelled"] = True
        if number == 8:
            variant["cancel_requested"] = True
        if number in (5, 21):
            variant["no_sku_line"] = True
        if number == 12:
            variant["no_instructions"] = True
        if number == 26:
            variant["no_ship_to"] = True
        if number in (6, 30):
            variant["unmatched_line"] = True
        if number == 14:
            variant["case_line"] = hidden["sku"].lower()
        _new_order(shop, rng, created, modified, lines=1 + number % 3, **variant)


def _seed_nara(shop, rng, profile):
    products = _skus(60)[::2]
    _seed_items(shop, rng, products, profile["unmatched"])
    now = _now()
    for number in range(10):
        created = now - timedelta(days=5) + timedelta(hours=number * 11)
        modified = created + timedelta(minutes=30)
        variant = {"numbers": number % 2 == 0}
        if number == 4:
            variant["cancelled"] = True
        if number == 7:
            variant["no_sku_line"] = True
        _new_order(shop, rng, created, modified, lines=1 + number % 2, **variant)


def _bulk_items(shop, count):
    rng = random.Random(f"{shop.key}-items-{count}")
    shop.data["items"] = {}
    products = _skus(200)
    for number in range(count):
        if number < len(products):
            sku, title = products[number]["sku"], f"Vintage {products[number]['name']}"
        else:
            sku, title = f"GEN-{number:05d}", f"Generated piece {number}"
        _add_item(shop, sku, title, rng.randint(0, 50), rng)
    return count


def _bulk_orders(shop, count, lines, same_time):
    rng = random.Random(f"{shop.key}-orders-{count}-{lines}-{same_time}")
    shop.data["orders"] = {}
    start = _now() - timedelta(days=3)
    for number in range(count):
        # each group of same_time orders shares one lastModifiedDate
        modified = start + timedelta(seconds=37 * (number // max(1, same_time)))
        created = modified - timedelta(minutes=rng.randint(1, 300))
        _new_order(shop, rng, created, modified, lines=lines)
    return count


def _next_order_id(shop, rng):
    shop.data["sequence"] += 1
    tail = rng.randint(10000, 99999)
    return f"{shop.data['order_prefix']}-{shop.data['sequence']:05d}-{tail}"


def _new_order(
    shop,
    rng,
    created,
    modified,
    *,
    lines=2,
    cancelled=False,
    cancel_requested=False,
    no_sku_line=False,
    no_instructions=False,
    no_ship_to=False,
    unmatched_line=False,
    case_line=None,
    numbers=False,
):
    """Build one order in eBay's shape and keep it in the seller's orders."""
    currency = shop.data["currency"]
    marketplace = shop.data["marketplace"]
    order_id = _next_order_id(shop, rng)
    catalogue = sorted(shop.data["items"].values(), key=lambda item: item["sku"])
    line_items = []
    subtotal = 0.0
    for index in range(max(1, lines)):
        item = rng.choice(catalogue) if catalogue else None
        sku = item["sku"] if item else None
        title = item["title"] if item else "Assorted item"
        if index == 0 and unmatched_line:
            sku = rng.choice(SELLERS[shop.key]["unmatched"])
            item = shop.data["items"].get(sku, item)
        if index == 0 and case_line:
            sku = case_line
        if index == 0 and no_sku_line:
            sku, title = None, "Old listing without a SKU"
        quantity = rng.randint(1, 3)
        unit = rng.randint(800, 9900) / 100
        cost = round(unit * quantity, 2)
        subtotal += cost
        line = {
            "lineItemId": f"{10**13 + shop.data['sequence'] * 10 + index}",
            "legacyItemId": item["listing_id"] if item else "110000000001",
            "title": title,
            "quantity": quantity,
            "lineItemCost": _money(cost, currency),
            "total": _money(cost, currency),
            "lineItemFulfillmentStatus": "NOT_STARTED",
            "soldFormat": "FIXED_PRICE",
            "listingMarketplaceId": marketplace,
        }
        if sku is not None:
            line["sku"] = sku
        if numbers:
            line["lineItemCost"]["value"] = cost
            line["quantity"] = str(quantity)
        line_items.append(line)

    delivery = 0.0 if no_instructions else rng.choice((0.0, 4.5, 7.95))
    total = round(subtotal + delivery, 2)
    name, line1, line2, city, region, postcode, country = rng.choice(
        ADDRESSES[marketplace]
    )
    username = rng.choice(BUYERS)
    ship_to = {
        "fullName": name,
        "contactAddress": {
            "addressLine1": line1,
            "city": city,
            "postalCode": postcode,
            "countryCode": country,
        },
        "primaryPhone": {"phoneNumber": f"555{rng.randint(1000000, 9999999)}"},
        "email": f"{username.replace('.', '')}@members.ebay.example",
    }
    if line2:
        ship_to["contactAddress"]["addressLine2"] = line2
    if region:
        ship_to["contactAddress"]["stateOrProvince"] = region
    step = {
        "shippingCarrierCode": "USPS" if marketplace == "EBAY_US" else "RoyalMail",
        "shippingServiceCode": rng.choice(SHIPPING[marketplace]),
        "shipTo": ship_to,
    }
    if no_ship_to:
        del step["shipTo"]
    instructions = [
        {
            "fulfillmentInstructionsType": "SHIP_TO",
            "ebaySupportedFulfillment": False,
            "shippingStep": step,
        }
    ]
    order = {
        "orderId": order_id,
        "legacyOrderId": order_id,
        "creationDate": _stamp(created),
        "lastModifiedDate": _stamp(modified),
        "orderFulfillmentStatus": rng.choice(
            ("NOT_STARTED", "NOT_STARTED", "IN_PROGRESS")
        ),
        "orderPaymentStatus": "PAID",
        "sellerId": shop.key,
        "buyer": {"username": username},
        "pricingSummary": {
            "priceSubtotal": _money(subtotal, currency),
            "deliveryCost": _money(delivery, currency),
            "total": _money(total, currency),
        },
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [] if no_instructions else instructions,
        "lineItems": line_items,
        "salesRecordReference": str(shop.data["sequence"]),
    }
    if numbers:
        order["pricingSummary"]["total"]["value"] = total
    if cancel_requested:
        order["cancelStatus"]["cancelState"] = "IN_PROGRESS"
        order["cancelStatus"]["cancelRequests"] = [
            {"cancelRequestState": "REQUESTED", "cancelInitiator": "BUYER"}
        ]
    if cancelled:
        _cancel(order, modified)
    elif shop.data["sequence"] % 4 == 0:
        # every fourth order has shipped; chosen without the generator, so the rest
        # of the seeded world stays as it was
        order["orderFulfillmentStatus"] = "FULFILLED"
        for line in line_items:
            line["lineItemFulfillmentStatus"] = "FULFILLED"
    shop.data["orders"][order_id] = order
    return order


def _cancel(order, moment):
    order["cancelStatus"] = {
        "cancelState": "CANCELED",
        "cancelledDate": _stamp(moment),
        "cancelRequests": [
            {"cancelRequestState": "COMPLETED", "cancelInitiator": "SELLER"}
        ],
    }
    order["lastModifiedDate"] = _stamp(moment)


# tokens


def _issue_access_token(shop):
    token = f"v^1.1#i^1#sandbox#{secrets.token_urlsafe(36)}"
    ttl = shop.data["token_ttl"]
    shop.data["access_tokens"][token] = time.time() + ttl
    return token, ttl


def _bearer_shop():
    """The seller of the request's bearer token, or an eBay 401 answer."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        with world().lock:
            for shop in _sellers():
                expires = shop.data["access_tokens"].get(token)
                if expires is None:
                    continue
                if expires > time.time():
                    return shop, None
                # an expired token is still the seller's: keep the refused call
                g.sandbox_shop = shop
                break
    return None, PLATFORM.error_response(401, "Invalid access token")


def _seller_call():
    """Authenticate, then apply any injected fault; returns (shop, early answer)."""
    shop, refusal = _bearer_shop()
    if refusal is not None:
        return None, refusal
    return shop, enter(PLATFORM, shop)


def _client_ok():
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    client_id, _, client_secret = pair.partition(":")
    return secrets.compare_digest(client_id, CLIENT_ID) and secrets.compare_digest(
        client_secret, CLIENT_SECRET
    )


def _scopes(value):
    return [scope for scope in (value or "").split() if scope]


@bp.post("/identity/v1/oauth2/token")
def token():
    """The identity service: authorization codes and refresh tokens to access tokens.

    Injected faults do not apply here; it fails for its own reasons only.
    """
    if not _client_ok():
        return _oauth_error(401, "invalid_client", "client authentication failed")
    grant = request.form.get("grant_type", "")
    if grant == "authorization_code":
        return _grant_code()
    if grant == "refresh_token":
        return _grant_refresh()
    return _oauth_error(
        400,
        "unsupported_grant_type",
        "grant_type must be authorization_code or refresh_token",
    )


def _grant_code():
    code = request.form.get("code", "")
    if request.form.get("redirect_uri") != RU_NAME:
        return _oauth_error(400, "invalid_request", "redirect_uri must be the RuName")
    with world().lock:
        for shop in _sellers():
            grant = shop.data["codes"].pop(code, None)
            if grant is not None:
                break
        else:
            shop = grant = None
        if grant is None or grant["expires"] < time.time():
            return _oauth_error(
                400,
                "invalid_grant",
                "the provided authorization grant code is invalid or was issued to "
                "another client",
            )
        g.sandbox_shop = shop
        refresh_token = f"v^1.1#i^1#sandbox_refresh#{secrets.token_urlsafe(48)}"
        shop.data["refresh_tokens"].add(refresh_token)
        access_token, ttl = _issue_access_token(shop)
    return json_response(
        {
            "access_token": access_token,
            "expires_in": ttl,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
            "token_type": "User Access Token",
        }
    )


def _grant_refresh():
    refresh_token = request.form.get("refresh_token", "")
    unknown = [
        scope
        for scope in _scopes(request.form.get("scope"))
        if scope not in KNOWN_SCOPES
    ]
    if unknown:
        return _oauth_error(
            400,
            "invalid_scope",
            "the requested scope is invalid, unknown, or malformed",
        )
    with world().lock:
        shop = next(
            (s for s in _sellers() if refresh_token in s.data["refresh_tokens"]), None
        )
        if shop is None:
            return _oauth_error(
                400,
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to "
                "another client",
            )
        g.sandbox_shop = shop
        access_token, ttl = _issue_access_token(shop)
    return json_response(
        {
            "access_token": access_token,
            "expires_in": ttl,
            "token_type": "User Access Token",
        }
    )


# consent


def _consent_problem(values):
    """What is wrong with an authorize request, or None."""
    if values.get("client_id") != CLIENT_ID:
        return "The client_id is not an application this sandbox knows."
    if values.get("redirect_uri") != RU_NAME:
        return f"The redirect_uri must be the application's RuName ({RU_NAME})."
    if values.get("response_type") != "code":
        return "The response_type must be code."
    scopes = _scopes(values.get("scope"))
    if not scopes or any(scope not in KNOWN_SCOPES for scope in scopes):
        return "The scope must list eBay OAuth scopes separated by spaces."
    return None


@bp.get("/oauth2/authorize")
def consent():
    """eBay's consent page: pick a seller and press Agree."""
    problem = _consent_problem(request.args)
    if problem:
        return _error_page(problem)
    with world().lock:
        sellers = sorted(shop.key for shop in _sellers())
    hidden = [
        (name, request.args.get(name, ""))
        for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
    ]
    return render_template_string(
        CONSENT_PAGE,
        client_id=CLIENT_ID,
        scopes=_scopes(request.args.get("scope")),
        sellers=sellers,
        hidden=hidden,
        action=request.path,
    )


@bp.post("/oauth2/authorize")
def consent_decision():
    """The consent form's answer: a redirect to the accept URL with a code or error."""
    problem = _consent_problem(request.form)
    if problem:
        return _error_page(problem)
    state = request.form.get("state", "")
    accept_url = PLATFORM.accept_url(world())
    separator = "&" if urlsplit(accept_url).query else "?"
    if request.form.get("decision") != "agree":
        return redirect(
            accept_url
            + separator
            + urlencode({"state": state, "error": "access_denied"})
        )
    with world().lock:
        shop = world().get(NAME, request.form.get("seller", ""))
        if shop is None:
            return _error_page("Choose one of the sellers listed on the consent page.")
        g.sandbox_shop = shop
        code = f"v^1.1#i^1#sandbox_code#{secrets.token_urlsafe(32)}"
        shop.data["codes"][code] = {
            "expires": time.time() + CODE_SECONDS,
            "scopes": _scopes(request.form.get("scope")),
        }
    query = urlencode({"state": state, "code": code, "expires_in": CODE_SECONDS})
    return redirect(accept_url + separator + query)


# the Sell APIs

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
RANGE = re.compile(r"^(lastmodifieddate|creationdate):\[([^\]]*)\.\.([^\]]*)\]$")
STATUSES = re.compile(r"^orderfulfillmentstatus:\{([A-Z_|]+)\}$")


def _parse_filter(value):
    """eBay's order filter as (field, start, end, statuses); raises ValueError."""
    ranges, statuses = [], None
    for part in [p.strip() for p in value.split(",") if p.strip()]:
        matched = RANGE.match(part)
        if matched:
            field, start, end = matched.groups()
            for stamp in (start, end):
                if stamp and not STAMP.match(stamp):
                    raise ValueError(
                        f"{stamp!r} is not a UTC time like 2026-01-02T03:04:05.000Z"
                    )
            if not start:
                raise ValueError(f"the {field} range needs a start")
            ranges.append((field, start, end))
            continue
        matched = STATUSES.match(part)
        if matched:
            statuses = set(matched.group(1).split("|"))
            continue
        raise ValueError(f"{part!r} is not a supported filter")
    return ranges, statuses


def _limit_offset(default_limit, largest):
    try:
        limit = int(request.args.get("limit", default_limit))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise ValueError("limit and offset must be whole numbers") from None
    if not 1 <= limit <= largest:
        raise ValueError(f"limit must be from 1 to {largest}")
    if offset < 0:
        raise ValueError("offset must be 0 or more")
    return limit, offset


def _page_link(offset, limit, **params):
    return (
        request.base_url + "?" + urlencode({**params, "limit": limit, "offset": offset})
    )


@bp.get("/sell/fulfillment/v1/order")
def get_orders():
    """getOrders: filter by lastmodifieddate or creationdate, offset paging."""
    shop, early = _seller_call()
    if early is not None:
        return early
    raw_query = request.query_string
    if any(mark in raw_query for mark in (b"[", b"]", b"{", b"}", b"|")):
        return _error(
            400, 30700, "The filter must be URL-encoded ([ ] { } | percent-encoded)."
        )
    try:
        limit, offset = _limit_offset(*ORDER_LIMIT)
        ranges, statuses = _parse_filter(request.args.get("filter", ""))
    except ValueError as error:
        return _error(400, 30700, f"Invalid request: {error}.")

    with world().lock:
        orders = list(shop.data["orders"].values())
    for field, start, end in ranges:
        key = "lastModifiedDate" if field == "lastmodifieddate" else "creationDate"
        orders = [o for o in orders if o[key] >= start and (not end or o[key] <= end)]
    if statuses:
        orders = [o for o in orders if o["orderFulfillmentStatus"] in statuses]
    orders.sort(key=lambda o: (o["lastModifiedDate"], o["orderId"]))

    total = len(orders)
    params = {"filter": request.args["filter"]} if request.args.get("filter") else {}
    document = {
        "href": _page_link(offset, limit, **params),
        "total": total,
        "limit": limit,
        "offset": offset,
        "orders": orders[offset : offset + limit],
        "warnings": [],
    }
    if offset + limit < total:
        document["next"] = _page_link(offset + limit, limit, **params)
    if offset > 0:
        document["prev"] = _page_link(max(0, offset - limit), limit, **params)
    return json_response(document)


@bp.get("/sell/inventory/v1/inventory_item")
def get_inventory_items():
    """getInventoryItems: ``offset`` counts pages here, as eBay documents it."""
    shop, early = _seller_call()
    if early is not None:
        return early
    try:
        limit, page = _limit_offset(*ITEM_LIMIT)
    except ValueError as error:
        return _error(400, 25709, f"Invalid request: {error}.", domain="API_INVENTORY")
    with world().lock:
        items = sorted(shop.data["items"].values(), key=lambda item: item["sku"])
    total = len(items)
    pages = (total + limit - 1) // limit
    document = {
        "href": _page_link(page, limit),
        "total": total,
        "size": pages,
        "limit": limit,
        "offset": page,
        "inventoryItems": [
            {
                "sku": item["sku"],
                "locale": "en_US",
                "condition": item["condition"],
                "product": {"title": item["title"]},
                "availability": {
                    "shipToLocationAvailability": {"quantity": item["quantity"]}
                },
            }
            for item in items[page * limit : (page + 1) * limit]
        ],
    }
    if page + 1 < pages:
        document["next"] = _page_link(page + 1, limit)
    if page > 0:
        document["prev"] = _page_link(page - 1, limit)
    return json_response(document)


@bp.post("/sell/inventory/v1/bulk_update_price_quantity")
def bulk_update_price_quantity():
    """Set shipToLocationAvailability per SKU; 207 when some SKUs failed."""
    shop, early = _seller_call()
    if early is not None:
        return early
    body = request.get_json(silent=True)
    updates = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(updates, list) or not updates:
        return _error(
            400,
            25709,
            "The request must carry a non-empty requests list.",
            domain="API_INVENTORY",
        )
    if len(updates) > BULK_LIMIT:
        return _error(
            400,
            25709,
            f"At most {BULK_LIMIT} requests are allowed in one call; "
            f"got {len(updates)}.",
            domain="API_INVENTORY",
        )

    responses = []
    with world().lock:
        for update in updates:
            responses.append(_apply_update(shop, update))
    status = 200 if all(r["statusCode"] == 200 for r in responses) else 207
    return json_response({"responses": responses}, status)


def _apply_update(shop, update):
    update = update if isinstance(update, dict) else {}
    sku = update.get("sku")
    availability = update.get("shipToLocationAvailability") or {}
    quantity = availability.get("quantity") if isinstance(availability, dict) else None
    answer = {"sku": sku, "statusCode": 200, "errors": [], "warnings": []}
    item = shop.data["items"].get(sku) if isinstance(sku, str) else None
    if item is None:
        answer["statusCode"] = 404
        answer["errors"].append(
            {
                "errorId": 25702,
                "domain": "API_INVENTORY",
                "category": "REQUEST",
                "message": f"SKU {sku} is not available in the system.",
            }
        )
    elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        answer["statusCode"] = 400
        answer["errors"].append(
            {
                "errorId": 25727,
                "domain": "API_INVENTORY",
                "category": "REQUEST",
                "message": "The quantity must be a whole number of 0 or more.",
            }
        )
    else:
        item["quantity"] = quantity
    return answer
