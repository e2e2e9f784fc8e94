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
    # default); 2 here, to see it take over at once.
    second = production.start_beat(name="beat-2", CELERY_BEAT_MAX_LOOP_INTERVAL="2")
    wait_until(lambda: "beat: Starting..." in second.text(), 30, "the second beat did not start")
    time.sleep(3)
    assert "Acquired lock" not in second.text()
    assert "Sending due task" not in second.text()

    production.stop(first)
    wait_until(
        lambda: "beat: Acquired lock" in second.text(), 30, "the second beat never took over"
    )
    assert "beat: Releasing lock" in first.text()
