"""`manage.py lti_rotate_keys [--retire-after DAYS] [--dry-run]`: a new signing key for LTI,
and the old keys taken out of the key set once a newer key has signed for DAYS days (7 by
default): a platform may still check something the old key signed, or hold the key set in
its cache, until then. Run it on a schedule (monthly, say); docs/lti.md."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from lessons.lms import services


class DryRun(Exception):
    """Rolls the transaction back after a dry run."""


class Command(BaseCommand):
    help = "Make a new LTI signing key and retire keys replaced long enough ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retire-after",
            type=int,
            default=7,
            help="Days a replaced key stays published (default 7).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["retire_after"]
        if days < 1:
            raise CommandError("--retire-after is a number of days, 1 or more.")
        try:
            with transaction.atomic():
                new, retired = services.keys_rotate(retire_after=timedelta(days=days))
                self.stdout.write(f"New signing key: {new}")
                for key in retired:
                    self.stdout.write(f"Retired from the key set: {key}")
                if options["dry_run"]:
                    raise DryRun
        except DryRun:
            self.stdout.write("Dry run: nothing changed.")
