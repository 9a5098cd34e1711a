"""eBay: OAuth consent per seller, stock by seller SKU without a mapping table.

A seller grants the installation's eBay app access once, through the consent flow of
:func:`authorization_url`, :func:`read_callback` and :func:`exchange_code`. The account
then keeps only the long-lived refresh token; every adapter run trades it for a
two-hour access token held in memory, and renews that token when it runs out.

Orders come from the Fulfillment API, inventory items and stock from the Inventory
API. Both page with ``offset``; the adapter takes each next offset from eBay's
``next`` link but always calls its own configured host.
"""

import base64
import hmac
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from adapters import errors
from adapters.base import (
    LOOKUP,
    OAUTH,
    Capabilities,
    CredentialField,
    PlatformAdapter,
    PlatformSpec,
    batches,
)
from adapters.http import HttpClient, ListRecorder, require
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

logger = logging.getLogger(__name__)

MARKETPLACES = (
    "EBAY_US",
    "EBAY_GB",
    "EBAY_DE",
    "EBAY_AU",
    "EBAY_CA",
    "EBAY_FR",
    "EBAY_IT",
)

API_BASE = "https://api.ebay.com"
AUTH_BASE = "https://auth.ebay.com"
TOKEN_PATH = "/identity/v1/oauth2/token"
AUTHORIZE_PATH = "/oauth2/authorize"
ORDERS_PATH = "/sell/fulfillment/v1/order"
INVENTORY_PATH = "/sell/inventory/v1/inventory_item"
BULK_STOCK_PATH = "/sell/inventory/v1/bulk_update_price_quantity"

# scope identifiers are URIs on eBay's host whatever base the installation calls
SCOPES = (
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
)
ORDER_PAGE_SIZE = 200
LISTING_PAGE_SIZE = 200
STOCK_BATCH = 25
ACCESS_TOKEN_SECONDS = 7200
# renew an access token this long before it ends (at most a tenth of its life)
RENEW_MARGIN_SECONDS = 60.0
CANCELLED = "CANCELED"


def _check(values, production=False):
    marketplace = (values.get("marketplace_id") or "").strip().upper()
    if marketplace not in MARKETPLACES:
        return {
            "marketplace_id": "Marketplace must be one of "
            + ", ".join(MARKETPLACES)
            + "."
        }
    values["marketplace_id"] = marketplace
    return {}


# describing eBay's answers


def describe_error(response):
    """A short reason from an eBay error answer, built from its fields, never its body.

    The Sell APIs answer ``{"errors": [{"errorId", "message", ...}]}``; the identity
    service answers ``{"error", "error_description"}``.
    """
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict):
        if isinstance(document.get("error"), str):
            description = document.get("error_description")
            if description:
                return f"{document['error']}: {description}"
            return document["error"]
        problems = document.get("errors")
        if isinstance(problems, list) and problems and isinstance(problems[0], dict):
            return _describe_problems(problems)
    return f"{response.status_code} {response.reason or 'error'}"


def _describe_problems(problems):
    first = problems[0]
    message = first.get("message") or first.get("longMessage") or "no message"
    text = f"errorId {first.get('errorId')}: {message}"
    if len(problems) > 1:
        text += f" (and {len(problems) - 1} more)"
    return text


def _oauth_error(response):
    """The ``error`` code of an identity-service answer, or None."""
    if response is None:
        return None
    try:
        document = response.json()
    except ValueError:
        return None
    return document.get("error") if isinstance(document, dict) else None


# the consent flow, for the screens (no Flask here)


def _app(config):
    app = config.app("ebay")
    if not app.get("ru_name"):
        raise errors.ConfigurationError(
            "The eBay app's RuName is not configured; set EBAY_RU_NAME to the RuName "
            "eBay lists for the app (the sandbox accepts demo-ebay-runame)."
        )
    return app


def new_state():
    """A fresh ``state`` value: keep it in the user's session until the callback."""
    return secrets.token_urlsafe(32)


def authorization_url(config, state):
    """The eBay consent page to send the seller's browser to.

    :param config: the :class:`~adapters.base.AdapterConfig` with the eBay app.
    :param state: the value from :func:`new_state`, kept for :func:`read_callback`.
    """
    if not state:
        raise ValueError("An authorization URL needs a state value; use new_state().")
    app = _app(config)
    query = urlencode(
        {
            "client_id": app["client_id"],
            "redirect_uri": app["ru_name"],
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "state": state,
        },
        quote_via=quote,
    )
    return f"{config.base_url('ebay_auth', AUTH_BASE)}{AUTHORIZE_PATH}?{query}"


def read_callback(args, expected_state):
    """Check the consent redirect and return its authorization code.

    :param args: the callback's query parameters, as a mapping.
    :param expected_state: the state kept in the session when the flow began.
    :raises OAuthError: when the state differs, the seller declined, or no code came.
    """
    state = str(args.get("state") or "")
    if not expected_state or not hmac.compare_digest(
        state.encode(), str(expected_state).encode()
    ):
        raise errors.OAuthError(
            "The eBay authorization answer carries a state that does not match the one "
            "this session started with; start Re-authorize again from the account page."
        )
    if args.get("error"):
        raise errors.OAuthError(
            f"eBay did not grant access ({str(args['error'])[:60]}); the seller must "
            "press Agree on eBay's consent page."
        )
    code = args.get("code")
    if not code:
        raise errors.OAuthError(
            "The eBay authorization answer carries no code; start Re-authorize again."
        )
    return str(code)


def exchange_code(config, code, *, recorder=None, sleep=None):
    """Trade an authorization code for the seller's tokens.

    Only the refresh token is meant to be stored: it is not rotated and lasts about
    18 months, and each adapter run obtains its own access token from it.

    :returns: a :class:`TokenSet` whose ``values`` hold ``refresh_token`` and whose
        ``expires_at`` is when that refresh token ends (when the seller must consent
        again).
    :raises OAuthError: when eBay refuses the code (used, expired or unknown).
    """
    app = _app(config)
    options = {"sleep": sleep} if sleep else {}
    http = HttpClient(
        recorder or ListRecorder(),
        timeout=config.timeout,
        secrets=[app.get("client_secret"), code],
        **options,
    )
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app["ru_name"],
    }
    try:
        document = _token_call(http, config, form, "authorization")
    except errors.CredentialsRejected as error:
        raise errors.OAuthError(
            f"eBay refused the authorization code ({error.reason}); start Re-authorize "
            "again.",
            error.response,
        ) from None
    refresh_token = _text(require(document, ("refresh_token",), "authorization"))
    access_token = _text(document.get("access_token"))
    http.add_secret(refresh_token)
    http.add_secret(access_token)
    lifetime = _seconds(document.get("refresh_token_expires_in"), None)
    expires_at = None
    if lifetime:
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=lifetime)
    logger.info("eBay granted access; the refresh token lasts %s seconds", lifetime)
    return TokenSet(values={"refresh_token": refresh_token}, expires_at=expires_at)


def _token_call(http, config, form, kind):
    """POST to the token endpoint with the app's Basic credentials.

    A refused grant becomes ``CredentialsRejected``, a refused app
    ``ConfigurationError``.
    """
    app = config.app("ebay")
    pair = f"{app['client_id']}:{app['client_secret']}".encode()
    headers = {
        "Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
        "Accept": "application/json",
    }
    url = config.base_url("ebay", API_BASE) + TOKEN_PATH
    try:
        return http.json(
            kind, "POST", url, data=form, headers=headers, describe_error=describe_error
        )
    except errors.CredentialsRejected as error:
        if _oauth_error(error.response) == "invalid_client":
            raise errors.ConfigurationError(
                "eBay refused the installation's app credentials (invalid_client); "
                "check EBAY_CLIENT_ID and EBAY_CLIENT_SECRET.",
                error.response,
            ) from None
        raise
    except errors.PlatformRequestError as error:
        if _oauth_error(error.response) == "invalid_grant":
            raise errors.CredentialsRejected(
                f"eBay refused the grant ({error.reason}); the seller must authorize "
                "the account again.",
                error.response,
            ) from None
        raise


# reading eBay's values


def _text(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _object(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.BadPlatformData(f"eBay sent {what} that is not an object.")
    return value


def _list(value, what):
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.BadPlatformData(f"eBay sent {what} that is not a list.")
    return value


def _seconds(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _time(value, what):
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise errors.BadPlatformData(
            f"eBay sent {what} {str(value)[:40]!r}, which is not an ISO 8601 time."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _decimal(value, what):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise errors.BadPlatformData(f"eBay sent {what} as a boolean, not an amount.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise errors.BadPlatformData(
            f"eBay sent {what} {str(value)[:40]!r}, which is not an amount."
        ) from None
    if not amount.is_finite():
        raise errors.BadPlatformData(
            f"eBay sent {what} {value!r}, which is not finite."
        )
    return amount


def _whole(value, what):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise errors.BadPlatformData(
        f"eBay sent {what} {str(value)[:40]!r}, which is not a whole number."
    )


def _stamp(moment, name):
    """eBay's filter time: UTC, milliseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime; got {moment!r}.")
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _query(params):
    # eBay asks for [ ] { } | to be percent-encoded; the colon may stay
    return urlencode(params, quote_via=quote, safe=":")


def _next_offset(document, offset, kind):
    """The offset of eBay's ``next`` link, or None when this was the last page."""
    link = document.get("next")
    if not link:
        return None
    params = dict(parse_qsl(urlsplit(str(link)).query))
    try:
        value = int(params["offset"])
    except (KeyError, ValueError):
        raise errors.BadPlatformData(
            f"eBay's next {kind} page link carries no numeric offset."
        ) from None
    if value <= offset:
        raise errors.BadPlatformData(
            f"eBay's next {kind} page does not move forward (offset {value} after "
            f"{offset})."
        )
    return value


def _is_quantity(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _succeeded(status):
    return 200 <= _seconds(status, 0) < 300


def _unit_price(cost, quantity):
    """eBay's ``lineItemCost`` is the price of all units of the line; per unit here."""
    if cost is None or quantity <= 0:
        return cost
    unit = cost / quantity
    if -unit.as_tuple().exponent > 4:
        unit = unit.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return unit


def _address(ship_to):
    ship_to = _object(ship_to, "a shipTo")
    if not ship_to:
        return None
    contact = _object(ship_to.get("contactAddress"), "a contactAddress")
    phone = _object(ship_to.get("primaryPhone"), "a primaryPhone")
    return Address(
        name=_text(ship_to.get("fullName")),
        company=_text(ship_to.get("companyName")),
        line1=_text(contact.get("addressLine1")),
        line2=_text(contact.get("addressLine2")),
        city=_text(contact.get("city")),
        region=_text(contact.get("stateOrProvince")),
        postal_code=_text(contact.get("postalCode")),
        country_code=_text(contact.get("countryCode")),
        phone=_text(phone.get("phoneNumber")),
    )


def _line(raw, order_id):
    raw = _object(raw, f"a line item of order {order_id}")
    line_id = _text(require(raw, ("lineItemId",), "orders"))
    what = f"line {line_id} of order {order_id}"
    quantity = _whole(raw.get("quantity", 1), f"the quantity of {what}")
    cost = _object(raw.get("lineItemCost"), f"the lineItemCost of {what}")
    return OrderLine(
        line_id=line_id,
        sku=_text(raw.get("sku")),
        title=_text(raw.get("title")),
        quantity=quantity,
        price=_unit_price(_decimal(cost.get("value"), f"the cost of {what}"), quantity),
        listing_id=_text(raw.get("legacyItemId")),
    )


def normalize_order(raw):
    """One eBay order as an :class:`Order`; missing optional parts become None."""
    raw = _object(raw, "an order")
    order_id = _text(require(raw, ("orderId",), "orders"))
    what = f"order {order_id}"
    instructions = _list(
        raw.get("fulfillmentStartInstructions"), f"{what}'s instructions"
    )
    first = _object(instructions[0], f"{what}'s instruction") if instructions else {}
    step = _object(first.get("shippingStep"), f"{what}'s shippingStep")
    address = _address(step.get("shipTo"))
    ship_to = _object(step.get("shipTo"), f"{what}'s shipTo")
    total = _object(
        _object(raw.get("pricingSummary"), f"{what}'s pricingSummary").get("total"),
        f"{what}'s total",
    )
    cancel = _object(raw.get("cancelStatus"), f"{what}'s cancelStatus")
    cancelled = cancel.get("cancelState") == CANCELLED
    buyer = _object(raw.get("buyer"), f"{what}'s buyer")
    updated_at = _time(require(raw, ("lastModifiedDate",), "orders"), f"{what}'s date")
    return Order(
        order_id=order_id,
        number=_text(raw.get("legacyOrderId")) or order_id,
        status=_text(raw.get("orderFulfillmentStatus")) or "UNKNOWN",
        fulfilled=_text(raw.get("orderFulfillmentStatus")) == "FULFILLED",
        cancelled=cancelled,
        created_at=_time(raw.get("creationDate"), f"{what}'s creationDate"),
        updated_at=updated_at,
        currency=_text(total.get("currency")),
        total=_decimal(total.get("value"), f"{what}'s total"),
        customer_name=_text(buyer.get("username")),
        customer_email=_text(ship_to.get("email")),
        shipping_address=address,
        shipping_code=_text(step.get("shippingServiceCode")),
        lines=tuple(
            _line(item, order_id)
            for item in _list(raw.get("lineItems"), f"{what}'s lineItems")
        ),
        cancelled_at=(
            _time(cancel.get("cancelledDate"), f"{what}'s cancelledDate")
            if cancelled
            else None
        ),
    )


def normalize_listing(raw):
    """One inventory item as a :class:`Listing` keyed by its SKU."""
    raw = _object(raw, "an inventory item")
    sku = _text(require(raw, ("sku",), "listings"))
    product = _object(raw.get("product"), f"the product of SKU {sku}")
    availability = _object(raw.get("availability"), f"the availability of SKU {sku}")
    ship_to = _object(
        availability.get("shipToLocationAvailability"), f"the availability of SKU {sku}"
    )
    quantity = ship_to.get("quantity")
    return Listing(
        listing_id=sku,
        sku=sku,
        title=_text(product.get("title")),
        quantity=None if quantity is None else _whole(quantity, f"the stock of {sku}"),
    )


class EbayAdapter(PlatformAdapter):
    """One seller's eBay account over the Sell APIs.

    The access token lives only in this object: it is obtained from the stored
    refresh token on the first call, renewed shortly before it ends (so a long run
    keeps going), and renewed once more when eBay answers 401 anyway.
    ``renew_credentials`` is never called, since the refresh token does not change.
    """

    def __init__(self, credentials, **options):
        super().__init__(credentials, **options)
        self.api_base = self.config.base_url("ebay", API_BASE)
        self._access_token = None
        self._renew_at = 0.0

    # the access token

    def _obtain_access_token(self):
        refresh_token = self.credentials.get("refresh_token")
        if not refresh_token:
            raise errors.CredentialsRejected(
                "The account has no eBay refresh token yet; authorize it with "
                "Re-authorize."
            )
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "scope": " ".join(SCOPES),
        }
        document = _token_call(self.http, self.config, form, "token")
        token = _text(require(document, ("access_token",), "token"))
        self.http.add_secret(token)
        lifetime = _seconds(document.get("expires_in"), ACCESS_TOKEN_SECONDS)
        margin = min(RENEW_MARGIN_SECONDS, lifetime / 10)
        self._access_token = token
        self._renew_at = time.monotonic() + lifetime - margin
        logger.debug("obtained an eBay access token for %s seconds", lifetime)

    def _token(self):
        if self._access_token is None or time.monotonic() >= self._renew_at:
            self._obtain_access_token()
        return self._access_token

    def _call(self, kind, method, path, *, query=None, body=None):
        """One Sell API call; after a 401 the token is renewed and the call sent once
        more."""
        url = self.api_base + path + ("?" + query if query else "")
        extra = {"json": body} if body is not None else {}
        for attempt in (1, 2):
            headers = {
                "Authorization": "Bearer " + self._token(),
                "Accept": "application/json",
                "X-EBAY-C-MARKETPLACE-ID": self.credentials.get("marketplace_id")
                or "EBAY_US",
            }
            try:
                return self.http.json(
                    kind,
                    method,
                    url,
                    headers=headers,
                    describe_error=describe_error,
                    **extra,
                )
            except errors.CredentialsRejected as error:
                if attempt == 2 or error.status_code != 401:
                    raise
                logger.info("eBay refused the access token on %s; renewing it", kind)
                self._access_token = None
        raise AssertionError("unreachable")  # the loop always returns or raises

    # the operations

    def test_connection(self):
        """Obtain an access token and read one inventory item."""
        document = self._call(
            "connection", "GET", INVENTORY_PATH, query=_query({"limit": 1, "offset": 0})
        )
        if not isinstance(document, dict):
            raise errors.BadPlatformData("eBay answered the connection test oddly.")
        marketplace = self.credentials.get("marketplace_id") or "EBAY_US"
        return ConnectionInfo(
            shop_name=f"eBay seller on {marketplace}",
            detail=f"Access granted; {document.get('total', 0)} inventory items.",
        )

    def fetch_orders(self, since, until=None):
        """Yield pages of orders last modified in ``[since, until]``.

        ``until`` defaults to now, so the window is fixed for the whole run. An order
        modified again during the run leaves the window and moves every later order
        one place forward; when ``total`` shrinks the adapter steps back by as much,
        and drops orders it already yielded.
        """
        until = until or datetime.now(timezone.utc)
        start, end = _stamp(since, "since"), _stamp(until, "until")
        if until < since:
            raise ValueError("fetch_orders needs since <= until.")
        window = f"lastmodifieddate:[{start}..{end}]"
        seen = set()
        offset = 0
        known_total = None
        while True:
            query = _query(
                {"filter": window, "limit": ORDER_PAGE_SIZE, "offset": offset}
            )
            document = self._call("orders", "GET", ORDERS_PATH, query=query)
            if not isinstance(document, dict):
                raise errors.BadPlatformData("eBay's orders answer is not an object.")
            raw_orders = _list(document.get("orders"), "an orders page")
            page = []
            for raw in raw_orders:
                order = normalize_order(raw)
                if order.order_id not in seen:
                    seen.add(order.order_id)
                    page.append(order)
            if page:
                yield page

            total = _seconds(document.get("total"), None)
            if known_total is not None and total is not None and total < known_total:
                logger.info(
                    "eBay order window shrank by %s during the run; re-reading",
                    known_total - total,
                )
                offset = max(0, offset - (known_total - total))
                known_total = total
                continue
            known_total = total
            following = _next_offset(document, offset, "orders")
            if following is None or not raw_orders:
                return
            offset = following

    def list_listings(self):
        """Yield pages of the seller's inventory items, one :class:`Listing` per SKU.

        eBay documents ``offset`` of this call as a page number, unlike the orders
        call; the adapter only ever copies it from the ``next`` link.
        """
        seen = set()
        offset = 0
        while True:
            query = _query({"limit": LISTING_PAGE_SIZE, "offset": offset})
            document = self._call("listings", "GET", INVENTORY_PATH, query=query)
            if not isinstance(document, dict):
                raise errors.BadPlatformData(
                    "eBay's inventory answer is not an object."
                )
            raw_items = _list(document.get("inventoryItems"), "an inventory page")
            page = []
            for raw in raw_items:
                listing = normalize_listing(raw)
                if listing.sku not in seen:
                    seen.add(listing.sku)
                    page.append(listing)
            if page:
                yield page
            following = _next_offset(document, offset, "inventory")
            if following is None or not raw_items:
                return
            offset = following

    def set_stock(self, items):
        """Set each SKU's quantity, at most ``stock_batch`` SKUs per call.

        A SKU eBay does not know comes back as a failed outcome, not an exception.
        """
        for batch in batches(items, self.stock_batch):
            yield self._push(batch)

    def _push(self, batch):
        outcomes = {}
        updates = []
        for index, item in enumerate(batch):
            sku = _text(item.sku) or _text(item.key)
            quantity = item.quantity
            if not sku:
                outcomes[index] = StockOutcome(
                    item.key, False, error="The item has no SKU."
                )
            elif not _is_quantity(quantity):
                outcomes[index] = StockOutcome(
                    item.key,
                    False,
                    error=f"Quantity {quantity!r} is not a whole number of 0 or more.",
                )
            else:
                availability = {"quantity": quantity}
                updates.append(
                    (
                        index,
                        sku,
                        {"sku": sku, "shipToLocationAvailability": availability},
                    )
                )
        if updates:
            outcomes.update(self._send_stock(batch, updates))
        failed = sum(1 for outcome in outcomes.values() if not outcome.ok)
        if failed:
            logger.warning("eBay refused %s of %s stock updates", failed, len(batch))
        return [outcomes[index] for index in range(len(batch))]

    def _send_stock(self, batch, updates):
        body = {"requests": [update for _, _, update in updates]}
        try:
            document = self._call("stock", "POST", BULK_STOCK_PATH, body=body)
        except errors.PlatformRequestError as error:
            return {
                index: StockOutcome(batch[index].key, False, error=error.reason)
                for index, _, _ in updates
            }
        if not isinstance(document, dict):
            raise errors.BadPlatformData("eBay's stock answer is not an object.")

        # one SKU may come back once per offer; it succeeded only if all did
        answers = {}
        for answer in _list(document.get("responses"), "the stock responses"):
            answer = _object(answer, "a stock response")
            answers.setdefault(_text(answer.get("sku")), []).append(answer)
        outcomes = {}
        for index, sku, _ in updates:
            item = batch[index]
            found = answers.get(sku)
            if not found:
                outcomes[index] = StockOutcome(
                    item.key, False, error=f"eBay did not report on SKU {sku}."
                )
                continue
            refused = [a for a in found if not _succeeded(a.get("statusCode"))]
            if not refused:
                outcomes[index] = StockOutcome(item.key, True, quantity=item.quantity)
                continue
            status = refused[0].get("statusCode")
            problems = _list(refused[0].get("errors"), "a stock response's errors")
            reason = _describe_problems(problems) if problems else "no reason given"
            outcomes[index] = StockOutcome(
                item.key,
                False,
                error=self.http.scrub(
                    f"eBay refused the quantity for SKU {sku} (status {status}): "
                    f"{reason}"
                ),
            )
        return outcomes


SPEC = register(
    PlatformSpec(
        name="ebay",
        label="eBay",
        capabilities=Capabilities(
            auth_type=OAUTH,
            mapping_mode=LOOKUP,
            stock_batch=STOCK_BATCH,
            rate_limit="daily per-application quotas",
        ),
        credential_fields=(
            CredentialField(
                "marketplace_id", "Marketplace", default="EBAY_US", help="e.g. EBAY_US"
            ),
            CredentialField(
                "refresh_token",
                "Refresh token",
                secret=True,
                required=False,
                help="Filled in by Re-authorize.",
            ),
        ),
        check_credentials=_check,
        adapter_class=EbayAdapter,
    )
)
EbayAdapter.spec = SPEC
