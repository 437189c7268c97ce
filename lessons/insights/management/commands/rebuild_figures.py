"""Compute and store every submission's figures again (`lessons.insights.models.
SubmissionFigures`): once after the migration that adds them, for the work that existed
before, and to repair them. Class by class, each in one transaction with the class's work
locked as a move locks it (students' writes wait a moment). `--dry-run` says how many are
missing or stale and changes nothing; pages compute those from the work meanwhile."""

from django.core.management.base import BaseCommand

from lessons.work.models import Assignment

from ... import services
from ...selectors.figures import stale_count


class Command(BaseCommand):
    help = "Store every submission's figures (scores, key spans found, confusion) again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--assignment",
            type=int,
            action="append",
            default=[],
            help="Only this assignment (its id; repeat for several).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is missing or stale; store nothing."
        )

    def handle(self, *args, assignment: list[int], dry_run: bool, **options):
        assignments = Assignment.objects.order_by("pk")
        if assignment:
            assignments = assignments.filter(pk__in=assignment)
        total = stale = written = 0
        for item in assignments.select_related("lesson"):
            count = item.submissions.count()
            missing = stale_count(item)
            total, stale = total + count, stale + missing
            if not dry_run:
                written += services.figures_rebuild(assignment_id=item.pk)
        self.stdout.write(f"{stale} of {total} submissions have no fresh figures.")
        if dry_run:
            self.stdout.write("Dry run: nothing was stored.")
        else:
            self.stdout.write(f"Stored the figures of {written} submissions.")
