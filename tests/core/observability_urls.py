"""The project's URLs plus a view that logs and queues a task, as a real page would."""

import logging

from django.http import JsonResponse
from django.urls import path

from config.celery import ping
from config.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger("tests.observability")


def queue_a_ping(request):
    logger.info("queueing a ping")
    result = ping.delay(request.GET.get("value", "pong"))
    logger.info("queued a ping")
    return JsonResponse({"task_id": result.id})


urlpatterns = [*project_urlpatterns, path("test/queue-a-ping/", queue_a_ping)]
