"""What `lessons.lms` does when `lessons.work` says a grade may have changed
(`lessons/work/signals.py`): once the write is committed, each LMS link of the assignment
sends the grades its gradebook should now have (`tasks.send_grades`, in the worker; a grade
the LMS already has is not sent again). A link whose send fails keeps its retry times."""

from typing import Any

from django.db import transaction

from . import tasks
from .models import LinkedLesson


def send_grades_once_committed(sender: Any, *, assignment_id: int, **kwargs: Any) -> None:
    def send() -> None:
        links = LinkedLesson.objects.filter(assignment_id=assignment_id).values_list(
            "pk", flat=True
        )
        for link_id in links:
            tasks.send_grades.enqueue(link_id)

    transaction.on_commit(send)
