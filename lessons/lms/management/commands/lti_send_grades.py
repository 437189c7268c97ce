"""`manage.py lti_send_grades`: hand the worker (Django's tasks framework, `send_grades`) each
linked lesson's due grades: those the LMS does not have yet (feedback released, a new or
changed score, or a failed send whose time to try again has come). Run it every few minutes
(cron, a systemd timer): it is what sends the grades of feedback released by a due date
passing, which no request marks. docs/lti.md."""

from typing import Any

from django.core.management.base import BaseCommand

from lessons.lms.models import LinkedLesson
from lessons.lms.tasks import send_grades


class Command(BaseCommand):
    help = "Queue the sending of due grades to the LMSs' gradebooks."

    def handle(self, *args: Any, **options: Any) -> None:
        links = list(LinkedLesson.objects.order_by("pk").values_list("pk", flat=True))
        for pk in links:
            send_grades.enqueue(pk)
        self.stdout.write(f"Grades of {len(links)} linked lesson(s) queued.")
