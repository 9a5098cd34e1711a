"""A stand-in for the platforms' APIs, served on loopback for the demo and the tests.

Each platform module serves a subset of its platform's API at the real paths, with the
real field names, pagination, limits and error bodies. The control endpoints under
``/_control`` inject faults, add orders, and show what a shop received.
"""
