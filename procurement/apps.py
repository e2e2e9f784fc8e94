from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"

    def ready(self):
        # Register the Celery tasks in every process (run_scheduled_jobs looks them up by
        # name without starting a worker, so autodiscovery alone does not reach them).
        from procurement import tasks  # noqa: F401
