"""Writes on lessons: importing and exporting them, duplicating, and their revisions.

Revisions (docs/revisions.md): a published revision is never changed. Editing it starts a
draft of the next revision, an exact copy (passages, prompts and key spans keep their
identity, `uid`). Publishing that draft marks the earlier revision replaced; assignments stay
on the revision they were given until their teacher moves them (lessons.work.services).
"""

import logging

from django.db import models, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import NOT_APPROVED, may_see_answer_key
from core.models import User
from core.refusals import Refusal

from .lessonfile import KeyData, LessonData, LessonFormatError, PromptData, SegmentData
from .models import KeySpan, Lesson, Prompt, Segment, Taxonomy
from .rendering import plain_text, render_markdown
from .textmap import TextMap

logger = logging.getLogger(__name__)

# Lessons -------------------------------------------------------------------------------


@transaction.atomic
def lesson_import(
    *,
    data: LessonData,
    created_by: User | None = None,
    replace: bool = False,
    is_published: bool = True,
) -> Lesson:
    """Create a lesson from parsed file data. Checks what needs the database (the taxonomy
    and its technique IDs) and raises LessonFormatError, line by line, importing nothing.
    A draft's file (`parse_lesson(..., draft=True)`) may lack what publishing needs
    (`data.missing`): it is imported as a draft only."""
    meta = data.meta
    errors: list[tuple[int, str]] = []
    if is_published and data.missing:
        raise LessonFormatError(data.missing)
    taxonomy = Taxonomy.objects.filter(slug=meta["taxonomy"]).first()
    if taxonomy is None:
        known = ", ".join(Taxonomy.objects.values_list("slug", flat=True))
        errors.append(
            (
                data.meta_lines.get("taxonomy", 1),
                _("unknown taxonomy (use one of %(known)s)") % {"known": known},
            )
        )
        raise LessonFormatError(errors)
    techniques = {t.code: t for t in taxonomy.techniques.all()}
    for item in data.segments:
        for key in item.key:
            if key.technique not in techniques:
                errors.append(
                    (
                        key.line,
                        _("unknown technique %(technique)s in taxonomy %(taxonomy)s")
                        % {"technique": repr(key.technique), "taxonomy": taxonomy.slug},
                    )
                )
    for name in ("title", "slug", "author", "place", "audience", "source", "language", "level"):
        limit = field_max_length(Lesson, name)
        if len(meta.get(name, "")) > limit:
            errors.append(
                (
                    data.meta_lines.get(name, 1),
                    _("%(field)s is longer than %(limit)s characters")
                    % {"field": name, "limit": limit},
                )
            )
    title_limit = field_max_length(Segment, "title")
    for item in data.segments:
        if len(item.title) > title_limit:
            errors.append(
                (
                    item.line,
                    _("the passage title is longer than %(limit)s characters")
                    % {"limit": title_limit},
                )
            )
    existing = Lesson.objects.filter(slug=meta["slug"]).order_by("revision").first()
    if existing and not replace:
        errors.append(
            (
                data.meta_lines.get("slug", 1),
                _("a lesson with slug %(slug)s exists") % {"slug": repr(meta["slug"])},
            )
        )
    if existing and replace and existing.assignments.exists():
        errors.append(
            (data.meta_lines.get("slug", 1), _("that lesson is assigned; it cannot be replaced"))
        )
    elif existing and replace and existing.later_revisions.exists():
        errors.append(
            (data.meta_lines.get("slug", 1), _("that lesson has revisions; it cannot be replaced"))
        )
    if errors:
        raise LessonFormatError(errors)
    if existing:
        existing.delete()

    lesson = Lesson.objects.create(
        slug=meta["slug"],
        title=meta["title"],
        author=meta.get("author", ""),
        date=data.date,
        place=meta.get("place", ""),
        audience=meta.get("audience", ""),
        source=meta.get("source", ""),
        language=meta["language"],
        level=meta.get("level", ""),
        provenance=meta.get("provenance", ""),
        introduction=data.introduction,
        introduction_html=render_markdown(data.introduction),
        taxonomy=taxonomy,
        is_published=is_published,
        created_by=created_by,
    )
    prompts, keys = [], []
    for position, item in enumerate(data.segments, start=1):
        html = render_markdown(item.body)
        segment = Segment.objects.create(
            lesson=lesson,
            position=position,
            title=item.title,
            body=item.body,
            body_html=html,
            text=plain_text(html),
        )
        prompts += [
            Prompt(segment=segment, position=n, kind=p.kind, text=p.text)
            for n, p in enumerate(item.prompts, start=1)
        ]
        keys += [
            KeySpan(
                segment=segment,
                position=n,
                technique=techniques[k.technique],
                start=k.start,
                end=k.end,
                quote=k.quote,
                explanation=k.explanation,
            )
            for n, k in enumerate(item.key, start=1)
        ]
    Prompt.objects.bulk_create(prompts)
    KeySpan.objects.bulk_create(keys)
    return lesson


def lesson_to_data(lesson: Lesson) -> LessonData:
    """The inverse of `lesson_import`: what `dump_lesson` writes back to a file."""
    meta = {
        "title": lesson.title,
        "slug": lesson.slug,
        "author": lesson.author,
        "date": lesson.date.isoformat() if lesson.date else "",
        "place": lesson.place,
        "audience": lesson.audience,
        "language": lesson.language,
        "level": lesson.level,
        "taxonomy": lesson.taxonomy.slug,
        "source": lesson.source,
        "provenance": lesson.provenance,
    }
    segments = []
    for segment in lesson.segments.prefetch_related("prompts", "key_spans__technique"):
        segments.append(
            SegmentData(
                title=segment.title,
                body=segment.body,
                prompts=[PromptData(p.kind, p.text) for p in segment.prompts.all()],
                key=[
                    KeyData(k.technique.code, k.quote, 1, k.explanation, k.start, k.end)
                    for k in segment.key_spans.all()
                ],
            )
        )
    return LessonData(meta=meta, introduction=lesson.introduction, segments=segments)


# Library: duplicate and publish ---------------------------------------------------------


def field_max_length(model: type[models.Model], name: str) -> int:
    """The `max_length` of a model's text field (one that has one)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.max_length is not None, name
    return field.max_length


def shorten_slug(slug: str, length: int) -> str:
    """`slug` (a-z, 0-9, single hyphens) in at most `length` characters, cut between two of
    its words where it is too long (within a word only when its first word is too long)."""
    if len(slug) <= length:
        return slug
    cut = slug[: length + 1].rfind("-")
    return (slug[:cut] if cut > 0 else slug[:length]).rstrip("-")


def suffixed_slug(base: str, suffix: str, length: int) -> str:
    """`base` shortened at a word boundary so that `suffix` ("-2", "-copy") still fits."""
    return shorten_slug(base, length - len(suffix)) + suffix


def _copy_slug(slug: str) -> str:
    length = field_max_length(Lesson, "slug")
    candidate, n = suffixed_slug(slug, "-copy", length), 1
    while Lesson.objects.filter(slug=candidate).exists():
        n += 1
        candidate = suffixed_slug(slug, f"-copy-{n}", length)
    return candidate


@transaction.atomic
def lesson_duplicate(*, lesson: Lesson, by: User) -> Lesson:
    """A draft copy of `lesson` owned by `by`: its segments, prompts and key spans exactly.
    The copy carries the key, so only who may read the key copies the lesson
    (`core.access.may_see_answer_key`: approved teachers, and the lesson's author)."""
    if not may_see_answer_key(by, lesson):
        raise Refusal(
            _(
                "Only teachers approved by their school copy another author's lesson: the "
                "copy carries its answer key."
            )
            + " "
            + NOT_APPROVED,
            status=403,
        )
    title_length = field_max_length(Lesson, "title")
    suffix = " (copy)"
    data = lesson_to_data(lesson)
    data.meta["slug"] = _copy_slug(lesson.slug)
    data.meta["title"] = lesson.title[: title_length - len(suffix)] + suffix
    return lesson_import(data=data, created_by=by, is_published=False)


def lesson_set_published(*, lesson: Lesson, published: bool) -> Lesson:
    """Publish or unpublish (below: a published lesson is never changed, and an assigned one
    cannot go back to being a draft)."""
    if published:
        return lesson_publish(lesson=lesson)
    return lesson_unpublish(lesson=lesson)


# Revisions ------------------------------------------------------------------------------


def check_editable(lesson: Lesson, *, status: int = 400) -> None:
    """Every authoring write calls this first: only drafts change. `status` is the refusal's
    (409 where the page was loaded while the lesson was still a draft)."""
    if lesson.is_published:
        raise Refusal(
            _("This lesson is published, so it is not changed: edit it to start a new revision."),
            status=status,
        )


def lineage(lesson: Lesson):
    """Every revision of this lesson, oldest first."""
    root = lesson.root_id or lesson.pk
    return Lesson.objects.filter(pk=root) | Lesson.objects.filter(root_id=root)


def newer_revision(lesson: Lesson) -> Lesson | None:
    """The current published revision of this lesson's lineage, when it is a later one."""
    return (
        lineage(lesson)
        .filter(is_published=True, replaced_at__isnull=True, revision__gt=lesson.revision)
        .order_by("-revision")
        .first()
    )


def draft_revision(lesson: Lesson) -> Lesson | None:
    """The draft of a later revision being written, if there is one."""
    return (
        lineage(lesson)
        .filter(is_published=False, revision__gt=lesson.revision)
        .order_by("-revision")
        .first()
    )


def _copy_content(source: Lesson, target: Lesson) -> None:
    """Copy passages, prompts and key spans, keeping their identity (`uid`). Each copied
    passage's `origin` says that every character is the source passage's, in place: the
    editor keeps it up to date as the author changes the draft (lessons.authoring)."""
    segments = list(
        source.segments.prefetch_related(
            "prompts", Prefetch("key_spans", queryset=KeySpan.objects.order_by("position"))
        )
    )
    copies = Segment.objects.bulk_create(
        Segment(
            lesson=target,
            uid=s.uid,
            position=s.position,
            title=s.title,
            body=s.body,
            body_html=s.body_html,
            text=s.text,
            origin=TextMap.identity(s.pk, len(s.text)).to_json(),
        )
        for s in segments
    )
    prompts, keys = [], []
    for original, copy in zip(segments, copies, strict=True):
        prompts += [
            Prompt(segment=copy, uid=p.uid, position=p.position, kind=p.kind, text=p.text)
            for p in original.prompts.all()
        ]
        keys += [
            KeySpan(
                segment=copy,
                uid=k.uid,
                position=k.position,
                technique_id=k.technique_id,
                start=k.start,
                end=k.end,
                quote=k.quote,
                explanation=k.explanation,
            )
            for k in original.key_spans.all()
        ]
    Prompt.objects.bulk_create(prompts)
    KeySpan.objects.bulk_create(keys)


@transaction.atomic
def lesson_edit_draft(*, lesson: Lesson, by: User) -> Lesson:
    """The draft in which `by` edits `lesson`: the lesson itself when it is a draft; for a
    published lesson, the draft of its next revision (made now, an exact copy, if needed)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.created_by_id != by.pk:
        raise Refusal(_("Only the lesson's author can edit it. Duplicate it to adapt it."))
    if not lesson.is_published:
        return lesson
    if lesson.is_replaced:
        raise Refusal(_("A later revision of this lesson exists: edit that one."))
    existing = draft_revision(lesson)
    if existing:
        return existing
    latest = lineage(lesson).aggregate(n=Max("revision"))["n"]
    draft = Lesson.objects.get(pk=lesson.pk)
    draft.pk = draft.id = None
    draft._state.adding = True
    draft.root_id = lesson.lineage_id
    draft.revision = latest + 1
    draft.is_published = False
    draft.replaced_at = None
    draft.save()
    _copy_content(lesson, draft)
    return draft


def publish_problems(lesson: Lesson) -> list[str]:
    """What must be fixed before the lesson can be published (empty when it can)."""
    problems = []
    needed = {
        "title": _("The lesson needs its title."),
        "author": _("The lesson needs its author."),
        "audience": _("The lesson needs its audience."),
        "provenance": _("The lesson needs its provenance."),
        "introduction": _("The lesson needs its introduction."),
    }
    for name, problem in needed.items():
        if not getattr(lesson, name).strip():
            problems.append(problem)
    segments = list(lesson.segments.all())
    if not segments:
        problems.append(_("The lesson needs at least one passage."))
    for segment in segments:
        if not segment.text.strip():
            problems.append(_("Passage %(position)s has no text.") % {"position": segment.position})
    return problems


@transaction.atomic
def lesson_publish(*, lesson: Lesson) -> Lesson:
    """Publish a draft. A draft of a later revision replaces the revision before it."""
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not locked.is_published:
        problems = publish_problems(locked)
        if problems:
            raise Refusal(" ".join([_("Not published yet."), *problems]))
        now = timezone.now()
        lineage(locked).filter(is_published=True, replaced_at__isnull=True).exclude(
            pk=locked.pk
        ).update(replaced_at=now, updated_at=now)
        locked.is_published, locked.replaced_at = True, None
        locked.save(update_fields=["is_published", "replaced_at", "updated_at"])
        logger.info(
            "published lesson %s (%s, revision %s)",
            locked.pk,
            locked.slug,
            locked.revision,
            extra={"lesson_id": locked.pk, "user_id": locked.created_by_id},
        )
    lesson.is_published, lesson.replaced_at = locked.is_published, locked.replaced_at
    return lesson


@transaction.atomic
def lesson_unpublish(*, lesson: Lesson) -> Lesson:
    """Make a published lesson a draft again: refused while it is assigned. Unpublishing a
    later revision makes the revision before it current again."""
    given, lesson = lesson, Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not lesson.is_published:
        given.is_published = False
        return given
    if lesson.assignments.exists():
        raise Refusal(_("This lesson is assigned to a class, so it cannot be unpublished."))
    if lesson.is_replaced:
        raise Refusal(_("A later revision replaced this one; it is kept as it is."))
    if draft_revision(lesson):
        raise Refusal(
            _("A draft of the next revision exists; publish or delete it before unpublishing.")
        )
    previous = (
        lineage(lesson)
        .filter(is_published=True, revision__lt=lesson.revision)
        .order_by("-revision")
        .first()
    )
    if previous:
        previous.replaced_at = None
        previous.save(update_fields=["replaced_at", "updated_at"])
    lesson.is_published = False
    lesson.save(update_fields=["is_published", "updated_at"])
    logger.info(
        "unpublished lesson %s (%s, revision %s)",
        lesson.pk,
        lesson.slug,
        lesson.revision,
        extra={"lesson_id": lesson.pk, "user_id": lesson.created_by_id},
    )
    given.is_published = False
    return given
