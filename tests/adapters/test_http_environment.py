"""The adapters' HTTP client and the environment: proxies and CA bundles are honoured,
~/.netrc is not.

Two small HTTP servers on loopback stand in for a proxy and a platform; each records
the request lines and headers it receives.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters import errors
from adapters.http import HttpClient, RetryPolicy


class Recording(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers)))
        body = json.dumps({"answered_by": self.server.url}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    servers = []

    def start():
        running = Recording()
        threading.Thread(target=running.serve_forever, daemon=True).start()
        servers.append(running)
        return running

    yield start
    for running in servers:
        running.shutdown()
        running.server_close()


@pytest.fixture
def environment(monkeypatch):
    for name in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def client():
    return HttpClient([].append, retry=RetryPolicy(attempts=1))


def test_calls_go_through_the_proxy_the_environment_names(server, environment):
    proxy = server()
    environment.setenv("HTTP_PROXY", proxy.url)

    # the proxy answers for the platform host, which is never resolved here
    document = client().json("orders", "GET", "http://shop.invalid/admin/orders.json")

    assert document == {"answered_by": proxy.url}
    assert [path for path, _ in proxy.seen] == ["http://shop.invalid/admin/orders.json"]


def test_hosts_in_no_proxy_are_called_directly(server, environment):
    proxy, platform = server(), server()
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("NO_PROXY", "127.0.0.1")

    document = client().json("orders", "GET", f"{platform.url}/orders.json")

    assert document == {"answered_by": platform.url}
    assert [path for path, _ in platform.seen] == ["/orders.json"]
    assert proxy.seen == []


def test_a_netrc_entry_for_the_host_adds_no_credentials(server, environment, tmp_path):
    platform = server()
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    environment.setenv("NETRC", str(netrc))

    http = client()
    http.json("orders", "GET", f"{platform.url}/orders.json")
    http.json("orders", "GET", f"{platform.url}/orders.json")

    assert len(platform.seen) == 2
    for _, headers in platform.seen:
        assert "Authorization" not in headers


def test_a_ca_bundle_from_the_environment_is_used_for_verification(
    server, environment, tmp_path
):
    platform = server()
    missing = tmp_path / "warehouse-ca.pem"
    environment.setenv("REQUESTS_CA_BUNDLE", str(missing))
    calls = []
    http = HttpClient(calls.append, retry=RetryPolicy(attempts=3))

    # the bundle is looked for before any connection is made, and only once
    with pytest.raises(errors.ConfigurationError) as refused:
        http.json("orders", "GET", platform.url.replace("http:", "https:"))

    assert "warehouse-ca.pem" in refused.value.reason
    assert "REQUESTS_CA_BUNDLE" in refused.value.reason
    assert platform.seen == []
    assert [(call.ok, call.status_code) for call in calls] == [(False, None)]
    assert "warehouse-ca.pem" in calls[0].failure_reason


def test_a_proxy_that_does_not_answer_is_named_without_its_login(server, environment):
    # a free port on loopback: nothing listens there
    unused = server()
    address = unused.server_address
    unused.shutdown()
    unused.server_close()
    environment.setenv(
        "HTTP_PROXY", f"http://proxy-user:proxy-secret@127.0.0.1:{address[1]}"
    )
    calls = []
    http = HttpClient(calls.append, retry=RetryPolicy(attempts=2, backoff=0))

    with pytest.raises(errors.TransientError) as failed:
        http.json("orders", "GET", "http://shop.invalid/admin/orders.json")

    proxy = f"http://127.0.0.1:{address[1]}"
    assert failed.value.reason == (
        f"Could not connect to the proxy {proxy} for orders after 2 attempts."
    )
    assert [call.failure_reason for call in calls] == [
        f"connection through the proxy {proxy} failed"
    ] * 2
    assert "proxy-secret" not in repr(calls)
