"""Pure procurement domain code: no queries, no writes, no requests."""
