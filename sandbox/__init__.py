"""A stand-in for the platforms' APIs, served on loopback for the demo and the tests.

Each platform module serves a subset of its platform's API at the real paths, with the
real field names, pagination, limits and error bodies. The control endpoints under
``/_control`` inject faults, add orders, and show what a shop received.
"""


def base_urls(root):
    """``PLATFORM_BASE_URLS`` pointing every adapter at a sandbox served at ``root``."""
    root = root.rstrip("/")
    return {
        "shopify": root + "/shopify/{shop}",
        "woocommerce": root + "/woocommerce/{host}",
        "ebay": root + "/ebay",
        "ebay_auth": root + "/ebay",
    }
