from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from ...lessonfile import dump_lesson
from ...models import Lesson
from ...services import lesson_to_data


class Command(BaseCommand):
    help = "Write a lesson as a Markdown lesson file (to standard output, or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", "-o", help="File to write instead of standard output.")

    def handle(self, *args, slug: str, output: str | None, **options):
        lesson = (
            Lesson.objects.filter(slug=slug)
            .select_related("taxonomy")
            # The current revision: not replaced (NULL first on every database), published.
            .order_by(F("replaced_at").asc(nulls_first=True), "-is_published", "-revision")
            .first()
        )
        if lesson is None:
            raise CommandError(f"No lesson with slug {slug!r}.")
        text = dump_lesson(lesson_to_data(lesson))
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
