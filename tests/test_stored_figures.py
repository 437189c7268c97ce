"""Each submission's stored figures (lessons.insights: `SubmissionFigures`) against a
recomputation from scratch: after any sequence of highlights added, edited and deleted,
hand-ins and moves of the class to a new revision (whose key the author changed), the stored
figures are exactly what scoring the class anew gives, and the dashboard and the students'
export show the same figures whether the figures are stored or not."""

import csv
import io
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import User
from core.refusals import Refusal
from lessons.authoring import services as authoring
from lessons.insights import figures, receivers, scoring
from lessons.insights.models import FIGURES_VERSION, SubmissionFigures
from lessons.insights.selectors.dashboard import (
    PHRASES_PER_SEGMENT,
    _quoted,
    _whole_words,
    build_dashboard,
    coverage_runs,
    dashboard_work,
    load_class,
    phrases_of,
)
from lessons.library import services as library
from lessons.library.anchoring import AnchorError, anchor_at, locate
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import Lesson
from lessons.work import services as work_services
from lessons.work.models import Assignment, Highlight, Submission

from . import factories

TECHNIQUES = ["Loaded_Language", "Name_Calling,Labeling", "Doubt", "Bandwagon,Reductio_ad_hitlerum"]
KINDS = ["add"] * 6 + ["edit", "delete", "delete", "hand_in", "move"]
REVISIONS = ["shift", "reword", "key_removed", "key_added"]


# --- the oracle: the class scored anew, as the dashboard did on every request -----------------


def _recomputed(assignment: Assignment) -> tuple[dict[int, tuple], dict[int, list]]:
    """Every submission's figures (by submission id, as `_normal` gives them) from its
    highlights and the key, with `scoring` alone: each student against the whole key, no
    stored row read; and the parts of its figures computed from all its highlights at once
    (`figures.parts_of`), as the writes keep them one write at a time."""
    work = load_class(assignment)  # all highlights as scoring spans, no figures
    key = scoring.KeyIndex(work.key_spans)
    ids: dict[scoring.Span, list[int]] = {}
    for item, span in zip(work.keys, work.key_spans, strict=True):
        ids.setdefault(span, []).append(item.pk)
    technique = {code: pk for pk, code in work.codes.items()}
    whole_key = figures.Key(
        ((item.pk, span) for item, span in zip(work.keys, work.key_spans, strict=True)), technique
    )
    parts = {
        submission.pk: figures.parts_of(work.spans.get(student_id, []), whole_key)
        for student_id, submission in work.submissions.items()
    }
    result = {}
    for student_id, submission in work.submissions.items():
        spans = work.spans.get(student_id, [])
        coverage: dict[str, list[tuple[int, int]]] = {}
        for span in scoring.merge_spans(spans, ignore_technique=True):
            coverage.setdefault(str(span.segment), []).append((span.start, span.end))
        found = scoring.found_key_spans(spans, work.key_spans)
        other = scoring.other_technique_key_spans(spans, work.key_spans)
        confusion = scoring.confusion([spans], work.key_spans)
        result[submission.pk] = (
            len(spans),
            _approximately(key.score(spans)),
            _approximately(key.score_spans_only(spans)),
            sorted(pk for span in found for pk in ids[span]),
            sorted(pk for span in other for pk in ids[span]),
            sorted(
                (technique.get(k, 0), technique.get(c, 0), n) for (k, c), n in confusion.items()
            ),
            coverage,
            {str(segment): n for segment, n in Counter(s.segment for s in spans).items()},
        )
        # ... and the reference scorer against the whole key, not by parts
        reference = scoring.score(spans, work.key_spans)
        assert key.score(spans).f1 == pytest.approx(reference.f1)
    return result, parts


def _normal(f: figures.Figures) -> tuple:
    """Stored figures to compare: lists as sorted lists, stretches as pairs; the scores but
    for the last bits that the order of adding them up may change (the parts add up by
    passage and place, `scoring` by technique)."""
    return (
        f.highlight_count,
        _approximately(f.scores),
        _approximately(f.spans_found),
        sorted(f.found),
        sorted(f.other),
        sorted(tuple(entry) for entry in f.confusion),
        {s: list(figures.pairs(flat)) for s, flat in f.coverage.items()},
        dict(f.per_passage),
    )


class _approximately:
    """Scores equal to others with the same counts and figures within 1e-12."""

    def __init__(self, scores: scoring.Scores) -> None:
        self.scores = scores

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _approximately):
            return NotImplemented
        a, b = self.scores, other.scores
        return (a.student_count, a.key_count) == (b.student_count, b.key_count) and all(
            abs(x - y) <= 1e-12 for x, y in zip(_figures(a), _figures(b), strict=True)
        )

    def __repr__(self) -> str:
        return repr(self.scores)


def _figures(scores: scoring.Scores) -> tuple[float, float, float]:
    return (scores.precision, scores.recall, scores.f1)


def _read(row: SubmissionFigures) -> figures.Figures:
    return figures.from_columns(row.__dict__)


def _check(assignment: Assignment) -> None:
    """The stored figures of every submission of the class equal the oracle's: a submission
    without a row has no highlights (its figures are those of no work), every row is fresh."""
    assignment.refresh_from_db()
    expected, parts = _recomputed(assignment)
    rows = {
        row.submission_id: row
        for row in SubmissionFigures.objects.filter(submission__assignment=assignment)
    }
    for pk, figures_now in expected.items():
        row = rows.pop(pk, None)
        if row is None:
            assert figures_now[0] == 0, f"submission {pk} has no stored figures"
            continue
        assert (row.lesson_id, row.version) == (assignment.lesson_id, FIGURES_VERSION)
        assert _normal(_read(row)) == figures_now, pk
        # kept write by write, the parts are those of all the work at once, to the last bit
        assert row.parts == parts[pk], pk
    assert not rows  # no figures of work that is not there


# --- a class, and what happens to it ----------------------------------------------------------


@dataclass
class Cast:
    teacher: User
    assignment: Assignment
    students: list[User]


@pytest.fixture
def cast(db) -> Cast:
    teacher = factories.make_teacher("Tess Teacher")
    classroom = factories.make_classroom(teacher, "Class F")
    source = factories.SMALL_LESSON.format(title="Figures", slug="figures")
    lesson = library.lesson_import(data=parse_lesson(source), created_by=teacher)
    return Cast(
        teacher=teacher,
        assignment=factories.make_assignment(classroom, lesson),
        students=[factories.make_student(f"Student {n}", classroom) for n in range(3)],
    )


def _pick(fraction: float, items: list):
    return items[min(int(fraction * len(items)), len(items) - 1)]


def _submission(assignment: Assignment, student: User) -> Submission:
    found = Submission.objects.filter(assignment=assignment, student=student).first()
    return found or Submission(assignment=assignment, student=student)


def _add(cast: Cast, student: User, where: float, start: float, length: int, technique: float):
    assignment = Assignment.objects.select_related("lesson").get(pk=cast.assignment.pk)
    segment = _pick(where, list(assignment.lesson.segments.order_by("position")))
    begin = int(start * len(segment.text))
    end = min(len(segment.text), begin + length)
    try:
        anchor = anchor_at(segment.text, begin, end)
    except AnchorError:
        return
    if not anchor.quote.strip() or end <= begin:
        return
    work_services.highlight_create(
        submission=_submission(assignment, student),
        segment=segment,
        technique=assignment.lesson.taxonomy.techniques.get(code=_pick(technique, TECHNIQUES)),
        anchor=anchor,
        note="Why",
    )


def _revise(cast: Cast, how: str) -> None:
    """The author edits the class's lesson into a new revision, and the teacher moves the
    class to it."""
    assignment = Assignment.objects.select_related("lesson").get(pk=cast.assignment.pk)
    draft = library.lesson_edit_draft(lesson=assignment.lesson, by=cast.teacher)
    first = draft.segments.order_by("position").first()
    keys = list(first.key_spans.order_by("position"))
    if how == "shift":  # every highlight of passage 1 moves along
        authoring.segment_update(segment=first, title=first.title, body="Indeed, " + first.body)
    elif how == "reword":  # highlights on "traitors" lose their words: set aside
        body = first.body.replace("traitors", "rebels", 1)
        authoring.segment_update(
            segment=first, title=first.title, body=body, remove=[k.pk for k in keys]
        )
    elif how == "key_removed" and keys:
        authoring.key_span_delete(key_span=keys[0])
    else:
        authoring.key_span_create(
            segment=first,
            technique=draft.taxonomy.techniques.get(code="Doubt"),
            anchor=locate(first.text, "fail", occurrence=1),
            explanation="A prophecy.",
        )
    published = library.lesson_publish(lesson=draft)
    work_services.assignment_move(assignment=assignment, to=published, by=cast.teacher)


def _apply(cast: Cast, operation) -> None:
    kind, who, a, b, length, technique, how = operation
    student = cast.students[who]
    highlights = list(
        Highlight.objects.filter(
            submission__assignment=cast.assignment, submission__student=student
        ).select_related("submission__assignment", "segment")
    )
    try:
        if kind == "add":
            _add(cast, student, a, b, length, technique)
        elif kind == "edit" and highlights:
            highlight = _pick(a, highlights)
            code = _pick(technique, TECHNIQUES)
            work_services.highlight_update(
                highlight=highlight,
                technique=highlight.segment.lesson.taxonomy.techniques.get(code=code),
                note="Changed" if b < 0.5 else highlight.note,
            )
        elif kind == "delete" and highlights:
            work_services.highlight_delete(highlight=_pick(a, highlights))
        elif kind == "hand_in":
            assignment = Assignment.objects.get(pk=cast.assignment.pk)
            work_services.submission_submit(submission=_submission(assignment, student))
        elif kind == "move":
            _revise(cast, how)
    except Refusal:
        pass  # handed in, a duplicate, a passage the class has just left: nothing changed


operations = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 2),  # which student
        st.floats(0, 1),  # passage, or which highlight
        st.floats(0, 1),  # where it starts
        st.integers(1, 40),  # how long
        st.floats(0, 1),  # technique
        st.sampled_from(REVISIONS),  # how the author revises
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_stored_figures_equal_the_class_scored_anew_after_any_writes(cast, sequence):
    with transaction.atomic():
        for operation in sequence:
            _apply(cast, operation)
            _check(cast.assignment)
        transaction.set_rollback(True)  # the next example starts from the same class


# --- the pages, stored or not -----------------------------------------------------------------


def _class_with_work(world) -> Assignment:
    a = world.assignment
    tara = factories.make_student("Tara Student", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, world.sam, "traitors", "Doubt", occurrence=2)
    factories.make_highlight(a, tara, "glorious", "Name_Calling,Labeling")
    factories.make_highlight(a, tara, "Everyone", "Bandwagon,Reductio_ad_hitlerum", position=2)
    factories.hand_in(a, tara)
    return a


def _board(assignment: Assignment) -> tuple:
    board = build_dashboard(dashboard_work(assignment))
    return (
        [
            (r.student.pk, r.highlight_count, r.scores, r.spans_found, r.found, r.other, r.cells)
            for r in board.rows
        ],
        [(r.technique.pk, r.found, r.other, r.possible) for r in board.rates],
        [
            (r.technique, [(c.count, c.level) if c else None for c in r.cells])
            for r in board.confusion.rows
        ],
        [(m.key.pk, m.missed) for m in board.missed],
        [(s.runs, s.phrases, s.highlighters) for s in board.heat.segments],
        [(a.segment.pk, a.agreement) for a in board.agreements],
    )


def _students_csv(client, assignment) -> list[list[str]]:
    response = client.post(reverse("insights:export_students", args=[assignment.pk]))
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_dashboard_and_export_are_the_same_without_stored_figures(client, world):
    a = _class_with_work(world)
    client.force_login(world.alice)
    stored, exported = _board(a), _students_csv(client, a)
    assert SubmissionFigures.objects.filter(submission__assignment=a).count() == 2

    SubmissionFigures.objects.all().delete()

    assert _board(a) == stored
    assert _students_csv(client, a) == exported
    assert not SubmissionFigures.objects.exists()  # reading the pages stored nothing


def test_figures_of_an_older_computation_or_revision_are_not_read(client, world):
    a = _class_with_work(world)
    stored = _board(a)
    other = factories.make_lesson()
    # Wrong figures, of another version of the computation and of another revision.
    SubmissionFigures.objects.update(version=FIGURES_VERSION + 1, f1=0.5, detail={})
    assert _board(a) == stored
    SubmissionFigures.objects.update(version=FIGURES_VERSION, lesson=other)
    assert _board(a) == stored


def test_rebuild_figures_stores_what_is_missing_and_a_dry_run_changes_nothing(world):
    _class_with_work(world)
    before = {row.submission_id: _normal(_read(row)) for row in SubmissionFigures.objects.all()}
    SubmissionFigures.objects.all().delete()
    out = io.StringIO()

    call_command("rebuild_figures", "--dry-run", stdout=out)
    assert "2 of 2 submissions have no fresh figures" in out.getvalue()
    assert not SubmissionFigures.objects.exists()

    call_command("rebuild_figures", stdout=out)
    after = {row.submission_id: _normal(_read(row)) for row in SubmissionFigures.objects.all()}
    assert after == before
    call_command("rebuild_figures", "--dry-run", stdout=(out := io.StringIO()))
    assert "0 of 2 submissions have no fresh figures" in out.getvalue()


def test_a_key_edited_between_two_publications_is_read_anew(world):
    """A published revision's key is read once per process; unpublished (once no class has
    it), edited and published again, the figures of its next class are against the new key."""
    teacher = factories.make_teacher("Pat Publisher")
    lesson = factories.make_lesson()
    first = factories.make_assignment(factories.make_classroom(teacher, "Before"), lesson)
    kim = factories.make_student("Kim", first.classroom)
    factories.make_highlight(first, kim, "always", "Doubt")  # no key span there yet
    assert SubmissionFigures.objects.get(submission__student=kim).detail["found"] == []
    first.delete()
    library.lesson_unpublish(lesson=lesson)
    segment = lesson.segments.get(position=1)
    added = authoring.key_span_create(
        segment=segment,
        technique=lesson.taxonomy.techniques.get(code="Doubt"),
        anchor=locate(segment.text, "always"),
        explanation="A claim with no room for doubt.",
    )
    library.lesson_publish(lesson=lesson)

    second = factories.make_assignment(factories.make_classroom(teacher, "After"), lesson)
    lee = factories.make_student("Lee", second.classroom)
    factories.make_highlight(second, lee, "always", "Doubt")

    assert SubmissionFigures.objects.get(submission__student=lee).detail["found"] == [added.pk]


def test_a_refused_write_changes_no_figures(world):
    a = world.assignment
    factories.make_highlight(a, world.sam, "glorious leader")
    before = list(SubmissionFigures.objects.values())
    factories.hand_in(a, world.sam)

    with pytest.raises(Refusal):
        factories.make_highlight(a, world.sam, "traitors", occurrence=1)

    assert list(SubmissionFigures.objects.values()) == before


def test_a_change_to_the_key_a_class_is_on_is_stored_again_by_the_worker(
    world, django_capture_on_commit_callbacks
):
    """The editor changes drafts only, and classes are on published revisions; were a class
    on a lesson whose key changes, its figures are forgotten at once and stored again by the
    worker once the change is committed."""
    a = _class_with_work(world)
    Lesson.objects.filter(pk=a.lesson_id).update(is_published=False)
    key = a.lesson.segments.get(position=1).key_spans.order_by("position").first()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        authoring.key_span_delete(key_span=key)
        assert not SubmissionFigures.objects.exists()

    # A rebuild of each class on the lesson (Alice's and Bob's), enqueued on commit and run at
    # once by the tests' task backend.
    assert len(callbacks) == 2
    _check(a)
    assert SubmissionFigures.objects.count() == 2


def test_a_draft_edit_with_no_class_on_it_enqueues_nothing(
    world, django_capture_on_commit_callbacks
):
    draft = library.lesson_import(
        data=parse_lesson(factories.SMALL_LESSON.format(title="Draft", slug="draft")),
        created_by=world.alice,
        is_published=False,
    )
    segment = draft.segments.get(position=1)
    with django_capture_on_commit_callbacks() as callbacks:
        authoring.key_span_delete(key_span=segment.key_spans.first())
    assert callbacks == []


def test_the_receivers_are_connected_once():
    from lessons.library.signals import draft_changed
    from lessons.work.signals import class_moved, highlights_changed

    receivers.connect()  # again: the dispatch ids keep it to one connection each
    for signal in (highlights_changed, class_moved, draft_changed):
        assert len(signal.receivers) == 1


# --- the heat map's runs from stored pairs ------------------------------------------------------


spans_of_owners = st.dictionaries(
    st.integers(1, 6),
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(1, 25), st.sampled_from("ABC")).map(
            lambda t: scoring.Span(1, t[0], t[0] + t[1], t[2])
        ),
        max_size=6,
    ),
    max_size=6,
)


@given(spans_of_owners, st.integers(0, 70))
def test_the_runs_from_merged_pairs_are_scorings_runs(owners, length):
    merged = [
        [x for s in scoring.merge_spans(spans, ignore_technique=True) for x in (s.start, s.end)]
        for spans in owners.values()
    ]
    assert coverage_runs(merged, length) == scoring.coverage_by_owner(owners, 1, length)


def _phrases_by_sorting(text: str, owners: dict[int, list[scoring.Span]]) -> list[tuple[str, int]]:
    """The heat map's phrases as they were found before the stored figures: every student's
    merged highlight, sorted, joined where they overlap or touch, students counted in a set."""
    pieces = []
    for owner, spans in owners.items():
        for span in scoring.merge_spans(spans, ignore_technique=True):
            start, end = max(span.start, 0), min(span.end, len(text))
            if start < end:
                pieces.append((start, end, owner))
    pieces.sort()
    stretches: list[tuple[int, int, set[int]]] = []
    for start, end, owner in pieces:
        if stretches and start <= stretches[-1][1]:
            first, last, students = stretches[-1]
            students.add(owner)
            stretches[-1] = (first, max(last, end), students)
        else:
            stretches.append((start, end, {owner}))
    found = []
    for start, end, students in stretches:
        words = _quoted(text[slice(*_whole_words(text, start, end))])
        if words:
            found.append((-len(students), start, words, len(students)))
    found.sort(key=lambda c: c[:2])
    return [(words, n) for _, _, words, n in found[:PHRASES_PER_SEGMENT]]


@given(spans_of_owners, st.text(alphabet="ab c,\n", min_size=0, max_size=70))
def test_the_phrases_from_the_runs_are_those_found_by_sorting(owners, text):
    assert [(p.text, p.count) for p in phrases_of(text, owners)] == _phrases_by_sorting(
        text, owners
    )
