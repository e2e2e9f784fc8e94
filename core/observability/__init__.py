"""Health checks, request ids in logs and tasks, and Prometheus metrics (docs/operations.md)."""
