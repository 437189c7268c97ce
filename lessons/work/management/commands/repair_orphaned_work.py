"""Repair students' work left on a revision its class is no longer on.

Before moves locked the class's work, a highlight, answer or review saved while its class
was being moved could stay on the old revision's passages: the student was told it was
saved, but no page showed it. This command keeps each such piece of work whole as work a
move could not carry over (reason: "saved while the class was being moved"), listed for
the teacher under the move from that revision, and takes it off the old revision. All of
it in one transaction; running it again finds nothing; `--dry-run` reports and changes
nothing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from ...services import orphaned_work_repair


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Keep the students' work left on a revision its class no longer uses as work not "
        "carried over, listed for the teacher (docs/revisions.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be repaired; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        try:
            with transaction.atomic():
                repair = orphaned_work_repair()
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        for item in repair.found:
            where = "left as it is (its class was never moved)" if item in repair.left else ""
            self.stdout.write(
                f"{item.kind} {item.item.pk} of {item.submission.student} "
                f"(assignment {item.submission.assignment_id}) {where}".rstrip()
            )
        repaired = len(repair.found) - len(repair.left)
        if not repair.found:
            self.stdout.write("No work is left on a revision its class no longer uses.")
        elif dry_run:
            self.stdout.write(
                f"Dry run, nothing changed. Would keep {repaired} pieces of work as not "
                "carried over."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Kept {repaired} pieces of work as not carried over.")
            )
