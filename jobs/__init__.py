"""Background jobs run by RQ workers: thin functions taking ids, one module per domain."""
