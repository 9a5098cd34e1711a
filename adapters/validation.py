"""Checks of credential values shared by the platform declarations."""

import ipaddress
from urllib.parse import urlsplit

SHOPIFY_HOST_SUFFIX = ".myshopify.com"


def normalise_shop_host(value):
    """Return the bare ``name.myshopify.com`` host, or None when it is not one."""
    host = (value or "").strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.rstrip("/")
    name = (
        host[: -len(SHOPIFY_HOST_SUFFIX)] if host.endswith(SHOPIFY_HOST_SUFFIX) else ""
    )
    if not name or not all(c.isalnum() or c == "-" for c in name) or name[0] == "-":
        return None
    return host


def is_loopback_host(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_site_url(value, production):
    """Return an error message for a shop site URL, or None when it is acceptable."""
    parts = urlsplit((value or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Site URL must be a full address such as https://shop.example.com."
    if parts.scheme == "http" and (production or not is_loopback_host(parts.hostname)):
        return (
            "Site URL must use https; plain http is accepted only for a loopback host "
            "(localhost, 127.0.0.1) outside production."
        )
    if parts.query or parts.fragment or parts.username:
        return "Site URL must not carry a query, a fragment or a user name."
    return None
