import pytest

from config.celery import ping


@pytest.mark.worker
def test_a_task_round_trips_through_redis_and_a_real_worker(celery_worker_process):
    result = ping.delay("hello from the tests")

    assert result.get(timeout=30) == "hello from the tests"
    assert result.successful()


def test_without_a_worker_tasks_run_in_process():
    assert ping.delay("eager").get(timeout=1) == "eager"
