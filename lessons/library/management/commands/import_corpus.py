from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lessons.library.corpus import ARTICLE, LABELS

from ...corpus import (
    TAXONOMY,
    CorpusFormatError,
    article_id_from_name,
    article_to_lesson,
    corpus_notes,
    parse_labels,
)
from ...lessonfile import LessonFormatError
from ...models import KeySpan, Technique
from ...services import lesson_import


class DryRun(Exception):
    pass


def read(file: Path) -> str:
    """The file's text exactly: UTF-8, line endings untouched (offsets count every code
    point, so no newline translation)."""
    try:
        return file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{file}: cannot read the file ({error})") from error


class Command(BaseCommand):
    help = (
        "Import an annotated research-corpus article (article<ID>.txt) and its labels file "
        "(ID TAB technique TAB start TAB end) as a lesson whose answer key is the gold labels, "
        "with explanations left for the author to write (docs/lesson-format.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("article", type=Path, help="The article text, UTF-8.")
        parser.add_argument("labels", type=Path, help="Its labels file, tab-separated.")
        parser.add_argument("--slug", required=True, help="The new lesson's slug.")
        parser.add_argument(
            "--title", help="The lesson's title (default: the article's first line)."
        )
        parser.add_argument("--author", default="", help="Who wrote the article.")
        parser.add_argument("--audience", default="", help="For whom it was written.")
        parser.add_argument("--language", default="en")
        parser.add_argument("--taxonomy", default=TAXONOMY)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and report; save nothing."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a lesson with the same slug (refused if it is assigned).",
        )

    def handle(self, *args, article: Path, labels: Path, dry_run: bool, replace: bool, **options):
        files = {ARTICLE: article, LABELS: labels}
        article_text, labels_text = read(article), read(labels)
        article_id = article_id_from_name(article.name)
        techniques = set(
            Technique.objects.filter(taxonomy__slug=options["taxonomy"]).values_list(
                "code", flat=True
            )
        )
        try:
            data = article_to_lesson(
                article_text,
                labels_text,
                slug=options["slug"],
                # An unknown taxonomy is reported by lesson_import, once.
                techniques=techniques or None,
                article_id=article_id,
                title=options["title"],
                author=options["author"],
                audience=options["audience"],
                language=options["language"],
                taxonomy=options["taxonomy"],
            )
        except CorpusFormatError as error:
            raise CommandError(
                self.listing(
                    (files.get(where), line, message) for where, line, message in error.problems
                )
            ) from error

        parsed = parse_labels(labels_text, article_id=article_id)  # read without fault above
        for line, note in corpus_notes(parsed, data):
            self.stdout.write(self.style.WARNING(f"{labels}:{line}: note: {note}"))
        try:
            with transaction.atomic():
                lesson = lesson_import(data=data, replace=replace)
                summary = (
                    f"{lesson.slug}: {lesson.segments.count()} segments, "
                    f"{KeySpan.objects.filter(segment__lesson=lesson).count()} key spans "
                    "(explanations to write)"
                )
                if dry_run:
                    raise DryRun
        except LessonFormatError as error:
            # Key problems are at labels-file lines; slug and taxonomy ones at line 0.
            raise CommandError(
                self.listing(
                    (labels if line else None, line, message) for line, message in error.errors
                )
            ) from error
        except DryRun:
            self.stdout.write(f"Dry run, nothing saved. Would import {summary}.")
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))

    @staticmethod
    def listing(problems) -> str:
        lines = [
            f"{file}:{line}: {message}" if file else message for file, line, message in problems
        ]
        return "nothing imported:\n" + "\n".join(lines)
