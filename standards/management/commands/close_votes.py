from django.core.management.base import BaseCommand

from standards.models import Proposal
from standards.services import proposals_close_due


class Command(BaseCommand):
    help = (
        "Close every network-code vote whose window has ended, count it under the rule "
        "recorded when it opened, and enact it if carried. Safe to run at any time, and "
        "alongside the scheduled job."
    )

    def handle(self, *args, **options):
        closed = proposals_close_due()
        for proposal in Proposal.objects.filter(pk__in=closed).order_by("closed_at", "pk"):
            self.stdout.write(f"{proposal.title}: {proposal.get_status_display().lower()}")
        self.stdout.write(f"Closed {len(closed)} vote{'s' if len(closed) != 1 else ''}.")
