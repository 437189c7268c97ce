from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ...lessonfile import LessonFormatError, parse_lesson
from ...services import lesson_import


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import a lesson from a Markdown lesson file (see docs/lesson-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; save nothing."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a lesson with the same slug (refused if it is assigned).",
        )

    def handle(self, *args, file: Path, dry_run: bool, replace: bool, **options):
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read the file ({error})") from error
        try:
            with transaction.atomic():
                lesson = lesson_import(data=parse_lesson(source), replace=replace)
                summary = (
                    f"{lesson.slug}: {lesson.segments.count()} segments, "
                    f"{sum(s.prompts.count() for s in lesson.segments.all())} prompts, "
                    f"{sum(s.key_spans.count() for s in lesson.segments.all())} key spans"
                )
                if dry_run:
                    raise DryRun
        except LessonFormatError as error:
            lines = "\n".join(f"{file}:{line}: {message}" for line, message in error.errors)
            raise CommandError(f"nothing imported:\n{lines}") from error
        except DryRun:
            self.stdout.write(f"Dry run, nothing saved. Would import {summary}.")
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
