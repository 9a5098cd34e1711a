"""Background jobs run by RQ workers: thin functions taking ids, a module per domain."""
