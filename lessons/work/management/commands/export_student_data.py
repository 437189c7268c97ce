"""Write everything Lens stores about one student to a zip (docs/privacy.md): for the team
that runs Lens, when no teacher or school admin answers for all the student's classes (a
student in classes of two schools). The same zip a teacher downloads, with every class, and
recorded in the audit log."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import User

from ... import exports, selectors, services
from ...models import AuditEvent

SCOPE = "Everything Lens stores about the student, in every class (made by its operator)."


class Command(BaseCommand):
    help = "Write one student's data (JSON and CSV, in a zip) to a file (docs/privacy.md)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The student's login name.")
        parser.add_argument("-o", "--output", help="The zip to write (default: its own name).")

    def handle(self, *args, username: str, output: str | None, **options):
        student = User.objects.filter(username=username, role=User.Role.STUDENT).first()
        if student is None:
            raise CommandError(f"No student has the login name {username!r}.")
        now = timezone.now()
        data = selectors.student_data(student, made_by=None, care=None, scope=SCOPE, now=now)
        path = Path(output or exports.zip_filename(student, now))
        path.write_bytes(exports.student_zip(data))
        services.audit_record(
            actor=None,
            action=AuditEvent.Action.EXPORTED,
            student_id=student.pk,
            obj=student,
            detail="Wrote the student's data to a file (manage.py export_student_data)",
        )
        self.stdout.write(f"Wrote {path}.")
