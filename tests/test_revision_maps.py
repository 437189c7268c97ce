"""The editor's record of where every character of a revision came from (`Segment.origin`,
lessons/library/textmap.py) and `revision_maps`, with which a class moves to a new revision
with every highlight on its own characters or not placed, never on other words (issue 9).

Every revision here is made with the editor's own functions: `lesson_edit_draft`, then
`segment_update`, `segment_split`, `segment_merge`, `segment_move`, `segment_add`,
`segment_delete`, then `lesson_publish`."""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessons.authoring import services as authoring
from lessons.library import services as library
from lessons.library.lessonfile import KeyData, LessonData, SegmentData
from lessons.library.models import KeySpan, Lesson, Segment
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.selectors import revision_maps
from lessons.library.textmap import TextMap, locate

from . import factories
from .test_textmap import _latest_reading

META = {
    "title": "The struggle",
    "author": "A committee (fictional)",
    "audience": "Tests",
    "language": "en",
    "taxonomy": "semeval-2020",
    "provenance": "Written for Lens tests.",
}
_slugs = iter(range(10**9))


def _publish(teacher, bodies: list[str], keys=()) -> Lesson:
    """Revision 1, published: one passage per body; `keys` are (passage, start, end)."""
    segments = [SegmentData(title=f"Part {n}", body=body) for n, body in enumerate(bodies, 1)]
    for index, start, end in keys:
        text = segments[index].text
        segments[index].key.append(
            KeyData("Loaded_Language", text[start:end], 1, "Why.", start, end)
        )
    data = LessonData(
        meta={**META, "slug": f"struggle-{next(_slugs)}"}, introduction="Read.", segments=segments
    )
    lesson = library.lesson_import(data=data, created_by=teacher, is_published=False)
    return library.lesson_publish(lesson=lesson)


def _passage(lesson: Lesson, position: int) -> Segment:
    return lesson.segments.get(position=position)


def _edit(lesson: Lesson, position: int, old: str, new: str) -> None:
    """The author changes words of a passage's text in the editor."""
    segment = _passage(lesson, position)
    assert segment.body.count(old) == 1
    authoring.segment_update(
        segment=segment, title=segment.title, body=segment.body.replace(old, new)
    )


def _where(lesson: Lesson, position: int, words: str, n: int = 0) -> tuple[int, int, int]:
    """(passage id, start, end) of the `n`th occurrence of `words` in passage `position`."""
    segment = _passage(lesson, position)
    start = -1
    for _ in range(n + 1):
        start = segment.text.index(words, start + 1)
    return segment.pk, start, start + len(words)


@pytest.fixture
def teacher(db):
    return factories.make_teacher("Alice Author")


# The four ways searching by the words put highlights on other words or left them out -----


def test_a_highlight_stays_in_its_passage_when_its_phrase_also_stands_in_another(teacher):
    """Passage 1 and 2 both say "imperialists fear the struggle goes on"; a word inserted
    after the highlight in passage 1 changes its context there, and the search took the
    other passage's words, whose context still agreed. The editor knows they are others."""
    one = _publish(
        teacher,
        [
            "the imperialists fear the struggle goes on",
            "and all imperialists fear the struggle goes on today",
        ],
    )
    source, start, end = _where(one, 1, "the struggle")
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    _edit(draft, 1, "struggle goes", "struggle itself goes")
    two = library.lesson_publish(lesson=draft)

    placed = locate(revision_maps(one, two), source, start, end)

    assert placed == _where(two, 1, "the struggle")


def test_a_highlight_at_a_passage_start_whose_words_were_deleted_is_not_placed(teacher):
    """ "the people" opened the passage and was deleted. The search let a passage's edge
    agree with anything, so it put the highlight on the next "the people"."""
    one = _publish(teacher, ["the people fear them. now the people fear them"])
    source = _passage(one, 1).pk
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    _edit(draft, 1, "the people fear them. now", "now")
    two = library.lesson_publish(lesson=draft)
    maps = revision_maps(one, two)

    assert locate(maps, source, 0, len("the people")) is None
    second = _where(one, 1, "the people", 1)
    assert locate(maps, *second) == _where(two, 1, "the people")


def test_the_highlights_of_a_deleted_passage_go_nowhere(teacher):
    """Passage 1 is deleted; its words stand at the end of passage 2, where the search put
    its highlights."""
    one = _publish(
        teacher, ["the people fear the struggle", "we know the people fear the struggle"]
    )
    source, start, end = _where(one, 1, "fear the struggle")
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    authoring.segment_delete(lesson=draft, position=1)
    two = library.lesson_publish(lesson=draft)
    maps = revision_maps(one, two)

    assert locate(maps, source, start, end) is None
    assert locate(maps, *_where(one, 2, "fear the struggle")) == _where(two, 1, "fear the struggle")


def test_a_sentence_repeated_by_the_author_leaves_the_highlight_on_the_original(teacher):
    """The author repeats the sentence: the search found it twice, equally good, and left
    the highlight out although its words were still there."""
    one = _publish(teacher, ["the struggle goes on."])
    source = _passage(one, 1).pk
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    _edit(draft, 1, "the struggle goes on.", "the struggle goes on. the struggle goes on.")
    two = library.lesson_publish(lesson=draft)

    assert locate(revision_maps(one, two), source, 0, 20) == (_passage(two, 1).pk, 0, 20)


# What each write keeps -------------------------------------------------------------------


def test_a_draft_of_the_next_revision_starts_with_every_character_in_place(teacher):
    one = _publish(teacher, ["the struggle goes on", "the people fear"])

    draft = library.lesson_edit_draft(lesson=one, by=teacher)

    originals = {s.uid: s for s in one.segments.all()}
    for segment in draft.segments.all():
        original = originals[segment.uid]
        assert segment.text_map == TextMap.identity(original.pk, len(original.text))
    assert all(s.origin is None for s in one.segments.all())  # a first revision: none


def test_a_first_revision_keeps_no_maps_whatever_the_author_does(teacher):
    data = LessonData(
        meta={**META, "slug": "first-draft"},
        introduction="Read.",
        segments=[SegmentData("A", "the struggle\n\ngoes on"), SegmentData("B", "we fear")],
    )
    draft = library.lesson_import(data=data, created_by=teacher, is_published=False)

    _edit(draft, 2, "we fear", "we fear it")
    authoring.segment_split(lesson=draft, position=1, paragraph=1)
    authoring.segment_merge(lesson=draft, position=2)
    authoring.segment_add(lesson=draft, body="more words")

    assert [s.origin for s in draft.segments.all()] == [None, None, None]


def test_a_passage_added_to_a_later_revision_is_all_new(teacher):
    one = _publish(teacher, ["the struggle goes on"])
    draft = library.lesson_edit_draft(lesson=one, by=teacher)

    added = authoring.segment_add(lesson=draft, body="the struggle goes on")

    assert added.origin == [] and Segment.objects.get(pk=added.pk).origin == []


def test_a_refused_write_changes_no_map(teacher):
    """A text edit that would lose a key span is refused: the origin stays as it was."""
    one = _publish(teacher, ["the struggle goes on"], keys=[(0, 4, 12)])
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    before = _passage(draft, 1).origin

    with pytest.raises(authoring.KeysUnplaced):
        _edit(draft, 1, "struggle", "fight")

    assert _passage(draft, 1).origin == before


def test_three_revisions_compose_into_one_map(teacher, django_assert_num_queries):
    one = _publish(
        teacher,
        [
            "the imperialists fear the struggle\n\nthe struggle goes on",
            "the people fear nothing",
            "we are the people",
        ],
    )
    fear = _where(one, 1, "imperialists fear")
    goes = _where(one, 1, "struggle goes on")
    people = _where(one, 2, "the people")
    we = _where(one, 3, "we are")
    # Revision 2: a word before "imperialists", passage 1 split, a passage added.
    draft = library.lesson_edit_draft(lesson=one, by=teacher)
    _edit(draft, 1, "the imperialists", "all the imperialists")
    authoring.segment_split(lesson=draft, position=1, paragraph=1)
    authoring.segment_add(lesson=draft, body="a new passage")
    two = library.lesson_publish(lesson=draft)
    # Revision 3: the two parts merged again, "nothing" changed, passage "we are" deleted,
    # the new passage moved up.
    draft = library.lesson_edit_draft(lesson=two, by=teacher)
    authoring.segment_merge(lesson=draft, position=1)
    _edit(draft, 2, "nothing", "them")
    authoring.segment_delete(lesson=draft, position=3)
    authoring.segment_move(lesson=draft, position=3, direction="up")
    three = library.lesson_publish(lesson=draft)
    assert [s.text for s in three.segments.all()] == [
        "all the imperialists fear the struggle\nthe struggle goes on",
        "a new passage",
        "the people fear them",
    ]

    with django_assert_num_queries(1):
        maps = revision_maps(one, three)

    assert locate(maps, *fear) == _where(three, 1, "imperialists fear")
    assert locate(maps, *goes) == _where(three, 1, "struggle goes on")
    assert locate(maps, *people) == _where(three, 3, "the people")
    assert locate(maps, people[0], 0, len("the people fear nothing")) is None
    assert locate(maps, *we) is None
    assert maps[_passage(three, 2).pk] == TextMap()
    # One revision at a time says the same.
    for earlier, later in ((one, two), (two, three)):
        for segment in later.segments.all():
            assert revision_maps(earlier, later)[segment.pk] == segment.text_map
    assert revision_maps(three, three) == {
        s.pk: TextMap.identity(s.pk, len(s.text)) for s in three.segments.all()
    }
    with pytest.raises(ValueError):
        revision_maps(three, one)
    # A revision whose draft was copied before the editor kept maps: the move must search.
    Segment.objects.filter(pk=_passage(two, 2).pk).update(origin=None)
    assert revision_maps(one, three) is None
    assert revision_maps(two, three) is not None


# Property: random edits made with the editor, tracked character by character -------------
#
# Revision 1 has passages made of a few phrases that repeat within and across passages, with
# key spans. Random edits follow, made with the editor's own service functions, in one or two
# later revisions; alongside, the true origin of every character of each passage is tracked
# (a revision-1 passage id and offset, or None for what the author wrote). Bodies have no
# Markdown syntax, so a passage's text is its paragraphs joined by "\n" (checked).
#
# A text edit changes one stretch of one paragraph (words inserted, deleted or replaced by at
# most two words, shorter than textmap.MIN_STRETCH). When the new words repeat the words next
# to them, the same new text could have come from edits in more than one place: "the the" less
# one "the" is "the" whichever was deleted. Nothing tells which one the author meant (the
# editor receives the whole new text), so the editor reads every save as the edit made as late
# as possible, and the tracked origins follow that same reading (`_latest_reading`). What is
# tested is everything else: that every write keeps every character's origin through splits,
# merges, moves, additions, deletions, copies and revisions; that key spans follow their own
# characters; and that a revision-1 range whose characters all survived together is found
# exactly there, and any other is not placed, never put on other characters.

PHRASES = [
    "the struggle",
    "the people",
    "the imperialists fear the struggle",
    "the struggle goes on",
    "of the people",
    "and we fear",
]
WORDS = ["the", "struggle", "people", "imperialists", "fear", "and", "goes", "on", "of", "we"]
TEXT_EDITS = ["insert", "delete", "replace"]
KINDS = TEXT_EDITS * 3 + ["split", "merge", "move", "add", "remove"]

paragraphs = st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3).map(" ".join)
passages = st.lists(paragraphs, min_size=1, max_size=3)
operations = st.tuples(
    st.sampled_from(KINDS),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 3),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
)

Origin = tuple[int, int] | None


@dataclass
class Passage:
    uid: object
    paragraphs: list[list[str]]
    origins: list[Origin] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(words) for words in self.paragraphs)

    @property
    def body(self) -> str:
        return "\n\n".join(" ".join(words) for words in self.paragraphs)


def _find(model: list[Passage], own: list[Origin]) -> tuple[object, int] | None:
    """Where characters with these origins stand together, in order (every origin is in at
    most one place: the editor never copies a character)."""
    for passage in model:
        if own[0] in passage.origins:
            at = passage.origins.index(own[0])
            return (passage.uid, at) if passage.origins[at : at + len(own)] == own else None
    return None


def _check(draft: Lesson, model: list[Passage], keys: dict[object, list[Origin]]) -> None:
    """The draft's passages are the model's, and every key span is on its own characters."""
    segments = list(draft.segments.order_by("position"))
    assert [(s.uid, s.text) for s in segments] == [(p.uid, p.text) for p in model]
    found = KeySpan.objects.filter(segment__lesson=draft).select_related("segment")
    assert {k.uid for k in found} == set(keys)
    for key in found:
        uid, start = _find(model, keys[key.uid])  # type: ignore[misc]
        assert (key.segment.uid, key.start, key.end) == (uid, start, start + len(keys[key.uid]))
        assert key.segment.text[key.start : key.end] == key.quote


def _text_edit(draft, model, keys, kind, where, count, words) -> None:
    passage = model[min(int(where[0] * len(model)), len(model) - 1)]
    spots = [(p, i) for p, ws in enumerate(passage.paragraphs) for i in range(len(ws) + 1)]
    p, i = spots[min(int(where[1] * len(spots)), len(spots) - 1)]
    old = passage.paragraphs[p]
    cut = 0 if kind == "insert" else min(count, len(old) - i)
    if kind == "delete":
        cut, words = min(cut, len(old) - 1), []  # a paragraph keeps a word
    new = old[:i] + words + old[i + cut :]
    before = passage.text
    passage.paragraphs[p] = new
    passage.origins = _latest_reading(before, passage.text, passage.origins)
    lost = {uid for uid, own in keys.items() if _find(model, own) is None}
    segment = draft.segments.get(uid=passage.uid)
    try:
        authoring.segment_update(segment=segment, title=segment.title, body=passage.body)
        assert not lost
    except authoring.KeysUnplaced as refusal:
        assert {item.key.uid for item in refusal.unplaced} == lost
        authoring.segment_update(
            segment=segment,
            title=segment.title,
            body=passage.body,
            remove=[item.key.pk for item in refusal.unplaced],
        )
    for uid in lost:
        del keys[uid]


def _gone(own: list[Origin], model: list[Passage]) -> bool:
    return not any(own[0] in passage.origins for passage in model)


def _reshape(draft, model, keys, kind, where, words) -> None:
    index = min(int(where[0] * len(model)), len(model) - 1)
    passage = model[index]
    if kind == "split" and len(passage.paragraphs) > 1:
        after = 1 + min(int(where[1] * (len(passage.paragraphs) - 1)), len(passage.paragraphs) - 2)
        authoring.segment_split(lesson=draft, position=index + 1, paragraph=after)
        cut = len(Passage(None, passage.paragraphs[:after]).text)
        second = Passage(
            draft.segments.get(position=index + 2).uid,
            passage.paragraphs[after:],
            passage.origins[cut + 1 :],
        )
        passage.paragraphs, passage.origins = passage.paragraphs[:after], passage.origins[:cut]
        model.insert(index + 1, second)
    elif kind == "merge" and index + 1 < len(model):
        authoring.segment_merge(lesson=draft, position=index + 1)
        following = model.pop(index + 1)
        passage.paragraphs += following.paragraphs
        passage.origins += [None, *following.origins]
    elif kind == "move":
        other = index - 1 if where[1] < 0.5 else index + 1
        if 0 <= other < len(model):
            direction = "up" if other < index else "down"
            authoring.segment_move(lesson=draft, position=index + 1, direction=direction)
            model[index], model[other] = model[other], model[index]
    elif kind == "add":
        added = authoring.segment_add(lesson=draft, body=" ".join(words))
        model.append(Passage(added.uid, [list(words)], [None] * len(" ".join(words))))
    elif kind == "remove" and len(model) > 1:
        authoring.segment_delete(lesson=draft, position=index + 1)
        model.pop(index)
        for uid in [uid for uid, own in keys.items() if _gone(own, model)]:
            del keys[uid]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(passages, min_size=1, max_size=4),
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.integers(1, 3)), max_size=4),
    st.lists(st.lists(operations, min_size=1, max_size=6), min_size=1, max_size=2),
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.integers(1, 40)), max_size=10),
)
def test_every_highlight_is_on_its_own_characters_or_not_placed(
    teacher, bodies, key_picks, rounds, ranges
):
    with transaction.atomic():
        _run(teacher, bodies, key_picks, rounds, ranges)
        transaction.set_rollback(True)  # the next example starts from the same database


def _run(teacher, bodies, key_picks, rounds, ranges) -> None:
    texts = ["\n".join(paragraphs) for paragraphs in bodies]
    for paragraphs, text in zip(bodies, texts, strict=True):
        assert plain_text(render_markdown("\n\n".join(paragraphs))) == text
    # Key spans on whole words of one paragraph of revision 1.
    picked = set()
    for where, at, length in key_picks:
        index = min(int(where * len(bodies)), len(bodies) - 1)
        spans = [
            (
                index,
                offset + sum(len(w) + 1 for w in words[:i]),
                len(" ".join(words[i : i + length])),
            )
            for offset, words in _paragraph_words(texts[index])
            for i in range(len(words))
        ]
        index, start, size = spans[min(int(at * len(spans)), len(spans) - 1)]
        picked.add((index, start, start + size))
    one = _publish(teacher, ["\n\n".join(p) for p in bodies], sorted(picked))
    first = list(one.segments.order_by("position"))
    model = [
        Passage(
            s.uid,
            [p.split(" ") for p in s.text.split("\n")],
            [(s.pk, i) for i in range(len(s.text))],
        )
        for s in first
    ]
    keys = {
        k.uid: [(k.segment_id, i) for i in range(k.start, k.end)]
        for k in KeySpan.objects.filter(segment__lesson=one)
    }
    latest = one
    for operations_of_a_revision in rounds:
        draft = library.lesson_edit_draft(lesson=latest, by=teacher)
        _check(draft, model, keys)
        for kind, a, b, count, words in operations_of_a_revision:
            if kind in TEXT_EDITS:
                _text_edit(draft, model, keys, kind, (a, b), count, words)
            else:
                _reshape(draft, model, keys, kind, (a, b), words)
            _check(draft, model, keys)
        latest = library.lesson_publish(lesson=draft)

    maps = revision_maps(one, latest)
    assert maps is not None
    now = {s.uid: s.pk for s in latest.segments.all()}
    checked = []
    for segment in first:
        text = segment.text
        for offset, words in _paragraph_words(text):  # every phrase of up to three words
            for i in range(len(words)):
                for n in (1, 2, 3):
                    start = offset + sum(len(w) + 1 for w in words[:i])
                    checked.append((segment, start, start + len(" ".join(words[i : i + n]))))
        for where, at, length in ranges:  # and random stretches, across paragraphs too
            if segment is first[min(int(where * len(first)), len(first) - 1)]:
                start = min(int(at * len(text)), len(text) - 1)
                checked.append((segment, start, min(len(text), start + length)))
    for segment, start, end in checked:
        truth = _find(model, [(segment.pk, i) for i in range(start, end)])
        expected = None if truth is None else (now[truth[0]], truth[1], truth[1] + end - start)
        assert locate(maps, segment.pk, start, end) == expected, (segment.text, start, end)


def _paragraph_words(text: str) -> list[tuple[int, list[str]]]:
    """(offset, words) of each paragraph of a passage's text."""
    out, offset = [], 0
    for paragraph in text.split("\n"):
        out.append((offset, paragraph.split(" ")))
        offset += len(paragraph) + 1
    return out
