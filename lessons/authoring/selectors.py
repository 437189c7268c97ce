"""Reads of the authoring pages, as what the pages show: the author's lessons, a draft's
passages, one passage's key and prompts. Each runs a fixed number of queries, however many
lessons, passages, key spans and prompts there are (tests assert it)."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from core.access import lessons_with_visible_keys
from core.models import User
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique
from lessons.library.rendering import Mark, annotate, plain_text, render_markdown
from lessons.library.services import publish_problems
from lessons.work.models import Assignment

from .services import paragraphs_of

# The author's lessons --------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorLesson:
    lesson: Lesson
    segment_count: int
    key_count: int
    class_count: int  # classes that have any revision of it
    next_draft: Lesson | None  # for a published lesson: the draft of its next revision


@dataclass(frozen=True)
class AuthorLessons:
    drafts: list[AuthorLesson]
    published: list[AuthorLesson]
    all: list[AuthorLesson]  # by title, then revision


def author_lessons(user: User) -> AuthorLessons:
    """The lessons `user` wrote: drafts (new lessons and next revisions) and the current
    revision of each published one."""
    lessons = list(
        Lesson.objects.filter(created_by=user)
        .filter(Q(is_published=False) | Q(replaced_at__isnull=True))
        .select_related("taxonomy")
        .annotate(
            segment_count=Count("segments", distinct=True),
            key_count=Count("segments__key_spans", distinct=True),
        )
        .order_by("title", "revision", "pk")
    )
    classes = dict(
        Assignment.objects.filter(lesson__created_by=user)
        .annotate(lineage=Coalesce("lesson__root_id", "lesson_id"))
        .values("lineage")
        .annotate(n=Count("classroom", distinct=True))
        .values_list("lineage", "n")
    )
    next_drafts = {
        lesson.root_id: lesson for lesson in lessons if not lesson.is_published and lesson.root_id
    }
    cards = [
        AuthorLesson(
            lesson=lesson,
            segment_count=lesson.segment_count,
            key_count=lesson.key_count,
            class_count=classes.get(lesson.lineage_id, 0),
            next_draft=next_drafts.get(lesson.lineage_id) if lesson.is_published else None,
        )
        for lesson in lessons
    ]
    return AuthorLessons(
        drafts=[card for card in cards if not card.lesson.is_published],
        published=[card for card in cards if card.lesson.is_published],
        all=cards,
    )


def lessons_exportable_by(user: User) -> QuerySet[Lesson]:
    """What a teacher may download as lesson files: what the library shows them (current
    published lessons), and their own drafts, later revisions included; of those, only the
    lessons whose answer key they may read, since a lesson file carries it
    (`core.access.lessons_with_visible_keys`: a teacher waiting for approval, only their own)."""
    return Lesson.objects.filter(
        Q(is_published=True, replaced_at__isnull=True) | Q(created_by=user, is_published=False)
    ).filter(lessons_with_visible_keys(user))


# A draft's passages ----------------------------------------------------------------------


@dataclass(frozen=True)
class PassageSummary:
    segment: Segment
    paragraph_starts: list[str]  # the first words of each paragraph, to choose a split
    prompt_count: int
    key_count: int
    technique_names: list[str]  # of its key spans, each once


@dataclass(frozen=True)
class LessonEditor:
    passages: list[PassageSummary]
    problems: list[str]  # what must be fixed before publishing


def paragraph_starts(segment: Segment) -> list[str]:
    """The first words of each paragraph of a passage, to say where a split would fall."""
    return [
        " ".join(plain_text(render_markdown(p)).split()[:8]) for p in paragraphs_of(segment.body)
    ]


def lesson_editor(lesson: Lesson) -> LessonEditor:
    segments = (
        lesson.segments.annotate(prompt_count=Count("prompts"))
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "key_spans",
                queryset=KeySpan.objects.select_related("technique").order_by("position"),
            )
        )
    )
    passages = []
    for segment in segments:
        keys = segment.key_spans.all()
        passages.append(
            PassageSummary(
                segment=segment,
                paragraph_starts=paragraph_starts(segment),
                prompt_count=segment.prompt_count,
                key_count=len(keys),
                technique_names=list(dict.fromkeys(k.technique.display_name for k in keys)),
            )
        )
    return LessonEditor(passages=passages, problems=publish_problems(lesson))


# One passage: its key and prompts --------------------------------------------------------

TIMES = "\N{MULTIPLICATION SIGN}"


def _counted(names: list[str]) -> str:
    """Each name once, with its count when more than one; the most frequent first, ties in
    the order given."""
    counts = Counter(names).most_common()
    return ", ".join(f"{name} {TIMES}{n}" if n > 1 else name for name, n in counts)


def coverage(keys: list[KeySpan], prompts: list[Prompt]) -> list[str]:
    """The key and prompts of the passage in two lines, e.g. "4 key spans: Loaded language
    (times 2), Doubt, Flag-waving." and "2 prompts: ..."."""
    if keys:
        names = [k.technique.display_name for k in sorted(keys, key=lambda k: k.technique.position)]
        values = {"count": len(keys), "names": _counted(names)}
        missing = sum(1 for k in keys if not k.explanation.strip())
        if missing:
            values["missing"] = missing
            line = ngettext(
                "%(count)s key span: %(names)s (%(missing)s without an explanation).",
                "%(count)s key spans: %(names)s (%(missing)s without an explanation).",
                len(keys),
            )
        else:
            line = ngettext(
                "%(count)s key span: %(names)s.", "%(count)s key spans: %(names)s.", len(keys)
            )
        lines = [line % values]
    else:
        lines = [gettext("No key spans yet.")]
    if prompts:
        kinds = [str(p.get_kind_display()) for p in prompts]
        count = len(prompts)
        lines.append(
            ngettext("%(count)s prompt: %(kinds)s.", "%(count)s prompts: %(kinds)s.", count)
            % {"count": count, "kinds": _counted(kinds)}
        )
    else:
        lines.append(gettext("No prompts yet."))
    return lines


@dataclass(frozen=True)
class PassageWorkspace:
    techniques: list[Technique]  # the lesson's list
    keys: list[KeySpan]  # in the order of the text
    prompts: list[Prompt]
    segment_html: str  # the passage with its key spans marked
    coverage: list[str]


def passage_workspace(lesson: Lesson, segment: Segment) -> PassageWorkspace:
    techniques = list(lesson.taxonomy.techniques.all())
    keys = list(
        segment.key_spans.select_related("technique").order_by("start", "end", "position", "pk")
    )
    prompts = list(segment.prompts.order_by("position", "pk"))
    marks = [
        Mark(
            k.start, k.end, k.technique.display_name, ident=f"key-{k.pk}", kind=gettext("Key span")
        )
        for k in keys
    ]
    return PassageWorkspace(
        techniques=techniques,
        keys=keys,
        prompts=prompts,
        segment_html=annotate(segment.body_html, marks),
        coverage=coverage(keys, prompts),
    )
