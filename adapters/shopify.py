"""Shopify: OAuth install per shop, a mapping table of variants, GraphQL stock.

The adapter reads the shop, orders, products and locations through the REST Admin API
and sets stock with the GraphQL ``inventorySetQuantities`` mutation. The module also
holds the steps of the OAuth install that need no web framework: checking the requests
Shopify signs, building the authorize URL and exchanging the code for tokens.

Expiring offline tokens last an hour and come with a refresh token that Shopify
replaces on every use; the adapter refreshes before a call when it knows the token has
expired, or once after a 401, and hands the new pair to ``on_credentials``.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode, urlsplit

from adapters import errors
from adapters.base import (
    OAUTH,
    TABLE,
    Capabilities,
    CredentialField,
    PlatformAdapter,
    PlatformSpec,
    batches,
)
from adapters.http import HttpClient, ListRecorder, parse_json, require
from adapters.registry import register
from adapters.types import (
    Address,
    ConnectionInfo,
    Listing,
    Order,
    OrderLine,
    StockOutcome,
    TokenSet,
)
from adapters.validation import normalise_shop_host

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://{shop}"
DEFAULT_API_VERSION = "2026-10"
SCOPES = ("read_orders", "read_products", "write_inventory", "read_locations")
PAGE_LIMIT = 250
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
# calls kept free in the REST bucket; past this a call waits for the bucket to drain
BUCKET_HEADROOM = 5
# a standard bucket of 40 drains 2 calls a second; larger (Plus) buckets in proportion
BUCKET_DRAIN_SECONDS = 20
MAX_CALLBACK_AGE = 24 * 3600
# refresh this long before the known expiry, or a quarter of a shorter lifetime
REFRESH_MARGIN = 60.0
THROTTLE_RETRIES = 5
# a batch that Shopify refused as a whole for some items is sent again without them
STOCK_ROUNDS = 3
# from 2026-04 each quantity carries changeFromQuantity and the mutation needs an
# idempotency key; the key is accepted from 2026-01
CHANGE_FROM_VERSION = "2026-04"
IDEMPOTENCY_VERSION = "2026-01"
SHOP_HOST = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")

SET_QUANTITIES = """\
mutation SetStock($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input)%s {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}"""


def _check(values, production=False):
    host = normalise_shop_host(values.get("shop"))
    if host is None:
        return {
            "shop": "Shop must be a Shopify host such as my-store.myshopify.com "
            "(letters, digits and hyphens before .myshopify.com)."
        }
    values["shop"] = host
    return {}


# the OAuth install, without a web framework


@dataclass(frozen=True)
class Callback:
    """What a checked authorization callback carries."""

    shop: str
    code: str
    host: str | None = None


def new_state():
    """A fresh random nonce for the ``state`` of one authorization."""
    return secrets.token_urlsafe(32)


def _escape(text, key):
    text = str(text).replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if key else text


def _grouped(params):
    """The parameters as (key, value) pairs, list parameters folded the Shopify way."""
    if hasattr(params, "lists"):
        items = [(key, values) for key, values in params.lists()]
    else:
        pairs = params.items() if hasattr(params, "items") else params
        items = {}
        for key, value in pairs:
            items.setdefault(key, []).append(value)
        items = list(items.items())
    for key, values in items:
        values = values if isinstance(values, list) else [values]
        if key.endswith("[]") or len(values) > 1:
            # list parameters are signed as key=["a", "b"], without the brackets
            yield key.removesuffix("[]"), json.dumps([str(v) for v in values])
        else:
            yield key, values[0]


def signed_message(params):
    """The text Shopify signs for a request: sorted ``k=v`` pairs without the hmac."""
    pairs = [
        f"{_escape(key, True)}={_escape(value, False)}"
        for key, value in _grouped(params)
        if key not in ("hmac", "signature")
    ]
    return "&".join(sorted(pairs))


def verify_hmac(params, client_secret):
    """Tell whether ``params`` (a query as a mapping or pairs) carry a valid ``hmac``.

    The digest is the hex HMAC-SHA256 of :func:`signed_message` under the app's client
    secret, compared in constant time.
    """
    given = dict(_grouped(params)).get("hmac") or ""
    expected = hmac.new(
        client_secret.encode(), signed_message(params).encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected.encode(), str(given).encode())


def _checked_shop(value):
    shop = str(value or "")
    if not SHOP_HOST.match(shop):
        raise errors.OAuthError(
            f"The shop {shop[:100]!r} is not a Shopify shop host; it must be "
            "name.myshopify.com in lowercase letters, digits and hyphens."
        )
    return shop


def _check_signed(params, client_secret, now):
    values = dict(_grouped(params))
    if not values.get("hmac"):
        raise errors.OAuthError("The request from Shopify carries no hmac signature.")
    if not verify_hmac(params, client_secret):
        raise errors.OAuthError(
            "The hmac of the request does not match its parameters: it was altered or "
            "not signed with this app's client secret."
        )
    try:
        stamp = int(values.get("timestamp", ""))
    except ValueError:
        raise errors.OAuthError(
            "The request from Shopify carries no readable timestamp."
        ) from None
    now = time.time() if now is None else now
    if abs(now - stamp) > MAX_CALLBACK_AGE:
        raise errors.OAuthError(
            f"The request from Shopify is dated {abs(now - stamp) / 3600:.0f} hours "
            "away from now; only requests within 24 hours are accepted."
        )
    return values, _checked_shop(values.get("shop"))


def check_install_request(params, *, config, now=None):
    """Check the signed request Shopify sends when a merchant opens the app.

    :returns: the shop host.
    :raises OAuthError: for a bad signature, a stale timestamp or a foreign shop.
    """
    _, shop = _check_signed(params, config.app("shopify")["client_secret"], now)
    return shop


def check_callback(params, *, config, state, shop=None, now=None):
    """Check an authorization callback: signature, age, shop host and state.

    :param params: the callback's query parameters.
    :param state: the nonce this installation sent with the authorize URL.
    :param shop: the shop the authorization was started for, when known.
    :returns: a :class:`Callback`.
    :raises OAuthError: naming the first check that failed.
    """
    values, host = _check_signed(params, config.app("shopify")["client_secret"], now)
    if shop is not None and host != shop:
        raise errors.OAuthError(
            f"The callback is for the shop {host}, but the authorization was started "
            f"for {shop}."
        )
    given = str(values.get("state") or "")
    if not state or not hmac.compare_digest(given.encode(), str(state).encode()):
        raise errors.OAuthError(
            "The callback's state does not match the one sent with the authorization; "
            "start Re-authorize again."
        )
    if not values.get("code"):
        raise errors.OAuthError("The callback carries no authorization code.")
    return Callback(shop=host, code=values["code"], host=values.get("host"))


def authorization_url(shop, *, config, state, redirect_uri, scopes=SCOPES):
    """The URL of the shop's consent page for this installation's app.

    Whether the tokens will expire is asked at the code exchange, not here.
    """
    shop = _checked_shop(shop)
    app = config.app("shopify")
    base = config.base_url("shopify", DEFAULT_BASE_URL, shop=shop)
    query = urlencode(
        {
            "client_id": app["client_id"],
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{base}/admin/oauth/authorize?{query}"


def _missing_scopes(granted, wanted):
    granted = {scope.strip() for scope in (granted or "").split(",") if scope.strip()}
    missing = []
    for scope in wanted:
        # a write scope includes the matching read scope
        implied = "write_" + scope.removeprefix("read_")
        if scope not in granted and implied not in granted:
            missing.append(scope)
    return missing


def _token_set(document, shop, wanted=None):
    access_token = require(document, ("access_token",), "token")
    if not isinstance(access_token, str) or not access_token:
        raise errors.BadPlatformData("The platform's token answer has an empty token.")
    if wanted:
        missing = _missing_scopes(document.get("scope"), wanted)
        if missing:
            raise errors.OAuthError(
                f"Shopify granted the app fewer scopes than it needs; missing "
                f"{', '.join(missing)}. Approve the app again with all of them."
            )
    expires_at = None
    if document.get("expires_in") is not None:
        try:
            seconds = float(document["expires_in"])
        except (TypeError, ValueError):
            raise errors.BadPlatformData(
                "The platform's token answer has an unreadable expires_in."
            ) from None
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    values = {
        "shop": shop,
        "access_token": access_token,
        # None clears a refresh token left from an earlier, expiring grant
        "refresh_token": document.get("refresh_token") or None,
    }
    return TokenSet(values=values, expires_at=expires_at)


def _refuse_bad_app(error):
    """Raise ConfigurationError when the token endpoint refused the app itself."""
    try:
        code = error.response.json().get("error")
    except (AttributeError, ValueError):
        return
    if code == "invalid_client":
        raise errors.ConfigurationError(
            "Shopify refused this installation's app credentials (invalid_client); "
            "check SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET.",
            error.response,
        ) from None


def exchange_code(shop, code, *, config, recorder=None, expiring=True, sleep=None):
    """Trade the callback's code for the shop's offline token.

    :param expiring: ask for an expiring token with a refresh token (``expiring=1``),
        as public apps must from 2027.
    :returns: a :class:`TokenSet` with ``shop``, ``access_token`` and
        ``refresh_token`` (None for a token that never expires).
    :raises OAuthError: when Shopify refuses the code or grants too few scopes.
    :raises ConfigurationError: when Shopify refuses the app (``invalid_client``).
    """
    shop = _checked_shop(shop)
    app = config.app("shopify")
    extra = {"sleep": sleep} if sleep else {}
    http = HttpClient(
        recorder or ListRecorder(),
        timeout=config.timeout,
        secrets=[app["client_secret"], code],
        **extra,
    )
    url = config.base_url("shopify", DEFAULT_BASE_URL, shop=shop)
    data = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    data["code"] = code
    if expiring:
        data["expiring"] = "1"
    try:
        response = http.request(
            "token",
            "POST",
            f"{url}/admin/oauth/access_token",
            data=data,
            headers={"Accept": "application/json"},
            describe_error=describe_error,
        )
    except (errors.PlatformRequestError, errors.CredentialsRejected) as error:
        _refuse_bad_app(error)
        raise errors.OAuthError(
            f"Shopify refused the authorization code ({error.status_code}): "
            f"{describe_error(error.response)}. Start Re-authorize again.",
            error.response,
        ) from None
    tokens = _token_set(parse_json(response, "token"), shop, SCOPES)
    logger.info(
        "shopify %s: authorization code exchanged (expiring token: %s)",
        shop,
        tokens.expires_at is not None,
    )
    return tokens


# reading what Shopify sends


def describe_error(response):
    """A short readable reason from a Shopify error answer, never the raw body."""
    fallback = response.reason or f"HTTP {response.status_code}"
    if "json" not in response.headers.get("Content-Type", "").lower():
        return fallback
    try:
        document = response.json()
    except ValueError:
        return fallback
    if not isinstance(document, dict):
        return fallback
    if document.get("error"):
        text = str(document["error"])
        if document.get("error_description"):
            text += f": {document['error_description']}"
        return text[:200]
    found = document.get("errors")
    if isinstance(found, str):
        return found[:200]
    if isinstance(found, dict):
        parts = []
        for key, value in found.items():
            value = ", ".join(map(str, value)) if isinstance(value, list) else value
            parts.append(f"{key}: {value}")
        return "; ".join(parts)[:200] or fallback
    if isinstance(found, list):
        messages = [
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in found
        ]
        return "; ".join(messages)[:200] or fallback
    return fallback


def _text(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _sku(value):
    return _text(value)


def _decimal(value, what):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise errors.BadPlatformData(
            f"The platform sent an unreadable {what}: {value!r:.40}."
        )
    return number


def _time(value, what):
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise errors.BadPlatformData(
            f"The platform sent an unreadable {what}: {value!r:.40}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.BadPlatformData(
            f"The platform sent an unreadable {what}: {value!r:.40}."
        ) from None


def _id(value):
    return str(value) if value not in (None, "", 0) else None


def _address(document):
    if not document:
        return None
    name = _text(document.get("name")) or _text(
        " ".join(filter(None, (document.get("first_name"), document.get("last_name"))))
    )
    return Address(
        name=name,
        company=_text(document.get("company")),
        line1=_text(document.get("address1")),
        line2=_text(document.get("address2")),
        city=_text(document.get("city")),
        region=_text(document.get("province_code")) or _text(document.get("province")),
        postal_code=_text(document.get("zip")),
        country_code=_text(document.get("country_code")),
        phone=_text(document.get("phone")),
    )


def _line(document, order_id):
    title = _text(document.get("title"))
    variant_title = _text(document.get("variant_title"))
    if title and variant_title:
        title = f"{title} - {variant_title}"
    return OrderLine(
        line_id=str(require(document, ("id",), f"order {order_id} line")),
        sku=_sku(document.get("sku")),
        title=title or variant_title,
        quantity=_int(document.get("quantity"), f"quantity in order {order_id}"),
        price=_decimal(document.get("price"), f"line price in order {order_id}"),
        listing_id=_id(document.get("variant_id")),
    )


def shipping_code(shipping_lines):
    """The code an order's shipping is mapped by: the first shipping line's ``code``,
    or its ``title`` when the code is empty; None without shipping lines."""
    for line in shipping_lines or ():
        return _text(line.get("code")) or _text(line.get("title"))
    return None


def parse_order(document):
    """Normalise one order of ``orders.json`` into an :class:`Order`."""
    if not isinstance(document, dict):
        raise errors.BadPlatformData("The platform's orders answer holds a non-object.")
    order_id = str(require(document, ("id",), "orders"))
    updated_at = _time(document.get("updated_at"), f"updated_at of order {order_id}")
    if updated_at is None:
        raise errors.BadPlatformData(f"Order {order_id} has no updated_at.")
    cancelled_at = _time(
        document.get("cancelled_at"), f"cancelled_at of order {order_id}"
    )
    customer = document.get("customer") or {}
    address = _address(document.get("shipping_address"))
    customer_name = _text(
        " ".join(filter(None, (customer.get("first_name"), customer.get("last_name"))))
    ) or (address.name if address else None)
    financial = _text(document.get("financial_status")) or "unknown"
    fulfillment = _text(document.get("fulfillment_status")) or "unfulfilled"
    return Order(
        order_id=order_id,
        number=_text(document.get("name"))
        or str(document.get("order_number") or order_id),
        status=f"{financial}/{fulfillment}",
        cancelled=cancelled_at is not None,
        created_at=_time(document.get("created_at"), f"created_at of order {order_id}"),
        updated_at=updated_at,
        currency=_text(document.get("currency")),
        total=_decimal(document.get("total_price"), f"total of order {order_id}"),
        customer_name=customer_name,
        customer_email=_text(document.get("email")) or _text(customer.get("email")),
        shipping_address=address,
        shipping_code=shipping_code(document.get("shipping_lines")),
        lines=tuple(_line(line, order_id) for line in document.get("line_items") or ()),
        cancelled_at=cancelled_at,
        fulfilled=fulfillment == "fulfilled",
    )


def parse_listings(product):
    """The sellable listings of one product of ``products.json``: its variants."""
    product_id = str(require(product, ("id",), "products"))
    title = _text(product.get("title"))
    listings = []
    for variant in product.get("variants") or ():
        variant_title = _text(variant.get("title"))
        name = title
        if variant_title and variant_title != "Default Title":
            name = f"{title} - {variant_title}" if title else variant_title
        quantity = variant.get("inventory_quantity")
        listings.append(
            Listing(
                listing_id=str(
                    require(variant, ("id",), f"product {product_id} variant")
                ),
                sku=_sku(variant.get("sku")),
                title=name,
                quantity=None
                if quantity is None
                else _int(quantity, "inventory_quantity"),
                parent_id=product_id,
                inventory_item_id=_id(variant.get("inventory_item_id")),
            )
        )
    return listings


def _call_limit(header):
    """``(used, size)`` from ``X-Shopify-Shop-Api-Call-Limit: 32/40``, or None."""
    used, _, size = (header or "").partition("/")
    try:
        used, size = int(used), int(size)
    except ValueError:
        return None
    return (used, size) if size > 0 else None


def _gid(kind, value):
    """Shopify's global id of ``kind`` for ``value`` (a global id or its number), or
    None when ``value`` is neither."""
    value = str(value).strip()
    prefix = f"gid://shopify/{kind}/"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    return prefix + value if value.isdigit() else None


INVENTORY_ITEM_GID = "gid://shopify/InventoryItem/"


def _inventory_gid(value):
    """``_gid("InventoryItem", value)``, taking a global id already in that form as
    it is: a stock push asks for every item it sends."""
    if (
        type(value) is str
        and value.startswith(INVENTORY_ITEM_GID)
        and value[len(INVENTORY_ITEM_GID) :].isdigit()
    ):
        return value
    return _gid("InventoryItem", value)


def _expiry(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise errors.ConfigurationError(
                f"The token expiry {value!r:.40} is not an ISO 8601 date and time."
            ) from None
    if not isinstance(value, datetime):
        raise errors.ConfigurationError("The token expiry must be a date and time.")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _since(value, what):
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime; got {type(value).__name__}.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat()


class ShopifyAdapter(PlatformAdapter):
    """One Shopify shop, reached with its offline access token.

    ``credentials`` holds ``shop``, ``access_token`` and, for an expiring token,
    ``refresh_token``. It may also hold ``expires_at`` (an aware datetime or an ISO
    8601 text): the expiry of the access token, which lets the adapter refresh before
    a call rather than after a 401. Refreshed tokens go to ``on_credentials`` with
    their new expiry.
    """

    spec = None  # set once SPEC exists, below

    def __init__(self, credentials, **kwargs):
        super().__init__(credentials, **kwargs)
        self._expires_at = _expiry(self.credentials.pop("expires_at", None))
        self._lifetime = None
        shop = normalise_shop_host(self.credentials.get("shop"))
        if shop is None:
            raise errors.ConfigurationError(
                f"The account's shop {str(self.credentials.get('shop'))[:100]!r} is "
                "not a my-store.myshopify.com host; correct it on Edit."
            )
        self.shop = shop
        self.base = self.config.base_url("shopify", DEFAULT_BASE_URL, shop=shop)
        self.api_version = (
            self.config.extra.get("shopify_api_version") or DEFAULT_API_VERSION
        )
        self.api = f"{self.base}/admin/api/{self.api_version}"
        self._location_id = None
        # what the last answers said of the REST bucket and the GraphQL points
        self._bucket = None
        self._points = None
        self._pacing = None

    # tokens

    def _token_expired(self):
        if not self.credentials.get("access_token"):
            return True
        if self._expires_at is None:
            return False
        margin = REFRESH_MARGIN
        if self._lifetime is not None:
            margin = min(margin, self._lifetime / 4)
        return datetime.now(timezone.utc) >= self._expires_at - timedelta(
            seconds=margin
        )

    def refresh_access_token(self):
        """Trade the refresh token for a new token pair and hand it to the caller.

        :raises CredentialsRejected: when there is no refresh token or Shopify refuses
            it (``invalid_grant``, 400 or 401): the account needs Re-authorize.
        :raises ConfigurationError: when Shopify refuses the app (``invalid_client``).
        """
        refresh_token = self.credentials.get("refresh_token")
        if not refresh_token:
            raise errors.CredentialsRejected(
                "The Shopify access token is missing or expired and the account has no "
                "refresh token; Re-authorize the account."
            )
        app = self.config.app("shopify")
        data = {
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            response = self.http.request(
                "token",
                "POST",
                f"{self.base}/admin/oauth/access_token",
                data=data,
                headers={"Accept": "application/json"},
                describe_error=describe_error,
            )
        except (errors.PlatformRequestError, errors.CredentialsRejected) as error:
            _refuse_bad_app(error)
            raise errors.CredentialsRejected(
                f"Shopify refused to refresh the access token ({error.status_code}): "
                f"{self.http.scrub(describe_error(error.response)).rstrip('.')}. "
                "Re-authorize the account.",
                error.response,
            ) from None
        tokens = _token_set(parse_json(response, "token"), self.shop)
        self._expires_at = tokens.expires_at
        self._lifetime = None
        if tokens.expires_at is not None:
            self._lifetime = (
                tokens.expires_at - datetime.now(timezone.utc)
            ).total_seconds()
        logger.info("shopify %s: access token refreshed", self.shop)
        self.renew_credentials(
            expires_at=tokens.expires_at,
            access_token=tokens.values["access_token"],
            refresh_token=tokens.values["refresh_token"] or refresh_token,
        )
        return tokens

    # sending

    def _send(self, kind, method, url, pacing="rest", **kwargs):
        """Send one Admin API call, refreshing the token first or once after a 401."""
        refreshed = False
        if self._token_expired() and self.credentials.get("refresh_token"):
            self.refresh_access_token()
            refreshed = True
        if not self.credentials.get("access_token"):
            raise errors.CredentialsRejected(
                "The account has no Shopify access token yet; Re-authorize it."
            )
        while True:
            headers = {
                "X-Shopify-Access-Token": self.credentials["access_token"],
                "Accept": "application/json",
            }
            self._pacing = pacing
            try:
                return self.http.request(
                    kind,
                    method,
                    url,
                    headers=headers,
                    describe_error=describe_error,
                    **kwargs,
                )
            except errors.CredentialsRejected as error:
                can_refresh = self.credentials.get("refresh_token") and not refreshed
                if error.status_code != 401 or not can_refresh:
                    raise
                logger.info(
                    "shopify %s: token refused on %s; refreshing", self.shop, kind
                )
            finally:
                self._pacing = None
            self.refresh_access_token()
            refreshed = True

    def _get(self, kind, url, params=None):
        response = self._send(kind, "GET", url, params=params)
        return response, parse_json(response, kind)

    def _pages(self, kind, url, params, key):
        """Follow ``rel="next"`` links verbatim, yielding each page's ``key`` list."""
        while url:
            response, document = self._get(kind, url, params)
            items = require(document, (key,), kind)
            if not isinstance(items, list):
                raise errors.BadPlatformData(
                    f"The platform's {kind} answer has no list."
                )
            yield items
            url, params = self._next_link(response, kind), None

    def _next_link(self, response, kind):
        link = (response.links.get("next") or {}).get("url")
        if not link:
            return None
        # a next link elsewhere would carry the token to another host
        here, there = urlsplit(self.base), urlsplit(link)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            raise errors.BadPlatformData(
                f"The platform's {kind} answer links its next page to another host "
                f"({there.netloc[:100]}); it was not followed."
            )
        return link

    # pacing

    def before_request(self):
        """Wait before a call that would overflow the REST bucket or GraphQL points."""
        if self._pacing == "rest" and self._bucket:
            used, size, seen = self._bucket
            rate = size / BUCKET_DRAIN_SECONDS
            level = max(0.0, used - (time.monotonic() - seen) * rate)
            ceiling = size - BUCKET_HEADROOM
            if level >= ceiling:
                wait = (level - ceiling + 1) / rate
                logger.debug(
                    "shopify %s: %.0f of %d calls in use; waiting %.1f s",
                    self.shop,
                    level,
                    size,
                    wait,
                )
                self.http.sleep(wait)
                self._bucket = (level - wait * rate, size, time.monotonic())
        elif self._pacing == "graphql" and self._points:
            available, restore, needed, seen = self._points
            available += (time.monotonic() - seen) * restore
            if available < needed and restore > 0:
                wait = (needed - available) / restore
                logger.debug(
                    "shopify %s: waiting %.1f s for GraphQL points", self.shop, wait
                )
                self.http.sleep(wait)
                self._points = (needed, restore, needed, time.monotonic())

    def after_response(self, response):
        """Remember how full the REST bucket is, from the call-limit header."""
        limit = _call_limit(response.headers.get(CALL_LIMIT_HEADER))
        if limit:
            self._bucket = (limit[0], limit[1], time.monotonic())

    def _note_points(self, document):
        """Remember the GraphQL points left; return the wait a throttled call needs."""
        cost = ((document.get("extensions") or {}).get("cost")) or {}
        status = cost.get("throttleStatus") or {}
        try:
            available = float(status["currentlyAvailable"])
            restore = float(status["restoreRate"])
            needed = float(cost.get("requestedQueryCost") or 1)
        except (KeyError, TypeError, ValueError):
            return 1.0
        self._points = (available, restore, needed, time.monotonic())
        return max(0.1, (needed - available) / restore) if restore > 0 else 1.0

    # the operations

    def test_connection(self):
        """Read ``shop.json``; return the shop's name and plan."""
        _, document = self._get("connection", f"{self.api}/shop.json")
        shop = require(document, ("shop",), "connection")
        name = _text(shop.get("name")) or self.shop
        detail = ", ".join(
            filter(
                None,
                (
                    _text(shop.get("myshopify_domain")),
                    _text(shop.get("plan_display_name") or shop.get("plan_name")),
                    _text(shop.get("currency")),
                ),
            )
        )
        return ConnectionInfo(shop_name=name, detail=detail)

    def fetch_orders(self, since, until):
        """Yield pages of orders of any status updated in ``[since, until]``.

        Both bounds are sent in UTC to the second, ``since`` rounded down.
        """
        params = {
            "status": "any",
            "updated_at_min": _since(since, "since"),
            "updated_at_max": _since(until, "until"),
            "limit": PAGE_LIMIT,
        }
        for page in self._pages("orders", f"{self.api}/orders.json", params, "orders"):
            yield [parse_order(order) for order in page]

    def list_listings(self):
        """Yield pages of variants, one :class:`Listing` each (never the product)."""
        params = {"limit": PAGE_LIMIT, "fields": "id,title,variants"}
        url = f"{self.api}/products.json"
        for page in self._pages("products", url, params, "products"):
            yield [listing for product in page for listing in parse_listings(product)]

    def locations(self):
        """The shop's locations as dicts with ``id``, ``name`` and ``active``."""
        _, document = self._get("locations", f"{self.api}/locations.json")
        found = require(document, ("locations",), "locations")
        return [
            {
                "id": str(require(place, ("id",), "locations")),
                "name": _text(place.get("name")),
                "active": bool(place.get("active")),
            }
            for place in found
        ]

    def stock_location(self):
        """The id of the first active location, where stock is set; kept per adapter."""
        if self._location_id is None:
            active = [place for place in self.locations() if place["active"]]
            if not active:
                raise errors.BadPlatformData(
                    "The shop has no active location to hold stock; activate one in "
                    "Shopify's Settings > Locations."
                )
            self._location_id = active[0]["id"]
        return self._location_id

    def set_stock(self, items):
        """Set absolute ``available`` stock in batches of :attr:`stock_batch`.

        Yields one list of :class:`StockOutcome` per batch, in the items' order.
        """
        location = None
        for batch in batches(items, self.stock_batch):
            outcomes = [None] * len(batch)
            # the items to send: their places in the batch and (inventory item,
            # quantity) pairs, in step
            pending, quantities = [], []
            for index, item in enumerate(batch):
                inventory_item = _inventory_gid(item.inventory_item_id)
                problem = _stock_problem(item, inventory_item)
                if problem:
                    outcomes[index] = StockOutcome(
                        item.key, False, item.quantity, problem
                    )
                else:
                    pending.append(index)
                    quantities.append((inventory_item, item.quantity))
            if not pending:
                # nothing of this batch can be sent
                yield outcomes
                continue
            if location is None:
                location = self.stock_location()

            for _ in range(STOCK_ROUNDS):
                refused, applied = self._set_quantities(quantities, location)
                for position, message in refused.items():
                    index = pending[position]
                    outcomes[index] = StockOutcome(
                        batch[index].key, False, batch[index].quantity, message
                    )
                if refused:
                    kept = [p for p in range(len(pending)) if p not in refused]
                    pending = [pending[p] for p in kept]
                    quantities = [quantities[p] for p in kept]
                if applied or not refused or not pending:
                    break
                # shopify applied nothing because of the refused items: resend the rest
                logger.info(
                    "shopify %s: %d refused items held back %d others; resending them",
                    self.shop,
                    len(refused),
                    len(pending),
                )
            else:
                for index in pending:
                    outcomes[index] = StockOutcome(
                        batch[index].key,
                        False,
                        batch[index].quantity,
                        "Not applied: Shopify kept refusing other items of its batch.",
                    )
                pending = []
            # built from values in order: a push makes tens of thousands of these
            applied_outcome = StockOutcome._make
            for index in pending:
                item = batch[index]
                outcomes[index] = applied_outcome((item.key, True, item.quantity, None))
            yield outcomes

    def _set_quantities(self, quantities, location):
        """Send one ``inventorySetQuantities`` of ``(inventory item global id,
        quantity)`` pairs; return ``(refused, applied)``.

        ``refused`` maps positions in ``quantities`` to a reason; ``applied`` tells
        whether Shopify applied the rest (it applies nothing when any is refused).
        """
        modern = self.api_version >= CHANGE_FROM_VERSION
        location_id = _gid("Location", location)
        # null skips the compare check: the warehouse is the source of truth
        compare = {"changeFromQuantity": None} if modern else {}
        sent = [
            {
                "inventoryItemId": inventory_item,
                "locationId": location_id,
                "quantity": quantity,
                **compare,
            }
            for inventory_item, quantity in quantities
        ]
        payload = {
            "name": "available",
            "reason": "correction",
            "quantities": sent,
        }
        if not modern:
            payload["ignoreCompareQuantity"] = True
        directive = ""
        if self.api_version >= IDEMPOTENCY_VERSION:
            # one key per batch; a retry of the same batch reuses it
            directive = f' @idempotent(key: "{uuid.uuid4()}")'
        body = {"query": SET_QUANTITIES % directive, "variables": {"input": payload}}

        for attempt in range(1, THROTTLE_RETRIES + 1):
            response = self._send(
                "stock", "POST", f"{self.api}/graphql.json", pacing="graphql", json=body
            )
            document = parse_json(response, "stock")
            if not isinstance(document, dict):
                raise errors.BadPlatformData(
                    "The platform's stock answer is not an object."
                )
            wait = self._note_points(document)
            problems = document.get("errors") or []
            if not problems:
                break
            codes = {
                str((problem.get("extensions") or {}).get("code", "")).upper()
                for problem in problems
                if isinstance(problem, dict)
            }
            messages = [
                str(problem.get("message", problem))
                if isinstance(problem, dict)
                else str(problem)
                for problem in problems
            ]
            if "THROTTLED" in codes or "Throttled" in messages:
                if attempt == THROTTLE_RETRIES:
                    raise errors.RateLimited(
                        f"Shopify kept throttling stock updates after {attempt} "
                        f"attempts; it needs {wait:.1f} seconds more.",
                        response,
                        retry_after=wait,
                    )
                logger.warning(
                    "shopify %s: stock update throttled; waiting %.1f s",
                    self.shop,
                    wait,
                )
                self.http.sleep(wait)
                continue
            reason = self.http.scrub("; ".join(messages))[:300]
            if "ACCESS_DENIED" in codes:
                raise errors.CredentialsRejected(
                    f"Shopify denied the stock update: {reason} Re-authorize the "
                    "account to grant write_inventory.",
                    response,
                )
            raise errors.BadPlatformData(
                f"Shopify refused the stock update: {reason}", response
            )

        result = require(document, ("data", "inventorySetQuantities"), "stock")
        refused = {}
        for problem in result.get("userErrors") or ():
            text = problem.get("message") or "refused"
            message = f"{text} ({problem.get('code') or 'error'})"
            position = _quantity_position(problem.get("field"))
            if position is None or position >= len(quantities):
                # an error about the whole input refuses every item of the batch
                return dict.fromkeys(range(len(quantities)), message), False
            refused.setdefault(position, message)
        applied = not refused or result.get("inventoryAdjustmentGroup") is not None
        return refused, applied


def _quantity_position(field):
    """The index in ``quantities`` a userError's field path points at, or None."""
    path = [str(part) for part in (field or ())]
    if "quantities" in path:
        after = path.index("quantities") + 1
        if after < len(path) and path[after].isdigit():
            return int(path[after])
    return None


def _stock_problem(item, inventory_item):
    """Why ``item`` cannot be sent, given its inventory item's global id, or None."""
    if not inventory_item:
        return (
            "The listing has no Shopify inventory item id; run Sync Product Mappings "
            "to fill it in."
        )
    if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
        return f"The quantity must be a whole number; got {item.quantity!r:.20}."
    return None


SPEC = register(
    PlatformSpec(
        name="shopify",
        label="Shopify",
        capabilities=Capabilities(
            auth_type=OAUTH,
            mapping_mode=TABLE,
            stock_batch=250,
            rate_limit="leaky bucket of 40 calls draining 2 a second",
        ),
        credential_fields=(
            CredentialField(
                "shop", "Shop", help="The shop's my-store.myshopify.com host."
            ),
            CredentialField(
                "access_token",
                "Access token",
                secret=True,
                required=False,
                help="Filled in by Re-authorize; type one only for a custom app.",
            ),
            CredentialField(
                "refresh_token", "Refresh token", secret=True, required=False
            ),
        ),
        check_credentials=_check,
        identity_field="shop",
        adapter_class=ShopifyAdapter,
    )
)
ShopifyAdapter.spec = SPEC
