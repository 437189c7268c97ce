"""The property of moving a class (issue 9): after random edits made with the editor, in one
or two revisions, every highlight of the class is on its own characters or listed as work not
carried over; never on other words, never gone; answers and reviews follow their question
and key span by identity (`uid`).

Revision 1 is a lesson whose passages repeat phrases within and across passages, with
questions and key spans; a class of three students highlights, answers and is reviewed. The
author then edits the lesson with the editor's own functions (tests/test_revision_maps.py
tests the editor's record itself): text edits, splits, merges, moves, added and deleted
passages, questions reworded, changed in kind or deleted. Alongside, the true origin of
every character is tracked (a revision-1 passage and offset, or None for what the author
wrote), with the editor's reading of an edit that could have been made in more than one
place: as late as possible (tests/test_textmap.py, `_latest_reading`). The class is moved
(after each revision, or once at the end); then a highlight whose own characters all
survived together must be on exactly those characters, and any other must be listed.

The same through the pages, for a handful of sequences: the author's edits posted to the
editor's views, the teacher's move posted to the revision page."""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import User
from core.refusals import Refusal
from lessons.authoring import services as authoring
from lessons.library import services as library
from lessons.library.anchoring import AnchorError, anchor_at, locate
from lessons.library.lessonfile import KeyData, LessonData, PromptData, SegmentData
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.work import services as work_services
from lessons.work.models import Answer, Assignment, Highlight, Review, Submission, UnplacedWork
from lessons.work.selectors import CHANGED, KEY_GONE, QUESTION_GONE

from . import factories

META = {
    "title": "The struggle",
    "author": "A committee (fictional)",
    "audience": "Tests",
    "language": "en",
    "taxonomy": "semeval-2020",
    "provenance": "Written for Lens tests.",
}
PHRASES = [
    "the struggle",
    "the people",
    "the imperialists fear the struggle",
    "the struggle goes on",
    "of the people",
    "and we fear",
]
WORDS = ["the", "struggle", "people", "imperialists", "fear", "and", "goes", "on", "of", "we"]
TECHNIQUES = ["Loaded_Language", "Repetition", "Doubt", "Flag-Waving"]
TEXT_EDITS = ["insert", "delete", "replace"]
KINDS = [*TEXT_EDITS * 3, "split", "merge", "move", "add", "remove", "reword", "rekind", "unask"]

Origin = tuple[int, int] | None


# What the students do on revision 1 ----------------------------------------------------

paragraphs = st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3).map(" ".join)
passages = st.lists(paragraphs, min_size=1, max_size=3)
highlights = st.lists(
    st.tuples(
        st.integers(0, 2),  # student
        st.floats(0, 1),  # passage
        st.floats(0, 1),  # start
        st.integers(1, 30),  # length
        st.integers(0, len(TECHNIQUES) - 1),
    ),
    min_size=1,
    max_size=10,
)
work = st.lists(st.tuples(st.integers(0, 2), st.floats(0, 1), st.booleans()), max_size=6)
operations = st.tuples(
    st.sampled_from(KINDS),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 3),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
)
revisions = st.lists(st.lists(operations, min_size=1, max_size=6), min_size=1, max_size=2)


@dataclass
class Cast:
    author: User
    teacher: User
    classroom: object
    students: list[User]
    clients: dict = field(default_factory=dict)


@pytest.fixture
def cast(db) -> Cast:
    teacher = factories.make_teacher("Tess Teacher")
    classroom = factories.make_classroom(teacher, "Class P")
    cast = Cast(
        author=factories.make_teacher("Ana Author"),
        teacher=teacher,
        classroom=classroom,
        students=[factories.make_student(f"Student {n}", classroom) for n in range(3)],
    )
    for name in ("author", "teacher"):
        cast.clients[name] = Client()
        cast.clients[name].force_login(getattr(cast, name))
    return cast


def _pick(fraction: float, items: list):
    return items[min(int(fraction * len(items)), len(items) - 1)]


def _first_revision(cast: Cast, bodies: list[list[str]]) -> Lesson:
    """Revision 1, published: each passage with a written and a choose question and two key
    spans on its first words (the key follows its own characters, or goes)."""
    segments = []
    for n, paragraphs_of_passage in enumerate(bodies, 1):
        body = "\n\n".join(paragraphs_of_passage)
        segment = SegmentData(
            title=f"Part {n}",
            body=body,
            prompts=[PromptData("text", f"Question {n}?"), PromptData("choose", f"Choose {n}.")],
        )
        words = segment.text.split(" ")
        for code, length in (("Loaded_Language", 1), ("Repetition", 2)):
            quote = " ".join(words[:length]).split("\n")[0]
            segment.key.append(KeyData(code, quote, 1, "Why.", 0, len(quote)))
        segments.append(segment)
    slug = f"struggle-{Lesson.objects.count() + 1}"
    data = LessonData(meta={**META, "slug": slug}, introduction="Read.", segments=segments)
    lesson = library.lesson_import(data=data, created_by=cast.author, is_published=False)
    return library.lesson_publish(lesson=lesson)


@dataclass
class Record:
    """A piece of revision-1 work, told apart by its unique note, text or comment."""

    kind: str
    submission: Submission
    label: str
    own: list[Origin] = field(default_factory=list)  # a highlight's characters
    start: int = 0
    end: int = 0
    quote: str = ""
    uid: object = None  # an answer's or review's question or key span
    prompt_kind: str = ""


def _students_work(cast, assignment, lesson, picks, answers) -> list[Record]:
    segments = list(lesson.segments.order_by("position"))
    techniques = {t.code: t for t in lesson.taxonomy.techniques.filter(code__in=TECHNIQUES)}
    records = []
    submissions = [
        work_services.submission_for(assignment=assignment, student=student)
        for student in cast.students
    ]
    for n, (who, where, at, length, technique) in enumerate(picks):
        submission = submissions[who]
        segment = _pick(where, segments)
        start = min(int(at * len(segment.text)), len(segment.text) - 1)
        try:
            anchor = locate(segment.text, "", start=start, end=start + length)
            highlight = work_services.highlight_create(
                submission=submission,
                segment=segment,
                technique=techniques[TECHNIQUES[technique]],
                anchor=anchor,
                note=f"highlight {n}",
            )
        except (AnchorError, Refusal):  # only spaces, or the same highlight twice
            continue
        records.append(
            Record(
                "highlight",
                submission,
                highlight.note,
                own=[(segment.pk, i) for i in range(highlight.start, highlight.end)],
                start=highlight.start,
                end=highlight.end,
                quote=highlight.quote,
            )
        )
    prompts = list(Prompt.objects.filter(segment__lesson=lesson).order_by("pk"))
    keys = list(KeySpan.objects.filter(segment__lesson=lesson).order_by("pk"))
    for n, (who, which, on_key) in enumerate(answers):
        submission = submissions[who]
        prompt = _pick(which, prompts)
        if on_key:
            key = _pick(which, keys)
            label = f"review of key {n}"
            if not Review.objects.filter(submission=submission, key_span=key).exists():
                work_services.review_save(
                    submission=submission,
                    reviewer=cast.teacher,
                    comment=label,
                    score=3,
                    key_span=key,
                )
                records.append(Record("review", submission, label, uid=key.uid))
            continue
        if Answer.objects.filter(submission=submission, prompt=prompt).exists():
            continue
        label = f"answer {n}"
        choices = {prompt: [techniques["Doubt"]]} if prompt.kind == "choose" else {}
        texts = {prompt: label} if prompt.kind == "text" else {}
        work_services.answers_save(submission=submission, texts=texts, choices=choices)
        if prompt.kind == "choose":
            Answer.objects.filter(submission=submission, prompt=prompt).update(text=label)
        records.append(Record("answer", submission, label, uid=prompt.uid, prompt_kind=prompt.kind))
        comment = f"review of answer {n}"
        work_services.review_save(
            submission=submission, reviewer=cast.teacher, comment=comment, score=4, prompt=prompt
        )
        records.append(
            Record("review", submission, comment, uid=prompt.uid, prompt_kind=prompt.kind)
        )
    return records


# The author's edits, with the true origin of every character -----------------------------

_SEP, _CUT = object(), object()


def _reading(olds: list[str], origins: list[list[Origin]], news: list[str]) -> list[list[Origin]]:
    """The origins of the characters of `news`, made from `olds` (one passage edited, two
    merged, one split in two), read as the editor reads an edit: what the old and the new
    share at their start and at their end stands unchanged (the edit made as late as
    possible); the rest is the author's. A passage edge matches nothing."""
    old: list[object] = []
    where: list[Origin] = []
    for index, (text, own) in enumerate(zip(olds, origins, strict=True)):
        if index:
            old.append(_SEP)
            where.append(None)
        old.extend(text)
        where.extend(own)
    new: list[object] = []
    for index, text in enumerate(news):
        if index:
            new.append(_CUT)
        new.extend(text)
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    joined = where[:head] + [None] * (len(new) - head - tail) + where[len(old) - tail :]
    parts, start = [], 0
    for text in news:
        parts.append(joined[start : start + len(text)])
        start += len(text) + 1
    return parts


class Services:
    """The editor's service functions (and the teacher's move service)."""

    def __init__(self, cast: Cast):
        self.cast = cast

    def draft(self, lesson: Lesson) -> Lesson:
        return library.lesson_edit_draft(lesson=lesson, by=self.cast.author)

    def _tried(self, write) -> bool:
        try:
            write()
        except Refusal:
            return False
        return True

    def edit(self, segment: Segment, body: str) -> bool:
        keys = list(segment.key_spans.values_list("pk", flat=True))
        return self._tried(
            lambda: authoring.segment_update(
                segment=segment, title=segment.title, body=body, remove=keys
            )
        )

    def split(self, draft: Lesson, segment: Segment, paragraph: int) -> bool:
        return self._tried(
            lambda: authoring.segment_split(
                lesson=draft, position=segment.position, paragraph=paragraph
            )
        )

    def merge(self, draft: Lesson, segment: Segment) -> bool:
        return self._tried(lambda: authoring.segment_merge(lesson=draft, position=segment.position))

    def move(self, draft: Lesson, segment: Segment, direction: str) -> bool:
        return self._tried(
            lambda: authoring.segment_move(
                lesson=draft, position=segment.position, direction=direction
            )
        )

    def add(self, draft: Lesson, body: str) -> bool:
        return self._tried(lambda: authoring.segment_add(lesson=draft, body=body))

    def remove(self, draft: Lesson, segment: Segment) -> bool:
        return self._tried(
            lambda: authoring.segment_delete(lesson=draft, position=segment.position)
        )

    def reword(self, prompt: Prompt, kind: str, text: str) -> bool:
        return self._tried(lambda: authoring.prompt_update(prompt=prompt, kind=kind, text=text))

    def unask(self, prompt: Prompt) -> bool:
        return self._tried(lambda: authoring.prompt_delete(prompt=prompt))

    def publish(self, draft: Lesson) -> Lesson:
        return library.lesson_publish(lesson=draft)

    def move_class(self, assignment: Assignment, to: Lesson) -> None:
        work_services.assignment_move(assignment=assignment, to=to, by=self.cast.teacher)


class Pages(Services):
    """The same, posted to the editor's pages and the teacher's revision page."""

    def _posted(self, name: str, args: list, data: dict, client: str = "author") -> bool:
        response = self.cast.clients[client].post(reverse(name, args=args), data)
        assert response.status_code in (302, 400, 404, 409), response.status_code
        return response.status_code == 302

    def draft(self, lesson: Lesson) -> Lesson:
        assert self._posted("authoring:lesson_edit", [lesson.slug], {})
        return Lesson.objects.get(root=lesson.lineage_id, is_published=False)

    def edit(self, segment: Segment, body: str) -> bool:
        keys = [str(pk) for pk in segment.key_spans.values_list("pk", flat=True)]
        data = {"title": segment.title, "markdown": body, "unplaced": keys, "remove_unplaced": "on"}
        return self._posted("authoring:author_segment", [segment.lesson_id, segment.position], data)

    def split(self, draft: Lesson, segment: Segment, paragraph: int) -> bool:
        data = {"paragraph": paragraph, "uid": str(segment.uid)}
        return self._posted("authoring:author_segment_split", [draft.pk, segment.position], data)

    def merge(self, draft: Lesson, segment: Segment) -> bool:
        data = {"uid": str(segment.uid)}
        return self._posted("authoring:author_segment_merge", [draft.pk, segment.position], data)

    def move(self, draft: Lesson, segment: Segment, direction: str) -> bool:
        data = {"direction": direction, "uid": str(segment.uid)}
        return self._posted("authoring:author_segment_move", [draft.pk, segment.position], data)

    def add(self, draft: Lesson, body: str) -> bool:
        return self._posted("authoring:author_segment_add", [draft.pk], {"title": "", "body": body})

    def remove(self, draft: Lesson, segment: Segment) -> bool:
        data = {"uid": str(segment.uid)}
        return self._posted("authoring:author_segment_delete", [draft.pk, segment.position], data)

    def reword(self, prompt: Prompt, kind: str, text: str) -> bool:
        segment = prompt.segment
        data = {f"p{prompt.pk}-kind": kind, f"p{prompt.pk}-text": text}
        args = [segment.lesson_id, segment.position, prompt.pk]
        return self._posted("authoring:author_prompt_edit", args, data)

    def unask(self, prompt: Prompt) -> bool:
        segment = prompt.segment
        args = [segment.lesson_id, segment.position, prompt.pk]
        return self._posted("authoring:author_prompt_delete", args, {})

    def publish(self, draft: Lesson) -> Lesson:
        assert self._posted("authoring:author_publish", [draft.pk], {})
        return Lesson.objects.get(pk=draft.pk)

    def move_class(self, assignment: Assignment, to: Lesson) -> None:
        url_args = [assignment.pk]
        assert self._posted("work:assignment_revision", url_args, {"to": to.pk}, "teacher")


def _texts(draft: Lesson) -> dict:
    return {s.uid: s.text for s in draft.segments.all()}


def _edit_text(body: str, kind: str, where: float, count: int, words: list[str]) -> str | None:
    """One edit of one stretch of one paragraph: words inserted, deleted or replaced."""
    paragraphs_of_body = [p.split(" ") for p in body.split("\n\n")]
    spots = [(p, i) for p, ws in enumerate(paragraphs_of_body) for i in range(len(ws) + 1)]
    p, i = _pick(where, spots)
    old = paragraphs_of_body[p]
    cut = 0 if kind == "insert" else min(count, len(old) - i)
    if kind == "delete":
        cut, words = min(cut, len(old) - 1), []  # a paragraph keeps a word
    if kind != "insert" and not cut:
        return None
    paragraphs_of_body[p] = old[:i] + words + old[i + cut :]
    return "\n\n".join(" ".join(ws) for ws in paragraphs_of_body)


def _revise(editor, draft, origins, operations_of_a_revision) -> None:
    """Make the edits on the draft with `editor`; `origins` (by passage uid) follows."""
    for kind, a, b, count, words in operations_of_a_revision:
        segments = list(draft.segments.order_by("position"))
        segment = _pick(a, segments)
        before = _texts(draft)
        uid = segment.uid
        if kind in TEXT_EDITS:
            body = _edit_text(segment.body, kind, b, count, words)
            if body is not None and editor.edit(segment, body):
                new = _texts(draft)[uid]
                origins[uid] = _reading([before[uid]], [origins[uid]], [new])[0]
        elif kind == "split":
            parts = segment.body.count("\n\n") + 1
            if parts > 1 and editor.split(draft, segment, 1 + int(b * (parts - 1)) % (parts - 1)):
                second = draft.segments.get(position=segment.position + 1).uid
                after = _texts(draft)
                origins[uid], origins[second] = _reading(
                    [before[uid]], [origins[uid]], [after[uid], after[second]]
                )
        elif kind == "merge" and segment.position < len(segments):
            following = segments[segment.position].uid
            if editor.merge(draft, segment):
                origins[uid] = _reading(
                    [before[uid], before[following]],
                    [origins[uid], origins.pop(following)],
                    [_texts(draft)[uid]],
                )[0]
        elif kind == "move":
            editor.move(draft, segment, "up" if b < 0.5 else "down")
        elif kind == "add":
            if editor.add(draft, " ".join(words)):
                added = draft.segments.order_by("position").last()
                origins[added.uid] = [None] * len(added.text)
        elif kind == "remove" and len(segments) > 1:
            if editor.remove(draft, segment):
                del origins[uid]
        elif kind in ("reword", "rekind", "unask"):
            prompts = list(Prompt.objects.filter(segment__lesson=draft).order_by("pk"))
            if not prompts:
                continue
            prompt = _pick(b, prompts)
            if kind == "unask":
                editor.unask(prompt)
            else:
                other = {"text": "choose", "choose": "text"}.get(prompt.kind, prompt.kind)
                new_kind = other if kind == "rekind" else prompt.kind
                editor.reword(prompt, new_kind, f"{prompt.text} (reworded {count})")
        after = _texts(draft)
        assert {uid: len(text) for uid, text in after.items()} == {
            uid: len(own) for uid, own in origins.items()
        }


# The property ----------------------------------------------------------------------------


def _check(assignment, final: Lesson, origins: dict, records: list[Record], stops) -> None:
    """Every piece of revision-1 work is where its characters or its question went, or
    listed, once; `stops` are the revisions the class was moved to."""
    segments = {s.uid: s for s in final.segments.all()}
    where: dict[Origin, tuple[Segment, int]] = {}
    for uid, own in origins.items():
        for index, origin in enumerate(own):
            if origin is not None:
                assert origin not in where  # the editor never copies a character
                where[origin] = (segments[uid], index)
    alive_prompts = [
        {p.uid: p.kind for p in Prompt.objects.filter(segment__lesson=stop)} for stop in stops
    ]
    alive_keys = [
        set(KeySpan.objects.filter(segment__lesson=stop).values_list("uid", flat=True))
        for stop in stops
    ]
    highlights = {
        h.note: h
        for h in Highlight.objects.filter(submission__assignment=assignment).select_related(
            "segment", "technique"
        )
    }
    answers = {a.text: a for a in Answer.objects.filter(submission__assignment=assignment)}
    reviews = {r.comment: r for r in Review.objects.filter(submission__assignment=assignment)}
    kept = {}
    for row in UnplacedWork.objects.filter(submission__assignment=assignment):
        assert (row.kind, row.text) not in kept
        kept[(row.kind, row.text)] = row
    for record in records:
        listed = kept.pop((record.kind, record.label), None)
        if record.kind == "highlight":
            start = where.get(record.own[0])
            survived = start is not None and all(
                where.get(origin) == (start[0], start[1] + n) for n, origin in enumerate(record.own)
            )
            highlight = highlights.pop(record.label, None)
            if survived:
                segment, at = start
                assert listed is None and highlight is not None, record
                assert highlight.submission_id == record.submission.pk
                assert (highlight.segment_id, highlight.start, highlight.end) == (
                    segment.pk,
                    at,
                    at + len(record.own),
                )
                assert segment.text[highlight.start : highlight.end] == highlight.quote
                context = anchor_at(segment.text, highlight.start, highlight.end)
                assert (highlight.prefix, highlight.suffix) == (context.prefix, context.suffix)
            else:
                assert highlight is None and listed is not None, record
                # Its offsets are those of the revision it was on when it could not move.
                assert listed.quote == record.quote
                assert listed.end - listed.start == len(record.own)
                assert listed.reason == CHANGED and listed.submission_id == record.submission.pk
        elif record.kind == "answer":
            follows = all(alive.get(record.uid) == record.prompt_kind for alive in alive_prompts)
            answer = answers.pop(record.label, None)
            if follows:
                assert listed is None and answer is not None, record
                assert (answer.prompt.uid, answer.prompt.segment.lesson_id) == (
                    record.uid,
                    final.pk,
                )
            else:
                assert answer is None and listed is not None and listed.reason == QUESTION_GONE
        else:
            review = reviews.pop(record.label, None)
            if record.prompt_kind:
                follows = all(
                    alive.get(record.uid) == record.prompt_kind for alive in alive_prompts
                )
            else:
                follows = all(record.uid in alive for alive in alive_keys)
            if follows:
                assert listed is None and review is not None, record
                target = review.prompt or review.key_span
                assert (target.uid, target.segment.lesson_id) == (record.uid, final.pk)
            else:
                reason = QUESTION_GONE if record.prompt_kind else KEY_GONE
                assert review is None and listed is not None and listed.reason == reason
    # Nothing else: no work appeared, none was left on an earlier revision.
    assert not highlights and not answers and not reviews and not kept
    count = final.segments.count()
    assert not Submission.objects.filter(assignment=assignment, reached__gt=count).exists()


def _run(editor, cast, bodies, picks, answers, rounds, move_each_time) -> None:
    one = _first_revision(cast, bodies)
    assignment = factories.make_assignment(cast.classroom, one)
    records = _students_work(cast, assignment, one, picks, answers)
    origins = {s.uid: [(s.pk, i) for i in range(len(s.text))] for s in one.segments.all()}
    latest, stops = one, []
    for operations_of_a_revision in rounds:
        draft = editor.draft(latest)
        _revise(editor, draft, origins, operations_of_a_revision)
        latest = editor.publish(draft)
        if move_each_time:
            editor.move_class(assignment, latest)
            stops.append(latest)
    if not move_each_time:
        editor.move_class(assignment, latest)
        stops.append(latest)
    assert Assignment.objects.get(pk=assignment.pk).lesson_id == latest.pk
    _check(assignment, latest, origins, records, stops)


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=200, **SETTINGS)
@given(st.lists(passages, min_size=1, max_size=4), highlights, work, revisions, st.booleans())
def test_every_highlight_is_on_its_own_words_or_listed_and_answers_follow_their_question(
    cast, bodies, picks, answers, rounds, move_each_time
):
    with transaction.atomic():
        _run(Services(cast), cast, bodies, picks, answers, rounds, move_each_time)
        transaction.set_rollback(True)  # the next example starts from the same database


@settings(max_examples=10, **SETTINGS)
@given(st.lists(passages, min_size=2, max_size=4), highlights, work, revisions, st.booleans())
def test_the_same_through_the_editors_pages_and_the_teachers_move(
    cast, bodies, picks, answers, rounds, move_each_time
):
    with transaction.atomic():
        _run(Pages(cast), cast, bodies, picks, answers, rounds, move_each_time)
        transaction.set_rollback(True)
