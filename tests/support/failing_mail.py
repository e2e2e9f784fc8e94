"""An e-mail backend that fails its first N sends: a mail server outage, for retry tests.

Set EMAIL_BACKEND to ``tests.support.failing_mail.FailingEmailBackend``; the number of
failures is FAILING_MAIL_FAILURES (every send fails when it is ``all``) and the sends so far
are counted in the file FAILING_MAIL_COUNTER, so a worker process can use it too. Sends that
succeed go to Django's in-memory outbox (``django.core.mail.outbox``)."""

import os
from pathlib import Path

from django.core.mail.backends.locmem import EmailBackend


class MailServerDown(Exception):
    """Not an OSError: any exception must be retried and recorded."""


class FailingEmailBackend(EmailBackend):
    def send_messages(self, messages):
        counter = Path(os.environ["FAILING_MAIL_COUNTER"])
        so_far = int(counter.read_text() or "0") if counter.exists() else 0
        counter.write_text(str(so_far + 1))
        failures = os.environ.get("FAILING_MAIL_FAILURES", "all")
        if failures == "all" or so_far < int(failures):
            raise MailServerDown("550 the mail server is down (simulated)")
        return super().send_messages(messages)
