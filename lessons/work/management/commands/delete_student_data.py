"""Delete one student's account and all their work (docs/privacy.md): for the team that runs
Lens, when no teacher or school admin answers for all the student's classes (a student in
classes of two schools, or with work left in another teacher's class). What a teacher's
deletion does, recorded in the audit log the same way; `--dry-run` lists what would go."""

from django.core.management.base import BaseCommand, CommandError

from core.models import User

from ... import selectors, services


class Command(BaseCommand):
    help = "Delete one student's account and all their work (docs/privacy.md)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The student's login name.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, username: str, dry_run: bool, **options):
        student = User.objects.filter(username=username, role=User.Role.STUDENT).first()
        if student is None:
            raise CommandError(f"No student has the login name {username!r}.")
        plan = selectors.deletion_plan(student, care=None)
        self.stdout.write(
            f"{student.display_name} ({student.username}): {len(plan.classes)} classes, "
            f"{plan.submissions} lessons started, {plan.highlights} highlights, "
            f"{plan.answers} answers, {plan.reviews} reviews, {plan.unplaced} pieces kept aside."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
            return
        summary = services.student_delete(student=student, by=None, classroom=None)
        self.stdout.write(summary + ".")
