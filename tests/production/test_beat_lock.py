"""One beat, however many are started (docs/operations.md): RedBeat's lock in Redis keeps a
second beat waiting, and it takes over when the first stops."""

import time

import pytest

from tests.production.stack import wait_until

pytestmark = [pytest.mark.production, pytest.mark.worker]


def test_a_second_beat_waits_for_the_lock_and_takes_over_when_the_first_stops(production):
    first = next(p for p in production.processes if p.name == "beat")
    wait_until(lambda: "beat: Acquired lock" in first.text(), 30, "the first beat has no lock")
    # A standby beat tries for the lock every CELERY_BEAT_MAX_LOOP_INTERVAL seconds (30 by
    # default); 2 here, to see it take over at once. Jobs every 5 seconds, as the first's.
    second = production.start_beat(
        name="beat-2", CELERY_BEAT_MAX_LOOP_INTERVAL="2", SCHEDULED_JOBS_INTERVAL="5"
    )
    wait_until(lambda: "beat: Starting..." in second.text(), 30, "the second beat did not start")
    wait_until(
        lambda: first.text().count("Sending due task close-due-requisitions") >= 2,
        30,
        "the first beat does not send the jobs",
    )
    time.sleep(6)  # more than a round of jobs
    assert "Acquired lock" not in second.text()
    assert "Sending due task" not in second.text()

    production.stop(first)
    assert "beat: Releasing lock" in first.text()
    wait_until(
        lambda: "beat: Acquired lock" in second.text(), 30, "the second beat never took over"
    )
    wait_until(
        lambda: "Sending due task close-due-requisitions" in second.text(),
        30,
        "the second beat sends nothing after taking over",
    )
