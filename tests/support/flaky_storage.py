"""A file-system storage that fails its first N saves: a storage outage, for retry tests.

A worker started by a test uses it through MEDIA_STORAGE_BACKEND, with the number of
failures in FLAKY_STORAGE_FAILURES and a counter file in FLAKY_STORAGE_COUNTER.
"""

import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage


class FlakyStorage(FileSystemStorage):
    def _save(self, name, content):
        counter = Path(os.environ["FLAKY_STORAGE_COUNTER"])
        failures_so_far = int(counter.read_text() or "0") if counter.exists() else 0
        if failures_so_far < int(os.environ.get("FLAKY_STORAGE_FAILURES", "0")):
            counter.write_text(str(failures_so_far + 1))
            raise OSError("simulated storage outage")
        return super()._save(name, content)
