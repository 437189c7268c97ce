from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ...lessonfile import LessonFormatError, parse_lesson
from ...services import lesson_import


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import a lesson from a Markdown lesson file (see docs/lesson-format.md): published, "
        "or as a draft when it lacks what publishing needs (a draft's file)."
    )

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
                data = parse_lesson(source, draft=True)
                lesson = lesson_import(data=data, replace=replace, is_published=not data.missing)
                summary = (
                    f"{lesson.slug}: {lesson.segments.count()} segments, "
                    f"{sum(s.prompts.count() for s in lesson.segments.all())} prompts, "
                    f"{sum(s.key_spans.count() for s in lesson.segments.all())} key spans"
                )
                if data.missing:
                    lacks = "; ".join(f"{file}:{line}: {problem}" for line, problem in data.missing)
                    summary += f", as a draft (publishing needs what it lacks: {lacks})"
                if dry_run:
                    raise DryRun
        except LessonFormatError as error:
            lines = "\n".join(f"{file}:{line}: {message}" for line, message in error.errors)
            raise CommandError(f"nothing imported:\n{lines}") from error
        except DryRun:
            self.stdout.write(f"Dry run, nothing saved. Would import {summary}.")
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
