from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Each app declares its state machines in its ``states`` module: load them all, so
        # that ``core.state.machine_for`` knows every model with a status.
        autodiscover_modules("states")
        # Celery signals: request ids into tasks, task metrics, the workers' logging.
        from core.observability import receivers  # noqa: F401
