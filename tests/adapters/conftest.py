import pytest

from tests.sandbox_server import RunningSandbox


@pytest.fixture(scope="session")
def sandbox_server():
    with RunningSandbox() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server):
    """The running sandbox, reseeded so each test starts from the same shops."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def no_sleep(monkeypatch):
    """Record the waits an adapter asks for instead of waiting them."""
    waits = []
    return waits
