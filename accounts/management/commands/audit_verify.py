from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain. Exits non-zero if any event was edited or removed."

    def handle(self, *args, **options):
        checked, problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"The audit chain is broken: {len(problems)} problem(s) in {checked} events."
            )
        self.stdout.write(self.style.SUCCESS(f"The audit chain is intact: {checked} events."))
