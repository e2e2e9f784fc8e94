from django.core.management.base import BaseCommand

from procurement import services


class Command(BaseCommand):
    help = (
        "Close every open joint requisition whose closing time has passed (as the scheduled "
        "job does every minute). Safe to run at any time: closed ones are skipped."
    )

    def handle(self, *args, **options):
        counts = services.close_due_requisitions()
        self.stdout.write(
            f"Closed {counts['closed']}, blocked {counts['blocked']}, skipped {counts['skipped']}."
        )
