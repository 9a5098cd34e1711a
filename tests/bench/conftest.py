import pytest

from bench.harness import Sandbox
from tests.sandbox_server import RunningSandbox


@pytest.fixture(scope="session")
def _sandbox_server():
    with RunningSandbox() as server:
        yield server


@pytest.fixture
def sandbox(_sandbox_server):
    """The sandbox, reseeded, as the benchmarks drive it."""
    _sandbox_server.reset()
    return Sandbox(_sandbox_server.url)
