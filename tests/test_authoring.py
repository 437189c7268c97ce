"""Writing a lesson in the browser: who may do what, creating from pasted text, reshaping
passages without moving a key span off its words, details and preview, publishing,
revisions, exports and imports, and the pages' query counts."""

import copy
import io
import logging
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lessons.authoring import services as authoring
from lessons.library import services
from lessons.library import services as revisions
from lessons.library.lessonfile import dump_lesson, parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Taxonomy
from lessons.library.rendering import plain_text, render_markdown

from . import factories
from .conftest import PERSONAS, shared, shared_fixture
from .html import assert_in_fragment, assert_not_in_fragment, select, text

LOGIN = "login"
SEED_TEXT = Path(__file__).resolve().parents[2] / "shared/seed/000_0683d6f1663f97ad.txt"

# A draft whose first passage has three paragraphs, with key spans in each (the same word
# "traitors" three times) and prompts on both passages.
DRAFT = (
    factories.FRONT_MATTER
    + """## Introduction

A short *fictional* text for practice.

## Segment: First

Our glorious leader says the traitors will fail, and fail they will.

The traitors always fail. Everyone knows what the traitors want.

Join the march today!

### Prompts

- highlight: Highlight the techniques.
- text: Who are "the traitors"?

### Key

- Loaded_Language | "glorious leader" | Praise words.
- Name_Calling,Labeling | "traitors" | The first label.
- Name_Calling,Labeling | "traitors" #2 | The second label.
- Name_Calling,Labeling | "traitors" #3 | The third label.
- Bandwagon,Reductio_ad_hitlerum | "Everyone knows" | Everyone agrees, it says.
- Slogans | "Join the march today" | A call to act.

## Segment: Second

Everyone agrees with us. Join them!

### Prompts

- text: Does "everyone" agree?

### Key

- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Claims everyone agrees.
"""
)


def make_draft(owner, slug="alices-draft", title="Alice's draft", source=DRAFT) -> Lesson:
    return services.lesson_import(
        data=parse_lesson(source.format(title=title, slug=slug)),
        created_by=owner,
        is_published=False,
    )


@shared_fixture
def _alices(request, _world):
    def build():
        published = make_draft(_world.alice, "alices-published", "Alice's published")
        revisions.lesson_publish(lesson=published)
        return {"draft": make_draft(_world.alice), "published": published}

    return shared(request, build)


@pytest.fixture
def alices(world, _alices):
    """Alice's draft, and her published lesson (the world's lesson has no creator)."""
    return copy.deepcopy(_alices)


def _keys(lesson: Lesson) -> dict:
    """Every key span by identity: its passage, offsets, words and explanation."""
    return {
        k.uid: k for k in KeySpan.objects.filter(segment__lesson=lesson).select_related("segment")
    }


def _whole_text(lesson: Lesson) -> tuple[str, dict[int, int]]:
    """The lesson's passages joined by line breaks, and where each passage starts in it."""
    texts, starts, at = [], {}, 0
    for segment in lesson.segments.order_by("position"):
        starts[segment.pk] = at
        texts.append(segment.text)
        at += len(segment.text) + 1
    return "\n".join(texts), starts


def _words(lesson: Lesson) -> dict:
    """Where each key span's words sit in the whole text: (offset, quote, explanation)."""
    _, starts = _whole_text(lesson)
    found = {}
    for uid, key in _keys(lesson).items():
        assert key.segment.text[key.start : key.end] == key.quote
        found[uid] = (starts[key.segment_id] + key.start, key.quote, key.explanation)
    return found


def _state(lesson: Lesson) -> list:
    return [
        (
            s.uid,
            s.position,
            s.title,
            s.body,
            [(p.uid, p.position) for p in s.prompts.all()],
            [(k.uid, k.start, k.end, k.quote) for k in s.key_spans.all()],
        )
        for s in Segment.objects.filter(lesson=lesson)
        .order_by("position")
        .prefetch_related("prompts", "key_spans")
    ]


def _snapshot() -> list:
    lessons = list(Lesson.objects.order_by("pk").values_list("pk", "slug", "is_published"))
    segments = list(Segment.objects.order_by("pk").values_list("pk", "lesson", "position"))
    return [lessons, segments, KeySpan.objects.count(), Prompt.objects.count()]


# Who may do what -----------------------------------------------------------------------


def _upload(name="upload.md", slug="uploaded-lesson"):
    text = factories.SMALL_LESSON.format(title="Uploaded", slug=slug)
    return {"file": _file(name, text.encode())}


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _new_data():
    return {
        "title": "Pasted",
        "text": "A paragraph long enough to stand on its own as a passage of a lesson.",
        "markup": "plain",
        "taxonomy": Taxonomy.objects.get(slug="semeval-2020").pk,
        "language": "en",
    }


#  view                    method  lesson       args          anonymous sam  olga alice bob
TABLE = [
    ("author_home",          "get",  None,        None,         (LOGIN, 404, 404, 200, 200)),
    ("author_new",           "get",  None,        None,         (LOGIN, 404, 404, 200, 200)),
    ("author_new",           "post", None,        "new",        (LOGIN, 404, 404, 302, 302)),
    ("author_import",        "get",  None,        None,         (LOGIN, 404, 404, 200, 200)),
    ("author_import",        "post", None,        "upload",     (LOGIN, 404, 404, 302, 302)),
    ("author_export_zip",    "get",  "draft",     "zip",        (LOGIN, 404, 404, 200, 404)),
    ("author_export_zip",    "get",  "published", "zip",        (LOGIN, 404, 404, 200, 200)),
    ("author_export_zip",    "get",  "world",     "zip",        (LOGIN, 404, 404, 200, 200)),
    ("author_lesson",        "get",  "draft",     None,         (LOGIN, 404, 404, 200, 404)),
    ("author_lesson",        "get",  "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_lesson",        "get",  "world",     None,         (LOGIN, 404, 404, 404, 404)),
    ("author_meta",          "get",  "draft",     None,         (LOGIN, 404, 404, 200, 404)),
    ("author_meta",          "post", "draft",     "meta",       (LOGIN, 404, 404, 302, 404)),
    ("author_meta",          "get",  "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_meta",          "post", "published", "meta",       (LOGIN, 404, 404, 404, 404)),
    ("author_preview",       "post", "draft",     "markdown",   (LOGIN, 404, 404, 200, 404)),
    ("author_preview",       "get",  "draft",     None,         (LOGIN, 405, 405, 405, 405)),
    ("author_preview",       "post", "published", "markdown",   (LOGIN, 404, 404, 404, 404)),
    ("author_publish",       "post", "draft",     None,         (LOGIN, 404, 404, 302, 404)),
    ("author_publish",       "get",  "draft",     None,         (LOGIN, 405, 405, 405, 405)),
    ("author_publish",       "post", "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_delete",        "get",  "draft",     None,         (LOGIN, 404, 404, 200, 404)),
    ("author_delete",        "post", "draft",     None,         (LOGIN, 404, 404, 302, 404)),
    ("author_delete",        "post", "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_export",        "get",  "draft",     None,         (LOGIN, 404, 404, 200, 404)),
    ("author_export",        "get",  "published", None,         (LOGIN, 404, 404, 200, 200)),
    ("author_export",        "get",  "world",     None,         (LOGIN, 404, 404, 200, 200)),
    ("author_segment_add",   "post", "draft",     None,         (LOGIN, 404, 404, 302, 404)),
    ("author_segment_add",   "post", "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_segment_split", "post", "draft",     "split",      (LOGIN, 404, 404, 302, 404)),
    ("author_segment_split", "post", "published", "split",      (LOGIN, 404, 404, 404, 404)),
    ("author_segment_split", "get",  "draft",     None,         (LOGIN, 405, 405, 405, 405)),
    ("author_segment_merge", "post", "draft",     None,         (LOGIN, 404, 404, 302, 404)),
    ("author_segment_merge", "post", "published", None,         (LOGIN, 404, 404, 404, 404)),
    ("author_segment_move",  "post", "draft",     "down",       (LOGIN, 404, 404, 302, 404)),
    ("author_segment_move",  "post", "published", "down",       (LOGIN, 404, 404, 404, 404)),
    ("author_segment_delete", "get", "draft",     None,         (LOGIN, 404, 404, 200, 404)),
    ("author_segment_delete", "post", "draft",    None,         (LOGIN, 404, 404, 302, 404)),
    ("author_segment_delete", "post", "published", None,        (LOGIN, 404, 404, 404, 404)),
    ("lesson_edit",          "post", "published", None,         (LOGIN, 404, 404, 302, 404)),
    ("lesson_edit",          "post", "draft",     None,         (LOGIN, 404, 404, 302, 404)),
    ("lesson_edit",          "post", "world",     None,         (LOGIN, 404, 404, 404, 404)),
    ("lesson_edit",          "get",  "published", None,         (LOGIN, 405, 405, 405, 405)),
]  # fmt: skip

POSITIONAL = {"author_segment_split", "author_segment_merge", "author_segment_move",
              "author_segment_delete"}  # fmt: skip

CASES = [
    pytest.param(*row[:4], persona, expected, id=f"{row[0]}-{row[1]}-{row[2]}-{persona}")
    for row in TABLE
    for persona, expected in zip(PERSONAS, row[4], strict=True)
]


def _lesson_of(world, alices, which) -> Lesson | None:
    return world.assignment.lesson if which == "world" else alices.get(which)


def _request(world, alices, view, which, args):
    lesson = _lesson_of(world, alices, which)
    if view == "lesson_edit":
        url = reverse(f"authoring:{view}", args=[lesson.slug])
    elif view in POSITIONAL:
        url = reverse(f"authoring:{view}", args=[lesson.pk, 1])
    elif which and view != "author_export_zip":
        url = reverse(f"authoring:{view}", args=[lesson.pk])
    else:
        url = reverse(f"authoring:{view}")
    data = {
        None: lambda: None,
        "new": _new_data,
        "upload": _upload,
        "zip": lambda: {"lesson": [lesson.pk]},
        "meta": lambda: {"title": "Changed", "language": "en", "taxonomy": lesson.taxonomy_id},
        "markdown": lambda: {"markdown": "Some *words*."},
        "split": lambda: {"paragraph": "1"},
        "down": lambda: {"direction": "down"},
    }[args]
    return url, data()


@pytest.mark.parametrize(("view", "method", "which", "args", "persona", "expected"), CASES)
def test_every_authoring_view_answers_each_persona_as_expected(
    client, world, alices, view, method, which, args, persona, expected
):
    url, data = _request(world, alices, view, which, args)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    before = _snapshot()

    response = getattr(client, method)(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(f"{reverse('core:login')}?next=")
    else:
        assert response.status_code == expected
    if expected in (LOGIN, 404, 405):
        assert _snapshot() == before
    if persona == "bob":
        content = response.content.decode(errors="replace")
        assert "Alice&#x27;s draft" not in content
        assert "Alice's draft" not in content


def test_the_nav_offers_writing_to_teachers_only(client, world):
    client.force_login(world.alice)
    assert reverse("authoring:author_home") in client.get(reverse("work:home")).content.decode()
    client.force_login(world.sam)
    assert reverse("authoring:author_home") not in client.get(reverse("work:home")).content.decode()


# The author's lessons -------------------------------------------------------------------


def test_my_lessons_lists_drafts_revisions_and_published_lessons_with_their_classes(
    client, world, alices
):
    published = alices["published"]
    factories.make_assignment(world.class_a, published)
    factories.make_assignment(world.class_b, published)
    client.force_login(world.alice)
    page = client.get(reverse("authoring:author_home")).content.decode()
    assert "New lesson, draft" in page
    assert "Published, revision 1" in page
    assert "Assigned to 2 classes (any revision)." in page
    assert "Edit (starts revision 2)" in page
    assert reverse("authoring:author_lesson", args=[alices["draft"].pk]) in page
    assert reverse("authoring:author_new") in page and reverse("authoring:author_import") in page

    draft = revisions.lesson_edit_draft(lesson=published, by=world.alice)
    page = client.get(reverse("authoring:author_home")).content.decode()
    assert "Revision 2 of “Alice&#x27;s published”, draft" in page
    assert "Continue editing revision 2" in page
    assert reverse("authoring:author_lesson", args=[draft.pk]) in page
    assert "Edit (starts revision 2)" not in page
    # Bob sees none of it.
    client.force_login(world.bob)
    page = client.get(reverse("authoring:author_home")).content.decode()
    assert "Alice" not in page


def test_the_export_form_offers_every_lesson_of_mine(client, world, alices):
    client.force_login(world.alice)
    response = client.get(reverse("authoring:author_home"))
    page = response.content.decode()
    assert f'action="{reverse("authoring:author_export_zip")}"' in page
    for lesson in alices.values():
        assert f'name="lesson" value="{lesson.pk}"' in page


# A new lesson ----------------------------------------------------------------------------


PLAIN = """Pyongyang, 16 August (KCNA)

The *so-called* "sanctions" of the #1 enemy are [vicious]; 2 * 3 = 6 and <b>so</b> on.
A second line of the same paragraph stays in it.

1. This is not a list, it is a sentence that starts with a number and a dot.

Short one.
"""


def test_a_lesson_is_created_from_plain_text_exactly_as_pasted(client, world):
    client.force_login(world.alice)
    data = _new_data() | {"title": "The Enemy's Sanctions", "text": PLAIN, "author": "KCNA"}

    response = client.post(reverse("authoring:author_new"), data)

    lesson = Lesson.objects.get(created_by=world.alice)
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_lesson", args=[lesson.pk])
    assert (lesson.slug, lesson.is_published, lesson.revision) == ("the-enemys-sanctions", False, 1)
    assert lesson.author == "KCNA"
    texts = [s.text for s in lesson.segments.order_by("position")]
    # Far fewer than 80 words: one passage, every character shown exactly as pasted (a
    # paragraph break is a line break in the passage's plain text).
    assert texts == [
        'Pyongyang, 16 August (KCNA)\nThe *so-called* "sanctions" of the #1 enemy are '
        "[vicious]; 2 * 3 = 6 and <b>so</b> on.\nA second line of the same paragraph stays in it."
        "\n1. This is not a list, it is a sentence that starts with a number and a dot."
        "\nShort one.",
    ]
    follow = client.get(response.url)
    assert "is a draft with 1 passage." in follow.content.decode()


MARKDOWN = """# The Resolution

## Opening

Resolution

Today Korean people are carrying on the **all-people struggle** to realize their ideal.

## Sanctions

The vigorous struggle of Korean people braves the *vicious* sanctions of the imperialists.

A second paragraph, short enough to share the passage of the one before it.
"""


def test_a_lesson_is_created_from_markdown_where_headings_start_and_name_passages(client, world):
    client.force_login(world.alice)
    data = _new_data() | {"title": "Resolution", "text": MARKDOWN, "markup": "markdown"}

    assert client.post(reverse("authoring:author_new"), data).status_code == 302

    lesson = Lesson.objects.get(created_by=world.alice)
    segments = list(lesson.segments.order_by("position"))
    assert [s.title for s in segments] == ["The Resolution: Opening", "Sanctions"]
    assert segments[0].text == (
        "Resolution\nToday Korean people are carrying on the all-people struggle to realize "
        "their ideal."
    )
    assert "<strong>all-people struggle</strong>" in segments[0].body_html
    assert "<em>vicious</em>" in segments[1].body_html
    assert segments[1].text.endswith("\nA second paragraph, short enough to share the passage "
                                     "of the one before it.")  # fmt: skip


def test_slugs_are_made_unique_and_an_address_given_is_kept(client, world):
    client.force_login(world.alice)
    for _ in range(3):
        client.post(reverse("authoring:author_new"), _new_data() | {"title": "Same title"})
    slugs = sorted(Lesson.objects.filter(created_by=world.alice).values_list("slug", flat=True))
    assert slugs == ["same-title", "same-title-2", "same-title-3"]
    client.post(reverse("authoring:author_new"), _new_data() | {"slug": "my-own-address"})
    assert Lesson.objects.filter(slug="my-own-address", created_by=world.alice).exists()
    # Taken, or not a slug: refused, with the input kept.
    for slug, message in [("same-title", "already uses"), ("Not A_Slug", "a-z, 0-9")]:
        response = client.post(reverse("authoring:author_new"), _new_data() | {"slug": slug})
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert "A paragraph long enough to stand on its own" in page
    assert Lesson.objects.filter(created_by=world.alice).count() == 4


def test_the_address_made_from_a_long_title_ends_between_words(client, world):
    client.force_login(world.alice)
    title = "The Resolution of the Meeting of Solidarity with the Korean People in Pyongyang"
    for _ in range(2):
        client.post(reverse("authoring:author_new"), _new_data() | {"title": title})
    slugs = sorted(Lesson.objects.filter(created_by=world.alice).values_list("slug", flat=True))
    assert slugs == [
        "the-resolution-of-the-meeting-of-solidarity-with",  # 48 characters of 50
        "the-resolution-of-the-meeting-of-solidarity-with-2",
    ]
    assert authoring.clean_slug("Supercalifragilisticexpialidocious " * 3) == (
        "supercalifragilisticexpialidocious"
    )
    assert authoring.clean_slug("x" * 60) == "x" * 50  # one word longer than the limit


def test_the_new_lesson_form_asks_for_the_audience_publishing_needs(client, world):
    client.force_login(world.alice)
    page = client.get(reverse("authoring:author_new")).content.decode()
    (field,) = select(page, "#id_audience")
    assert field.get("required") is None  # a draft may leave it empty
    assert text(page, "label[for=id_audience]") == "For whom it was written (audience)"
    # Its help, which a screen reader reads with the field, says that publishing needs it.
    described = ", ".join(f"#{ident}" for ident in field["aria-describedby"].split())
    assert_in_fragment(page, described, "Needed to publish the lesson; a draft may leave it")
    data = _new_data() | {"audience": "Readers abroad who follow state media"}
    client.post(reverse("authoring:author_new"), data)
    lesson = Lesson.objects.get(created_by=world.alice)
    assert lesson.audience == "Readers abroad who follow state media"
    page = client.get(reverse("authoring:author_lesson", args=[lesson.pk])).content.decode()
    assert_not_in_fragment(page, "ul.problems", "The lesson needs its audience.")
    assert_in_fragment(page, "ul.problems", "The lesson needs its author.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"text": ""}, "This field is required"),
        ({"text": "\n\n  \n"}, "This field is required"),
        ({"text": "x" * (authoring.MAX_PASTED_TEXT + 1)}, "at most 200000 characters"),
        ({"taxonomy": "999"}, "Select a valid choice"),
        ({"markup": "html"}, "Select a valid choice"),
        ({"date": "16 August"}, "Enter a valid date"),
        ({"text": "Line one\r\rstill one"}, "cannot be shown exactly as written"),
    ],
)
def test_bad_input_for_a_new_lesson_is_a_400_that_creates_nothing(client, world, change, message):
    client.force_login(world.alice)
    before = _snapshot()
    response = client.post(reverse("authoring:author_new"), _new_data() | change)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot() == before


def _sentences(count: int, words: int = 10, start: int = 1) -> str:
    """`count` sentences of `words` words each, numbered so that none repeats."""
    filler = " ".join(["word"] * (words - 3))
    return " ".join(f"Sentence {n} says {filler}." for n in range(start, start + count))


def _word_counts(passages) -> list[int]:
    return [len(plain_text(render_markdown(p.body)).split()) for p in passages]


def test_proposed_passages_follow_the_rules_on_the_page():
    propose = authoring.propose_passages
    long = "A paragraph that is certainly longer than sixty characters, so it stands alone."
    assert [p.body for p in propose(f"{long}\n\n{long}", markdown=False)] == [f"{long}\n\n{long}"]
    assert [p.body for p in propose(f"Short.\n\n{long}", markdown=False)] == [f"Short.\n\n{long}"]
    assert [p.body for p in propose("Only short.", markdown=False)] == ["Only short."]
    passages = propose(f"# One\n\n{long}\n\n# Two\nShort.\n\n## Three\n\n{long}", markdown=True)
    assert [(p.title, p.body) for p in passages] == [
        ("One", long),
        ("Two", "Short."),
        ("Three", long),
    ]
    # In plain text, a # is a character like any other.
    assert propose("# Not a heading", markdown=False)[0].body == "\\# Not a heading"


def test_a_news_article_of_one_sentence_paragraphs_becomes_passages_of_80_to_250_words():
    # Twenty paragraphs of one or two sentences, 10 words each: 300 words.
    paragraphs = [_sentences(1 + n % 2, start=10 * n) for n in range(20)]
    passages = authoring.propose_passages("\n\n".join(paragraphs), markdown=False)
    assert len(passages) == 2
    assert all(80 <= words <= 250 for words in _word_counts(passages))
    # Cut between paragraphs only, nothing lost or moved.
    assert "\n\n".join(p.body for p in passages) == "\n\n".join(paragraphs)


def test_the_seed_text_pasted_is_cut_into_readable_passages():
    # The first text, verbatim (../shared, beside the project): 23 paragraphs of 1 to 84 words.
    text = SEED_TEXT.read_text("utf-8")
    passages = authoring.propose_passages(text, markdown=False)
    counts = _word_counts(passages)
    assert 3 <= len(passages) <= 10
    assert all(80 <= words <= 250 for words in counts), counts
    assert sum(counts) == len(text.split())


def test_a_long_paragraph_is_cut_between_sentences_and_a_long_sentence_between_words():
    propose = authoring.propose_passages
    paragraph = _sentences(40)  # 400 words, no paragraph break
    passages = propose(paragraph, markdown=False)
    assert len(passages) > 1
    assert all(80 <= words <= 250 for words in _word_counts(passages))
    for passage in passages:  # whole sentences only
        assert passage.body.startswith("Sentence ") and passage.body.endswith("word.")
    assert " ".join(p.body for p in passages) == paragraph
    # Abbreviations and initials do not end a sentence.
    words = " ".join(["word"] * 245)
    text = f"Mr. Smith and J. R. Doe met Dr. Who, e.g. at No. 5 today. {words}."
    first = propose(text, markdown=False)[0].body
    assert first.startswith("Mr. Smith and J. R. Doe met Dr. Who, e.g. at No. 5 today.")
    # One sentence of 600 words: cut between words, into runs of at most 250.
    sentence = "It " + " ".join(f"w{n}" for n in range(598)) + " ends."
    passages = propose(sentence, markdown=False)
    assert _word_counts(passages) == [200, 200, 200]
    assert " ".join(p.body for p in passages) == sentence


# Reshaping passages ----------------------------------------------------------------------


def _post(client, view, lesson, position, data=None, **extra):
    return client.post(
        reverse(f"authoring:{view}", args=[lesson.pk, position]), data or {}, **extra
    )


def test_splitting_keeps_every_key_span_on_its_words(client, world, alices):
    draft = alices["draft"]
    first = draft.segments.get(position=1)
    prompts = [p.uid for p in first.prompts.all()]
    words = _words(draft)
    text, _ = _whole_text(draft)
    client.force_login(world.alice)

    response = _post(client, "author_segment_split", draft, 1, {"paragraph": "1"})

    assert response.status_code == 302
    segments = list(draft.segments.order_by("position"))
    assert len(segments) == 3
    assert segments[0].uid == first.uid
    assert segments[1].uid != first.uid
    assert response.url.endswith(f"#passage-{segments[1].uid}")
    assert (
        segments[0].text == "Our glorious leader says the traitors will fail, and fail they will."
    )
    assert segments[1].text.startswith("The traitors always fail.")
    assert _whole_text(draft)[0] == text
    assert _words(draft) == words  # every key span: the same words, the same occurrence
    keys = _keys(draft)
    by_explanation = {k.explanation: k for k in keys.values()}
    assert by_explanation["The first label."].segment == segments[0]
    assert by_explanation["The second label."].segment == segments[1]
    assert (
        by_explanation["The second label."].start,
        by_explanation["The third label."].start,
    ) == (
        4,
        segments[1].text.rindex("traitors"),
    )
    # The prompts stay with the first part; key positions are renumbered in each part.
    assert [p.uid for p in segments[0].prompts.all()] == prompts
    assert not segments[1].prompts.exists()
    assert [k.position for k in segments[1].key_spans.order_by("position")] == [1, 2, 3, 4]


def test_merging_joins_texts_prompts_and_keys_and_keeps_the_words(client, world, alices):
    draft = alices["draft"]
    first, second = draft.segments.order_by("position")
    prompts = [p.uid for p in first.prompts.all()] + [p.uid for p in second.prompts.all()]
    words = _words(draft)
    text, _ = _whole_text(draft)
    client.force_login(world.alice)

    response = _post(client, "author_segment_merge", draft, 1, {"uid": str(first.uid)})

    assert response.status_code == 302
    (merged,) = draft.segments.all()
    assert (merged.uid, merged.position, merged.title) == (first.uid, 1, "First")
    assert merged.text == text
    assert _words(draft) == words
    assert [p.uid for p in merged.prompts.order_by("position")] == prompts
    assert [p.position for p in merged.prompts.order_by("position")] == [1, 2, 3]
    assert [k.position for k in merged.key_spans.order_by("position")] == list(range(1, 8))


def test_split_then_merge_gives_back_the_same_passage(client, world, alices):
    draft = alices["draft"]
    before = _words(draft)
    body = draft.segments.get(position=1).body
    client.force_login(world.alice)
    _post(client, "author_segment_split", draft, 1, {"paragraph": "2"})
    _post(client, "author_segment_split", draft, 1, {"paragraph": "1"})
    assert draft.segments.count() == 4
    _post(client, "author_segment_merge", draft, 2)
    _post(client, "author_segment_merge", draft, 1)
    assert draft.segments.get(position=1).body == body
    assert _words(draft) == before


def test_moving_swaps_passages_with_their_prompts_and_keys(client, world, alices):
    draft = alices["draft"]
    state = _state(draft)
    client.force_login(world.alice)

    response = _post(client, "author_segment_move", draft, 1, {"direction": "down"})

    assert response.status_code == 302
    moved = _state(draft)
    assert [s[0] for s in moved] == [state[1][0], state[0][0]]
    assert [s[2:] for s in moved] == [state[1][2:], state[0][2:]]
    for key in _keys(draft).values():
        assert key.segment.text[key.start : key.end] == key.quote
    page = client.get(reverse("authoring:author_lesson", args=[draft.pk])).content.decode()
    assert page.index("Passage 1: Second") < page.index("Passage 2: First")
    _post(client, "author_segment_move", draft, 2, {"direction": "up"})
    assert _state(draft) == state


def test_with_htmx_the_editor_answers_with_its_part_and_the_news(client, world, alices):
    draft = alices["draft"]
    first = draft.segments.get(position=1)
    client.force_login(world.alice)
    response = _post(
        client, "author_segment_move", draft, 1, {"direction": "down"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.strip().startswith('<div id="editor">')
    assert "<h1" not in page
    assert 'data-hx-swap-oob="innerHTML"' in page
    assert "“First” moved down: it is now passage 2." in page
    # The moved passage is now last, so its "Move up" button takes the focus.
    assert f'id="up-{first.uid}" class="secondary" autofocus' in page
    # The message is not left over for the next page.
    assert (
        "moved down"
        not in client.get(reverse("authoring:author_lesson", args=[draft.pk])).content.decode()
    )


BAD_RESHAPES = [
    ("author_segment_split", 99, {"paragraph": "1"}, 400, "no passage 99"),
    ("author_segment_split", 1, {"paragraph": "3"}, 400, "after paragraph 1 to 2"),
    ("author_segment_split", 1, {"paragraph": "0"}, 400, "greater than or equal to 1"),
    ("author_segment_split", 1, {"paragraph": "one"}, 400, "Enter a whole number"),
    ("author_segment_split", 1, {}, 400, "Choose the paragraph"),
    ("author_segment_split", 2, {"paragraph": "1"}, 400, "has one paragraph"),
    ("author_segment_merge", 2, {}, 400, "is the last one"),
    ("author_segment_merge", 99, {}, 400, "no passage 99"),
    ("author_segment_move", 1, {"direction": "up"}, 400, "is the first one"),
    ("author_segment_move", 2, {"direction": "down"}, 400, "is the last one"),
    ("author_segment_move", 1, {"direction": "sideways"}, 400, "up or down"),
    ("author_segment_move", 1, {"direction": "down", "uid": "stale"}, 409, "changed since"),
    ("author_segment_delete", 1, {"uid": "stale"}, 409, "changed since"),
]


@pytest.mark.parametrize(("view", "position", "data", "status", "message"), BAD_RESHAPES)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_reshapes_are_refused_with_a_message_and_change_nothing(
    client, world, alices, view, position, data, status, message, htmx
):
    draft = alices["draft"]
    state = _state(draft)
    client.force_login(world.alice)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _post(client, view, draft, position, data, **extra)
    assert response.status_code == status
    assert message in response.content.decode()
    assert _state(draft) == state


def test_a_double_submitted_move_moves_once(client, world, alices):
    draft = alices["draft"]
    first = draft.segments.get(position=1)
    client.force_login(world.alice)
    data = {"direction": "down", "uid": str(first.uid)}
    assert _post(client, "author_segment_move", draft, 1, data).status_code == 302
    assert _post(client, "author_segment_move", draft, 1, data).status_code == 409
    assert draft.segments.get(position=2).uid == first.uid


def test_a_split_across_a_key_span_is_refused(client, world, alices):
    draft = alices["draft"]
    segment = draft.segments.get(position=1)
    start = segment.text.index("they will.")
    end = segment.text.index(" always")
    KeySpan.objects.filter(segment=segment, position=1).update(
        start=start, end=end, quote=segment.text[start:end]
    )
    state = _state(draft)
    client.force_login(world.alice)
    response = _post(client, "author_segment_split", draft, 1, {"paragraph": "1"})
    assert response.status_code == 400
    assert "runs across that paragraph break" in response.content.decode()
    assert _state(draft) == state


TWINS = (
    DRAFT.replace("Everyone agrees with us. Join them!", "Join them now, all of you.")
    .replace("Join the march today!", "Join them now, all of you.")
    .replace('- Slogans | "Join the march today" | A call to act.', '- Slogans | "Join" | A call.')
    .replace(
        '- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Claims everyone agrees.',
        '- Slogans | "Join" | Again.',
    )
)


def test_a_merge_keeps_twin_key_spans_each_on_its_own_words(client, world):
    """Both passages end "Join them now, all of you." with a key span on "Join": the editor
    knows which characters went where, so each keeps its own (a search by the words and
    their context could not tell them apart, and refused the merge)."""
    draft = make_draft(world.alice, "twins", "Twins", TWINS)
    words = _words(draft)
    client.force_login(world.alice)

    response = _post(client, "author_segment_merge", draft, 1)

    assert response.status_code == 302
    (merged,) = draft.segments.all()
    assert _words(draft) == words
    call, again = (merged.key_spans.get(explanation=e) for e in ("A call.", "Again."))
    assert merged.text.index("Join them now") == call.start
    assert merged.text.rindex("Join them now") == again.start


LISTS = DRAFT.replace("Join the march today!", "- Join the march today!").replace(
    "Everyone agrees with us. Join them!", "- Everyone agrees with us. Join them!"
)


def test_a_merge_whose_text_reads_otherwise_joined_is_refused_if_a_key_span_loses_its_words(
    client, world
):
    """Two lists joined become one list, whose text is spaced otherwise: the key spans'
    characters cannot be followed, so the merge is refused and nothing changes."""
    draft = make_draft(world.alice, "lists", "Lists", LISTS)
    state = _state(draft)
    client.force_login(world.alice)
    response = _post(client, "author_segment_merge", draft, 1)
    assert response.status_code == 400
    assert "could not be kept on the same words" in response.content.decode()
    assert _state(draft) == state


def test_deleting_a_passage_asks_first_then_renumbers(client, world, alices):
    draft = alices["draft"]
    second = draft.segments.get(position=2)
    client.force_login(world.alice)
    page = client.get(
        reverse("authoring:author_segment_delete", args=[draft.pk, 1])
    ).content.decode()
    assert "Delete passage 1: First?" in page
    assert "its 2 prompts and its 6 key spans are deleted" in page
    assert draft.segments.count() == 2

    response = _post(client, "author_segment_delete", draft, 1)

    assert response.status_code == 302
    assert list(draft.segments.values_list("uid", "position")) == [(second.uid, 1)]
    assert KeySpan.objects.filter(segment__lesson=draft).count() == 1
    assert (
        client.get(reverse("authoring:author_segment_delete", args=[draft.pk, 2])).status_code
        == 404
    )


def test_adding_a_passage_appends_it_and_opens_its_page(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    response = client.post(
        reverse("authoring:author_segment_add", args=[draft.pk]),
        {"title": "Third", "body": "More *words*."},
    )
    added = draft.segments.get(position=3)
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_segment", args=[draft.pk, 3])
    assert (added.title, added.text) == ("Third", "More words.")
    client.post(reverse("authoring:author_segment_add", args=[draft.pk]), {})
    assert draft.segments.get(position=4).body == ""
    response = client.post(
        reverse("authoring:author_segment_add", args=[draft.pk]), {"body": "x" * 20_001}
    )
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    assert draft.segments.count() == 4


def test_the_editor_shows_each_passage_with_its_prompts_and_key_coverage(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    segment_add = reverse("authoring:author_segment_add", args=[draft.pk])
    client.post(segment_add, {"body": "A passage with no key yet."})
    page = client.get(reverse("authoring:author_lesson", args=[draft.pk])).content.decode()
    assert "Passage 1: First" in page
    assert "Our glorious leader says the traitors" in page
    assert (
        "3 paragraphs · 2 prompts · 6 key spans: Loaded language, Name calling / labelling, "
        "Bandwagon, reductio ad Hitlerum, Slogans"
    ) in page
    assert "No answer key yet" in page
    assert page.count("No answer key yet") == 1
    assert reverse("authoring:author_segment", args=[draft.pk, 2]) in page
    assert reverse("authoring:author_segment_split", args=[draft.pk, 1]) in page
    assert (
        '<option value="2">2: The traitors always fail. Everyone knows what the…</option>' in page
    )
    assert reverse("authoring:author_export", args=[draft.pk]) in page
    assert f"{reverse('authoring:author_lesson', args=[draft.pk])}?preview" in page
    assert "The lesson is ready to publish." in page


def test_the_preview_shows_what_students_read(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    page = client.get(
        reverse("authoring:author_lesson", args=[draft.pk]) + "?preview"
    ).content.decode()
    assert "A short <em>fictional</em> text for practice." in page
    assert "Passage 2 of 2: Second" in page
    assert 'class="source-text"' in page
    assert "Written for Lens tests." in page
    assert "Who are &quot;the traitors&quot;?" in page


# Details and preview --------------------------------------------------------------------


def _details(lesson, **change):
    data = {name: getattr(lesson, name) or "" for name in authoring.DETAIL_FIELDS}
    data.update(slug=lesson.slug, taxonomy=lesson.taxonomy_id)
    data.update(change)
    return data


def test_saving_the_details_renders_the_introduction(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    url = reverse("authoring:author_meta", args=[draft.pk])
    response = client.post(
        url, _details(draft, title="New title", introduction="Read **this**.", slug="new-address")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.slug) == ("New title", "new-address")
    assert draft.introduction_html == "<p>Read <strong>this</strong>.</p>"


def test_the_preview_button_shows_the_introduction_without_saving(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    response = client.post(
        reverse("authoring:author_meta", args=[draft.pk]),
        _details(draft, introduction="A *new* intro <script>alert(1)</script>", preview="1"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="source-text" lang="en"><p>A <em>new</em> intro </p></div>' in page
    assert "A *new* intro &lt;script&gt;" in page  # the textarea keeps what was typed
    assert "<script>alert" not in page
    draft.refresh_from_db()
    assert draft.introduction == "A short *fictional* text for practice."


def test_the_introduction_has_a_live_preview_wired_with_htmx(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    page = client.get(reverse("authoring:author_meta", args=[draft.pk])).content.decode()
    preview = reverse("authoring:author_preview", args=[draft.pk])
    assert f'data-hx-post="{preview}?field=introduction"' in page
    assert 'data-hx-trigger="input changed delay:400ms"' in page
    assert 'data-hx-target="#preview-introduction"' in page
    assert " hx-" not in page


def test_the_preview_view_returns_the_sanitised_fragment(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    url = reverse("authoring:author_preview", args=[draft.pk])
    response = client.post(url, {"markdown": "**Bold** <img src=x onerror=alert(1)>"})
    assert response.status_code == 200
    assert (
        response.content.decode()
        == '<div class="source-text" lang="en"><p><strong>Bold</strong> </p></div>'
    )
    response = client.post(f"{url}?field=introduction", {"introduction": "*Hi*"})
    assert (
        response.content.decode() == '<div class="source-text" lang="en"><p><em>Hi</em></p></div>'
    )
    response = client.post(url, {"markdown": "x" * (authoring.MAX_PREVIEW + 1)})
    assert response.status_code == 400
    assert "too long to preview" in response.content.decode()


def test_the_taxonomy_changes_only_before_any_key_span_and_on_revision_1(client, world, alices):
    draft = alices["draft"]
    ipa = Taxonomy.objects.get(slug="ipa-1937")
    client.force_login(world.alice)
    url = reverse("authoring:author_meta", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "The answer key already names techniques from this list" in page
    client.post(url, _details(draft, taxonomy=ipa.pk, title="Kept"))
    draft.refresh_from_db()
    assert (draft.title, draft.taxonomy.slug) == ("Kept", "semeval-2020")

    KeySpan.objects.filter(segment__lesson=draft).delete()
    assert client.post(url, _details(draft, taxonomy=ipa.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.taxonomy == ipa

    published = alices["published"]
    revision = revisions.lesson_edit_draft(lesson=published, by=world.alice)
    KeySpan.objects.filter(segment__lesson=revision).delete()
    url = reverse("authoring:author_meta", args=[revision.pk])
    assert "Earlier revisions use this list" in client.get(url).content.decode()
    assert "Every revision of a lesson keeps the address" in client.get(url).content.decode()
    client.post(url, _details(revision, taxonomy=ipa.pk, slug="another-address"))
    revision.refresh_from_db()
    assert (revision.taxonomy.slug, revision.slug) == ("semeval-2020", published.slug)


def test_bad_details_are_a_400_with_the_input_kept(client, world, alices):
    draft = alices["draft"]
    other = make_draft(world.bob, "bobs-lesson", "Bob's")
    client.force_login(world.alice)
    url = reverse("authoring:author_meta", args=[draft.pk])
    for change, message in [
        ({"slug": other.slug, "title": "Typed title"}, "already uses the address"),
        ({"title": "", "author": "Typed author"}, "This field is required"),
        ({"introduction": "x" * 20_001, "author": "Typed author"}, "at most 20000 characters"),
    ]:
        response = client.post(url, _details(draft, **change))
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert "Typed" in page
    draft.refresh_from_db()
    assert draft.title == "Alice's draft"


# Publish, delete, revisions --------------------------------------------------------------


def test_publishing_lists_what_is_missing_and_refuses_until_it_is_done(client, world):
    client.force_login(world.alice)
    client.post(reverse("authoring:author_new"), _new_data())
    draft = Lesson.objects.get(created_by=world.alice)
    page = client.get(reverse("authoring:author_lesson", args=[draft.pk])).content.decode()
    assert "The lesson needs its author." in page
    response = client.post(reverse("authoring:author_publish", args=[draft.pk]))
    assert response.status_code == 400
    assert "Not published yet." in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published

    details = _details(draft, author="A", audience="B", provenance="C", introduction="D")
    client.post(reverse("authoring:author_meta", args=[draft.pk]), details)
    response = client.post(reverse("authoring:author_publish", args=[draft.pk]))
    assert response.status_code == 302
    assert response.url == reverse("library:lesson_detail", args=[draft.slug])
    draft.refresh_from_db()
    assert draft.is_published
    # Published: no longer editable here, and a second click finds nothing to publish.
    assert client.post(reverse("authoring:author_publish", args=[draft.pk])).status_code == 404
    assert client.get(reverse("authoring:author_lesson", args=[draft.pk])).status_code == 404


def test_editing_a_published_lesson_starts_the_next_revision(client, world, alices):
    published = alices["published"]
    factories.make_assignment(world.class_a, published)
    client.force_login(world.alice)
    detail = reverse("library:lesson_detail", args=[published.slug])
    page = client.get(detail).content.decode()
    assert "Revision 1" in page
    assert "Edit (starts revision 2)" in page

    response = client.post(reverse("authoring:lesson_edit", args=[published.slug]))

    draft = Lesson.objects.get(root=published)
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_lesson", args=[draft.pk])
    assert (draft.revision, draft.is_published, draft.slug) == (2, False, published.slug)
    page = client.get(response.url).content.decode()
    assert "Revision 2, draft" in page
    assert "Classes that have revision 1 stay on it" in page
    assert "Continue editing revision 2" in client.get(detail).content.decode()
    # A second click continues the same draft.
    assert client.post(reverse("authoring:lesson_edit", args=[published.slug])).url == response.url
    assert Lesson.objects.filter(root=published).count() == 1

    # Reshaping the draft leaves the published revision exactly as it was.
    state = _state(published)
    _post(client, "author_segment_split", draft, 1, {"paragraph": "1"})
    _post(client, "author_segment_move", draft, 2, {"direction": "down"})
    assert _state(published) == state

    response = client.post(reverse("authoring:author_publish", args=[draft.pk]), follow=True)
    assert "Revision 2 is published" in response.content.decode()
    published.refresh_from_db()
    assert published.is_replaced
    assert world.class_a.assignments.get(lesson__slug=published.slug).lesson == published
    client.force_login(world.bob)
    library = client.get(reverse("library:library")).content.decode()
    assert "Published · revision 2" in library


def test_a_draft_is_deleted_after_confirmation_but_never_a_published_lesson(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    page = client.get(reverse("authoring:author_delete", args=[draft.pk])).content.decode()
    assert "Delete the draft “Alice&#x27;s draft”?" in page
    response = client.post(reverse("authoring:author_delete", args=[draft.pk]))
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_home")
    assert not Lesson.objects.filter(pk=draft.pk).exists()
    published = alices["published"]
    assert client.post(reverse("authoring:author_delete", args=[published.pk])).status_code == 404
    # A draft revision goes; the published revision stays.
    revision = revisions.lesson_edit_draft(lesson=published, by=world.alice)
    client.post(reverse("authoring:author_delete", args=[revision.pk]))
    assert list(Lesson.objects.filter(slug=published.slug)) == [published]


# Exports ------------------------------------------------------------------------------------


def test_a_lesson_exports_as_its_lesson_file(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    response = client.get(reverse("authoring:author_export", args=[draft.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="alices-draft.md"'
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text == dump_lesson(services.lesson_to_data(draft))
    assert text == DRAFT.format(title="Alice's draft", slug="alices-draft")


def test_a_zip_holds_the_chosen_lessons(client, world, alices):
    client.force_login(world.alice)
    lessons = [alices["draft"], world.assignment.lesson]
    response = client.get(
        reverse("authoring:author_export_zip"), {"lesson": [x.pk for x in lessons]}
    )
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="lessons.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert files == {
        f"{x.slug}.md": dump_lesson(services.lesson_to_data(x))
        for x in Lesson.objects.filter(pk__in=[x.pk for x in lessons])
    }


@pytest.mark.parametrize(
    ("query", "status"),
    [({}, 400), ({"lesson": "abc"}, 404), ({"lesson": "999999"}, 404), ({"lesson": "bob"}, 404)],
)
def test_a_zip_of_nothing_or_of_what_is_not_mine_is_refused(client, world, alices, query, status):
    bobs = make_draft(world.bob, "bobs-draft", "Bob's draft")
    client.force_login(world.alice)
    if query.get("lesson") == "bob":
        query = {"lesson": [alices["draft"].pk, bobs.pk]}
    response = client.get(reverse("authoring:author_export_zip"), query)
    assert response.status_code == status
    if status == 400:
        assert "Choose at least one lesson to export." in response.content.decode()


# Imports ------------------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _lesson_file(slug: str, title: str = "Imported") -> bytes:
    return factories.SMALL_LESSON.format(title=title, slug=slug).encode()


def test_an_uploaded_lesson_file_becomes_my_draft(client, world):
    client.force_login(world.bob)
    response = client.post(
        reverse("authoring:author_import"), {"file": _file("one.md", _lesson_file("imported-one"))}
    )
    lesson = Lesson.objects.get(slug="imported-one")
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_lesson", args=[lesson.pk])
    assert (lesson.created_by, lesson.is_published) == (world.bob, False)
    assert KeySpan.objects.filter(segment__lesson=lesson).count() == 4


def test_a_draft_exported_before_its_details_are_written_imports_back_as_a_draft(client, world):
    """Nothing but a title and the text: no author, audience, provenance or introduction,
    and an empty passage added at the end."""
    client.force_login(world.alice)
    client.post(reverse("authoring:author_new"), _new_data() | {"title": "Half done"})
    draft = Lesson.objects.get(created_by=world.alice)
    authoring.segment_add(lesson=draft)
    exported = client.get(reverse("authoring:author_export", args=[draft.pk])).content
    zipped = client.get(reverse("authoring:author_export_zip"), {"lesson": [draft.pk]}).content
    before = _state(draft)
    for upload in (_file("half-done.md", exported), _file("lessons.zip", zipped)):
        authoring.lesson_delete(lesson=Lesson.objects.get(slug="half-done"))

        response = client.post(reverse("authoring:author_import"), {"file": upload})

        back = Lesson.objects.get(slug="half-done")
        assert response.status_code == 302
        assert (back.created_by, back.is_published, back.title) == (world.alice, False, "Half done")
        assert (back.author, back.audience, back.provenance, back.introduction) == ("",) * 4
        assert [row[1:4] for row in _state(back)] == [row[1:4] for row in before]
        assert client.get(reverse("authoring:author_export", args=[back.pk])).content == exported
    # Publishing still asks for everything it needs.
    page = client.get(reverse("authoring:author_lesson", args=[back.pk])).content.decode()
    for needed in ("its author", "its audience", "its provenance", "its introduction"):
        assert_in_fragment(page, "ul.problems", f"The lesson needs {needed}.")
    assert_in_fragment(page, "ul.problems", "Passage 2 has no text.")
    response = client.post(reverse("authoring:author_publish", args=[back.pk]))
    assert not Lesson.objects.get(pk=back.pk).is_published


def test_a_zip_of_lesson_files_becomes_my_drafts(client, world):
    client.force_login(world.bob)
    data = _zip({"a.md": _lesson_file("zip-a"), "dir/b.md": _lesson_file("zip-b"),
                 "__MACOSX/._a.md": b"\x00\x01", "dir/": b""})  # fmt: skip
    response = client.post(reverse("authoring:author_import"), {"file": _file("two.zip", data)})
    assert response.status_code == 302
    assert response.url == reverse("authoring:author_home")
    drafts = Lesson.objects.filter(created_by=world.bob, is_published=False)
    assert sorted(drafts.values_list("slug", flat=True)) == ["zip-a", "zip-b"]


BROKEN = _lesson_file("broken").replace(b'traitors" #2', b'traitorz" #2')


@pytest.mark.parametrize(
    ("name", "data", "messages"),
    [
        ("bad.md", BROKEN, ["bad.md:31: the quote &#x27;traitorz&#x27; is not in this segment"]),
        (
            "taken.md",
            _lesson_file("practice-taken"),
            ["taken.md:3: a lesson with slug &#x27;practice-taken&#x27; exists"],
        ),
        (
            "latin1.md",
            "---\ntitle: Caf\u00e9\n".encode("latin-1"),
            ["latin1.md:2: this is not UTF-8"],
        ),
        ("notes.txt", b"hello", ["notes.txt: upload a lesson file (.md)"]),
        ("fake.zip", b"not a zip", ["fake.zip: this is not a zip file"]),
        (
            "mixed.zip",
            _zip({"good.md": _lesson_file("zip-good"), "bad.md": BROKEN, "x.pdf": b"%PDF"}),
            [
                "mixed.zip/bad.md:31: the quote",
                "mixed.zip/x.pdf: not a lesson file",
            ],
        ),
        (
            "twice.zip",
            _zip({"a.md": _lesson_file("same-slug"), "b.md": _lesson_file("same-slug")}),
            ["twice.zip/b.md:3: a lesson with slug &#x27;same-slug&#x27; exists"],
        ),
        ("empty.zip", _zip({"readme/": b""}), ["empty.zip: the zip holds no lesson file"]),
    ],
)
def test_a_bad_upload_names_every_problem_and_imports_nothing(client, world, name, data, messages):
    factories.make_lesson(factories.SMALL_LESSON.format(title="Taken", slug="practice-taken"))
    client.force_login(world.alice)
    before = _snapshot()
    response = client.post(reverse("authoring:author_import"), {"file": _file(name, data)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported." in page
    for message in messages:
        assert message in page
    assert _snapshot() == before


def test_a_refused_import_is_logged_with_the_user_the_files_and_the_count(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lessons.authoring.services")
    client.force_login(world.alice)
    data = _zip({"bad.md": BROKEN, "x.pdf": b"%PDF"})

    client.post(reverse("authoring:author_import"), {"file": _file("mixed.zip", data)})

    [record] = [r for r in caplog.records if r.name == "lessons.authoring.services"]
    assert record.levelno == logging.WARNING
    assert (record.user_id, record.files, record.problems) == (world.alice.pk, ["mixed.zip"], 2)


def test_publishing_is_logged_with_the_lesson_and_its_author(client, world, alices, caplog):
    caplog.set_level(logging.INFO, logger="lessons.library.services")
    draft = alices["draft"]
    client.force_login(world.alice)

    client.post(reverse("authoring:author_publish", args=[draft.pk]))

    [record] = [r for r in caplog.records if r.name == "lessons.library.services"]
    assert record.levelno == logging.INFO
    assert "published lesson" in record.getMessage()
    assert (record.lesson_id, record.user_id) == (draft.pk, world.alice.pk)


def test_oversized_uploads_and_zip_bombs_are_refused(client, world, settings):
    client.force_login(world.alice)
    before = _snapshot()
    cases = [
        ("big.md", b"x" * (2 * 1024 * 1024 + 1), "big.md: the upload is larger than 2 MB"),
        (
            "many.zip",
            _zip({f"l{n}.md": b"x" for n in range(201)}),
            "the zip holds 201 files; at most 200",
        ),
        ("bomb.zip", _bomb(), "uncompressed; at most 20 MB"),
        ("bigfile.zip", _zip({"a.md": b" " * (2 * 1024 * 1024 + 1)}), "too large for a lesson"),
    ]
    for name, data, message in cases:
        response = client.post(reverse("authoring:author_import"), {"file": _file(name, data)})
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    assert client.post(reverse("authoring:author_import"), {}).status_code == 400
    assert _snapshot() == before


def _bomb() -> bytes:
    """A zip of a few kilobytes that unpacks to 30 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            archive.writestr(f"bomb{n}.md", b"\0" * (10 * 1024 * 1024))
    return buffer.getvalue()


# Query counts --------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _lesson_with(owner, passages: int) -> Lesson:
    segments = "\n".join(
        f"## Segment: Part {n}\n\nOur glorious leader says the traitors will fail.\n\n"
        "The traitors always fail.\n\n### Prompts\n\n- text: Why?\n\n### Key\n\n"
        '- Loaded_Language | "glorious leader" | Praise.\n'
        '- Name_Calling,Labeling | "traitors" #2 | A label.\n'
        for n in range(passages)
    )
    head, _, _ = DRAFT.partition("## Segment: First")
    source = head.format(title=f"Long {passages}", slug=f"long-{passages}") + segments
    return services.lesson_import(data=parse_lesson(source), created_by=owner, is_published=False)


def test_the_editor_makes_as_many_queries_for_30_passages_as_for_3(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    small, large = _lesson_with(world.alice, 3), _lesson_with(world.alice, 30)
    for suffix in ("", "?preview"):
        few = _count(client, reverse("authoring:author_lesson", args=[small.pk]) + suffix)
        with django_assert_max_num_queries(few):
            response = client.get(reverse("authoring:author_lesson", args=[large.pk]) + suffix)
        assert "Part 29" in response.content.decode()


def test_my_lessons_makes_as_many_queries_for_30_lessons_as_for_3(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    for n in range(3):
        lesson = make_draft(world.alice, f"few-{n}", f"Few {n}")
    revisions.lesson_publish(lesson=lesson)
    factories.make_assignment(world.class_a, lesson)
    revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    few = _count(client, reverse("authoring:author_home"))
    for n in range(27):
        lesson = make_draft(world.alice, f"more-{n}", f"More {n}")
        if n % 2:
            revisions.lesson_publish(lesson=lesson)
            factories.make_assignment(world.class_b, lesson)
        if n % 4 == 1:
            revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("authoring:author_home"))
    assert len(response.context["lessons"]) >= 30
