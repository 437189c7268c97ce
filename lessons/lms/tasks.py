"""Background work: sending grades to an LMS (Django's tasks framework: with its default
backend the task runs at once, in the request; a worker backend runs it apart)."""

from django.tasks import task

from . import services
from .models import LinkedLesson


@task
def send_grades(link_id: int, force: bool = False) -> str:
    """`services.grades_send` for one linked lesson."""
    link = (
        LinkedLesson.objects.select_related(
            "course__platform__registration", "assignment__lesson", "assignment__classroom"
        )
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        return "The lesson is no longer linked."
    return services.grades_send(link=link, force=force)
