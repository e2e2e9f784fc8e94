import time

# The project's Celery app (config.celery), which config sets as current when Django loads:
# core sits below config, so it takes the app without importing it.
from celery import current_app as app
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run Celery beat's scheduled jobs in this process, for a one-machine set-up without "
        "Redis (make run). With Redis, run `celery -A config beat` and workers instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and stop.")
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between rounds (default 60)."
        )

    def handle(self, *args, once: bool = False, interval: int = 60, **options):
        app.loader.import_default_modules()  # every app's tasks module, as a worker would
        while True:
            for name, entry in app.conf.beat_schedule.items():
                task = app.tasks[entry["task"]]
                try:
                    result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
                    self.stdout.write(f"{name}: {result.result!r}")
                except Exception as error:  # a failing job must not stop the others
                    self.stderr.write(f"{name} failed: {error}")
            if once:
                return
            time.sleep(interval)
