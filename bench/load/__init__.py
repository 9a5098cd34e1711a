"""A bounded load test of the admin screens on loopback; see bench/LOAD.md."""
