"""The passage editor: an author changes a draft passage's text, its prompts and its answer
key. Key spans follow their words when the text changes, or are listed, never moved to
other words; nobody but the author reaches a draft, and nothing published changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.refusals import Refusal
from lessons.authoring import services as authoring
from lessons.authoring.forms import MAX_BODY_LENGTH
from lessons.library import services
from lessons.library.anchoring import locate
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique

from . import factories
from .conftest import PERSONAS
from .html import assert_in_fragment, select, text

LOGIN = "login"
HTMX = {"HTTP_HX_REQUEST": "true"}
PANEL = {**HTMX, "HTTP_HX_TRIGGER": "selection-form"}  # htmx names the form that posts
XSS = "<script>alert('XSS')</script> and <img src=x onerror=alert(1)>"
TWO_PARAGRAPHS = factories.SMALL_LESSON.replace(
    "Everyone 𝒜gree𝓈 with us. Join them!", "Everyone 𝒜gree𝓈 with us.\n\nJoin them! Join them!"
)


def _import(owner, *, published=False, slug="alices-draft", source=factories.SMALL_LESSON):
    return services.lesson_import(
        data=parse_lesson(source.format(title="Alice's lesson", slug=slug)),
        created_by=owner,
        is_published=published,
    )


@pytest.fixture
def draft(world) -> Lesson:
    return _import(world.alice, source=TWO_PARAGRAPHS)


@pytest.fixture
def alice(client, world):
    client.force_login(world.alice)
    return world.alice


def _segment(lesson, position=1) -> Segment:
    return lesson.segments.get(position=position)


def _technique(lesson, code) -> Technique:
    return lesson.taxonomy.techniques.get(code=code)


def _key(lesson, quote, position=1, n=0) -> KeySpan:
    return KeySpan.objects.filter(segment=_segment(lesson, position), quote=quote).order_by(
        "start"
    )[n]


def _prompt(lesson, kind, position=1) -> Prompt:
    return Prompt.objects.get(segment__lesson=lesson, segment__position=position, kind=kind)


def _url(name, lesson, position=1, *ids) -> str:
    return reverse(f"authoring:{name}", args=[lesson.pk, position, *ids])


def _keys(lesson, position=1):
    return list(
        KeySpan.objects.filter(segment__lesson=lesson, segment__position=position)
        .order_by("start", "technique__position")
        .values_list("uid", "technique__code", "start", "end", "quote", "explanation")
    )


def _prompts(lesson, position=1):
    return list(
        Prompt.objects.filter(segment__lesson=lesson, segment__position=position)
        .order_by("position")
        .values_list("uid", "position", "kind", "text")
    )


def _snapshot():
    """Everything an authoring request may change."""
    return {
        "segments": list(
            Segment.objects.order_by("pk").values_list("pk", "title", "body", "body_html", "text")
        ),
        "prompts": list(
            Prompt.objects.order_by("pk").values_list("pk", "uid", "position", "kind", "text")
        ),
        "keys": list(
            KeySpan.objects.order_by("pk").values_list(
                "pk", "uid", "technique", "start", "end", "quote", "explanation"
            )
        ),
    }


def _body(lesson, position=1) -> str:
    return _segment(lesson, position).body


# Who may do what ------------------------------------------------------------------------

VIEWS = {
    #  name:                  (method, url, data)
    "author_segment": ("get", lambda d: _url("author_segment", d), None),
    "author_segment-save": (
        "post",
        lambda d: _url("author_segment", d),
        lambda d: {"title": "First", "markdown": f"Hello. {_body(d)}"},
    ),
    "author_prompt_add": (
        "post",
        lambda d: _url("author_prompt_add", d),
        lambda d: {"prompt-kind": "text", "prompt-text": "Who says so?"},
    ),
    "author_prompt_edit": (
        "post",
        lambda d: _url("author_prompt_edit", d, 1, _prompt(d, "text").pk),
        lambda d: {f"p{_prompt(d, 'text').pk}-kind": "text", f"p{_prompt(d, 'text').pk}-text": "?"},
    ),
    "author_prompt_delete": (
        "post",
        lambda d: _url("author_prompt_delete", d, 1, _prompt(d, "text").pk),
        lambda d: {},
    ),
    "author_prompt_move": (
        "post",
        lambda d: _url("author_prompt_move", d, 1, _prompt(d, "text").pk),
        lambda d: {"direction": "up"},
    ),
    "author_key_add": (
        "post",
        lambda d: _url("author_key_add", d),
        lambda d: {
            "quote": "always fail",
            "technique": _technique(d, "Doubt").pk,
            "explanation": "A certainty nobody can check.",
        },
    ),
    "author_key_edit": (
        "post",
        lambda d: _url("author_key_edit", d, 1, _key(d, "glorious leader").pk),
        lambda d: {
            f"k{_key(d, 'glorious leader').pk}-technique": _technique(d, "Doubt").pk,
            f"k{_key(d, 'glorious leader').pk}-explanation": "Changed.",
        },
    ),
    "author_key_delete": (
        "post",
        lambda d: _url("author_key_delete", d, 1, _key(d, "glorious leader").pk),
        lambda d: {},
    ),
}
OWNER_GETS = {"author_segment": 200}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", list(VIEWS))
def test_only_the_author_reaches_the_passage_editor(client, world, draft, view, persona):
    method, url, data = VIEWS[view]
    url = url(draft)
    data = data(draft) if data else None
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    before = _snapshot()

    response = getattr(client, method)(url, data)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    elif persona == "alice":
        assert response.status_code == OWNER_GETS.get(view, 302)
        if method == "post":
            assert _snapshot() != before
        return
    else:
        assert response.status_code == 404
        assert "Alice's lesson" not in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("view", [v for v in VIEWS if v.startswith("author_") and "-" not in v][1:])
def test_a_post_only_view_refuses_get(client, world, draft, alice, view):
    _, url, _ = VIEWS[view]
    before = _snapshot()
    assert client.get(url(draft)).status_code == 405
    assert _snapshot() == before


@pytest.mark.parametrize("view", list(VIEWS))
def test_a_published_lesson_is_not_edited_even_by_its_author(client, world, alice, view):
    published = _import(world.alice, published=True, slug="alices-published")
    method, url, data = VIEWS[view]
    before = _snapshot()

    response = getattr(client, method)(url(published), data(published) if data else None)

    assert response.status_code == 404
    assert _snapshot() == before


def test_a_passage_that_does_not_exist_is_404(client, draft, alice):
    for position in (0, 3, 999):
        response = client.get(reverse("authoring:author_segment", args=[draft.pk, position]))
        assert response.status_code == 404
        assert "This lesson has no such passage." in response.content.decode()
    assert client.post(_url("author_key_add", draft, 3), {"quote": "x"}).status_code == 404


def test_a_lesson_published_meanwhile_is_refused_by_the_services(draft):
    segment = _segment(draft)
    Lesson.objects.filter(pk=draft.pk).update(is_published=True)
    before = _snapshot()

    with pytest.raises(Refusal) as refusal:
        authoring.prompt_create(segment=segment, kind="text", text="New?")
    with pytest.raises(Refusal):
        authoring.segment_update(segment=segment, title="", body="Other words.")

    assert refusal.value.status == 409
    assert "published" in str(refusal.value)
    assert _snapshot() == before


# The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_passage_its_neighbours_and_the_coverage(client, draft, alice):
    page = client.get(_url("author_segment", draft, 2)).content.decode()

    assert "Passage 2 of 2: Second" in page
    assert f'href="{_url("author_segment", draft, 1)}"' in page
    assert "Next passage" not in page
    assert f'href="{reverse("authoring:author_lesson", args=[draft.pk])}"' in page
    assert "Everyone 𝒜gree𝓈 with us." in page
    assert "1 key span: Bandwagon, reductio ad Hitlerum." in page
    assert "2 prompts: Highlight the techniques, Written answer." in page

    first = client.get(_url("author_segment", draft, 1)).content.decode()
    assert "3 key spans: Name calling / labelling ×2, Loaded language." in first
    assert f'href="{_url("author_segment", draft, 2)}"' in first


def test_the_live_preview_is_wired_to_the_preview_endpoint(client, draft, alice):
    page = client.get(_url("author_segment", draft)).content.decode()

    form = re.search(r'<form id="segment-form"[^>]*>', page)[0]
    assert f'data-hx-post="{reverse("authoring:author_preview", args=[draft.pk])}"' in form
    assert 'data-hx-trigger="input changed delay:400ms"' in form
    assert 'data-hx-target="#preview"' in form
    assert 'name="markdown"' in page
    assert re.search(r'<div id="preview"[^>]*aria-live="polite"', page)
    assert " hx-" not in page


def test_the_key_is_marked_in_the_text_for_the_highlight_component(client, draft, alice):
    page = client.get(_url("author_segment", draft)).content.decode()

    text = re.search(r"<div[^>]*data-segment-text[^>]*>(.*?)</div>", page, re.S)[1]
    assert re.search(r"<mark[^>]*>glorious leader</mark><span[^>]*data-anchor-ignore", text)
    assert "Loaded language</span>" in text
    assert 'id="highlight-form"' in page
    assert 'id="workspace-status"' in page
    for name in ("quote", "start", "end", "occurrence", "technique", "explanation"):
        assert f'name="{name}"' in page


def test_an_empty_explanation_shows_as_missing(client, draft, alice):
    KeySpan.objects.filter(pk=_key(draft, "glorious leader").pk).update(explanation="")

    page = client.get(_url("author_segment", draft)).content.decode()

    assert "Explanation missing" in page
    assert "(1 without an explanation)" in page


# The text -------------------------------------------------------------------------------


def test_preview_without_javascript_shows_the_typed_text_and_saves_nothing(client, draft, alice):
    before = _snapshot()
    typed = "Our *glorious leader* 😀 says the **traitors** will fail. The traitors always fail."

    response = client.post(
        _url("author_segment", draft), {"title": "First", "markdown": typed, "preview": "1"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<em>glorious leader</em>" in page
    assert "Not saved yet" in page
    assert "Our *glorious leader* 😀" in page  # the typed text is kept in the form
    assert _snapshot() == before


def test_saving_a_changed_text_keeps_each_key_span_on_its_words(client, draft, alice):
    before = {k[0]: k for k in _keys(draft)}
    added = "Listen, citizens! "
    body = f"{added}{_body(draft)} They always do."

    response = client.post(_url("author_segment", draft), {"title": "First!", "markdown": body})

    assert response.status_code == 302
    segment = _segment(draft)
    assert segment.title == "First!"
    assert segment.body == body
    assert segment.text.startswith("Listen, citizens! Our glorious leader 😀")
    assert "<strong>traitors</strong>" in segment.body_html
    after = _keys(draft)
    assert len(after) == 3
    for uid, code, start, end, quote, explanation in after:
        old = before[uid]
        assert (code, quote, explanation) == (old[1], old[4], old[5])
        assert segment.text[start:end] == quote
    shifts = [a[2] - before[a[0]][2] for a in after]
    assert shifts == [len(added)] * 3
    page = client.get(response.url).content.decode()
    assert "Passage 1 is saved." in page
    assert "3 key spans moved with their words" in page


def test_a_text_that_loses_key_words_is_refused_then_saved_when_the_author_agrees(
    client, draft, alice
):
    before = _snapshot()
    body = _body(draft).replace("Our glorious leader", "Our leader")
    leader = _key(draft, "glorious leader")

    refused = client.post(_url("author_segment", draft), {"title": "First", "markdown": body})

    page = refused.content.decode()
    assert refused.status_code == 400
    assert "1 key span would not fit the changed text" in page
    assert "<q>glorious leader</q> — <strong>Loaded language</strong>" in page
    assert "Praise words that ask for admiration." in page
    assert "the words are no longer in the text" in page
    assert "Remove this key span and save" in page
    assert f'<input type="hidden" name="unplaced" value="{leader.pk}">' in page
    assert "Our leader 😀 says" in page  # the typed text is kept
    assert _snapshot() == before

    confirmed = client.post(
        _url("author_segment", draft),
        {"title": "First", "markdown": body, "unplaced": [leader.pk], "remove_unplaced": "1"},
    )

    assert confirmed.status_code == 302
    assert _body(draft) == body
    text = _segment(draft).text
    assert [(k[1], k[4]) for k in _keys(draft)] == [
        ("Name_Calling,Labeling", "traitors"),
        ("Name_Calling,Labeling", "traitors"),
    ]
    assert all(text[k[2] : k[3]] == k[4] for k in _keys(draft))
    page = client.get(confirmed.url).content.decode()
    assert "Removed from the key: “glorious leader” (Loaded language)." in page


def test_removal_is_refused_when_the_text_would_lose_more_than_the_author_agreed_to(
    client, draft, alice
):
    leader = _key(draft, "glorious leader")
    body = "Our leader says the foes will fail."
    before = _snapshot()

    response = client.post(
        _url("author_segment", draft),
        {"title": "First", "markdown": body, "unplaced": [leader.pk], "remove_unplaced": "1"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "3 key spans would not fit the changed text" in page
    assert "Remove these 3 key spans and save" in page
    assert _snapshot() == before


def test_ticking_the_box_without_a_list_removes_nothing(client, draft, alice):
    before = _snapshot()
    body = _body(draft).replace("glorious ", "")

    response = client.post(
        _url("author_segment", draft), {"title": "", "markdown": body, "remove_unplaced": "1"}
    )

    assert response.status_code == 400
    assert _snapshot() == before


def test_two_key_spans_never_end_on_the_same_words(client, draft, alice):
    """The first "traitors" goes: its key span is listed, the second keeps its own words."""
    first, second = _key(draft, "traitors", n=0), _key(draft, "traitors", n=1)
    body = _body(draft).replace("says the **traitors** will fail", "says they will fail")

    response = client.post(_url("author_segment", draft), {"title": "", "markdown": body})

    page = response.content.decode()
    assert response.status_code == 400
    assert f'name="unplaced" value="{first.pk}"' in page
    assert f'name="unplaced" value="{second.pk}"' not in page
    client.post(
        _url("author_segment", draft),
        {"title": "", "markdown": body, "unplaced": [first.pk], "remove_unplaced": "1"},
    )
    second.refresh_from_db()
    text = _segment(draft).text
    assert text[second.start : second.end] == "traitors"
    assert text[second.start - 4 : second.start] == "The "
    assert not KeySpan.objects.filter(pk=first.pk).exists()


def test_words_that_occurred_twice_keep_the_reading_of_the_edit_when_one_is_cut(draft):
    """Cutting the words between two "traitors" leaves one. The editor reads one cut as made
    as late as possible, so the first "traitors" is the one left: its key span stays on it,
    and the second's, whose own characters were cut, is listed. Neither is ever put on the
    other's words because they are the same words."""
    segment = _segment(draft)
    keys = list(segment.key_spans.filter(quote="traitors").order_by("start"))
    new_text = "Our glorious leader 😀 says the traitors always fail."

    placed, unplaced = authoring.place_keys(keys, segment.text, new_text)

    assert [(key.pk, anchor.start) for key, anchor in placed] == [(keys[0].pk, keys[0].start)]
    assert [(item.key.pk, item.reason) for item in unplaced] == [
        (keys[1].pk, "its own words were changed, though the same words stand elsewhere"),
    ]


def test_a_key_span_stays_on_its_own_words_when_the_same_words_follow_it(draft):
    """A word added after the first "traitors" changes the words around it; the same words
    further on are the second key span's, and each key span keeps its own."""
    segment = _segment(draft)
    keys = list(segment.key_spans.filter(quote="traitors").order_by("start"))
    new_text = segment.text.replace("traitors will", "traitors, all of them, will")

    placed, unplaced = authoring.place_keys(keys, segment.text, new_text)

    assert unplaced == []
    assert [(key.pk, anchor.start) for key, anchor in placed] == [
        (keys[0].pk, keys[0].start),
        (keys[1].pk, keys[1].start + len(", all of them,")),
    ]


def test_a_title_change_alone_keeps_the_key_as_it_is(client, draft, alice):
    keys = _keys(draft)

    response = client.post(
        _url("author_segment", draft), {"title": "  A  new\ttitle ", "markdown": _body(draft)}
    )

    assert response.status_code == 302
    assert _segment(draft).title == "A new title"
    assert _keys(draft) == keys


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("", "The passage needs some text."),
        ("   \n  ", "The passage needs some text."),
        ("x" * (MAX_BODY_LENGTH + 1), "The text is longer than 20,000 characters."),
        ("<script>alert(1)</script>", "The passage shows no text"),
        ("Words.\n\n## Segment: sneaky", "A line may not start with ## or ###"),
        ("Words.\n### Key", "A line may not start with ## or ###"),
    ],
    ids=["empty", "blank", "oversize", "only-markup", "section", "subsection"],
)
def test_a_bad_text_is_refused_and_kept_in_the_form(client, draft, alice, markdown, message):
    before = _snapshot()

    for extra in ({}, {"preview": "1"}):
        response = client.post(
            _url("author_segment", draft), {"title": "First", "markdown": markdown, **extra}
        )
        assert response.status_code == 400
        assert message in response.content.decode()
    assert _snapshot() == before


def test_a_body_of_the_maximum_length_is_saved(client, draft, alice):
    body = "Everyone 𝒜gree𝓈 with us. "
    body += "x" * (MAX_BODY_LENGTH - len(body))

    response = client.post(_url("author_segment", draft, 2), {"title": "", "markdown": body})

    assert response.status_code == 302
    assert _body(draft, 2) == body
    assert _keys(draft, 2)[0][2:5] == (0, 23, "Everyone 𝒜gree𝓈 with us")


def test_markdown_is_sanitised_in_the_preview_and_the_saved_text(client, draft, alice):
    body = f"Safe words. {XSS} [link](javascript:alert(1))"

    preview = client.post(
        _url("author_segment", draft, 2), {"title": "", "markdown": body, "preview": "1"}
    ).content.decode()
    client.post(
        _url("author_segment", draft, 2),
        {
            "title": "",
            "markdown": body,
            "unplaced": [k.pk for k in _segment(draft, 2).key_spans.all()],
            "remove_unplaced": "1",
        },
    )
    saved = client.get(_url("author_segment", draft, 2)).content.decode()

    assert _body(draft, 2) == body
    for page in (preview, saved):
        assert "<script>alert" not in page
        assert "<img" not in page
        assert not re.search(r"<[^<>]*onerror", page)
        assert 'href="javascript:' not in page
        assert "&lt;script&gt;alert(&#x27;XSS&#x27;)&lt;/script&gt;" in page  # in the textarea
    assert "<script" not in _segment(draft, 2).body_html


# The answer key ---------------------------------------------------------------------------


def _add(client, lesson, position=1, **data):
    data.setdefault("technique", _technique(lesson, "Doubt").pk)
    data.setdefault("explanation", "Nobody can check this.")
    return client.post(_url("author_key_add", lesson, position), data)


def test_a_key_span_by_offsets_counts_code_points(client, draft, alice):
    text = _segment(draft).text
    start = text.index("always fail")

    response = _add(client, draft, quote="always fail", start=start, end=start + 11)

    assert response.status_code == 302
    assert response.url == _url("author_segment", draft) + "#key"
    key = KeySpan.objects.get(quote="always fail")
    assert (key.start, key.end, key.technique.code) == (start, start + 11, "Doubt")
    assert text.index("😀") < start
    assert key.explanation == "Nobody can check this."
    assert key.position == 4
    page = client.get(response.url).content.decode()
    assert "Added “always fail” to the key as Doubt." in page
    assert "4 key spans: Name calling / labelling ×2, Loaded language, Doubt." in page


def test_a_selection_is_trimmed_and_explanations_kept_on_one_line(client, draft, alice):
    text = _segment(draft).text
    start = text.index(" always fail.")

    _add(
        client, draft, quote=" always fail.", start=start, end=start + 13,
        explanation="Nobody\r\ncan   check.",
    )  # fmt: skip

    key = KeySpan.objects.get(quote="always fail")
    assert (key.start, key.end) == (start + 1, start + 12)
    assert key.explanation == "Nobody can check."


def test_a_key_span_by_a_typed_quote(client, draft, alice):
    response = _add(client, draft, quote="  WILL   fail ", occurrence="")

    assert response.status_code == 302
    key = KeySpan.objects.get(technique__code="Doubt")
    text = _segment(draft).text
    assert key.quote == text[key.start : key.end] == "will fail"


def test_an_ambiguous_typed_quote_asks_which_one_then_stores_the_chosen_one(client, draft, alice):
    asked = _add(client, draft, quote="fail")

    page = asked.content.decode()
    assert asked.status_code == 400
    assert "Which one do you mean?" in page
    assert "These words appear 2 times in this passage." in page
    assert page.count('name="occurrence" value=') == 2
    assert not KeySpan.objects.filter(quote="fail").exists()

    chosen = _add(client, draft, quote="fail", occurrence=2)

    assert chosen.status_code == 302
    key = KeySpan.objects.get(quote="fail")
    text = _segment(draft).text
    assert key.start == text.rindex("fail")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quote": "", "start": 0, "end": 500}, "That selection is outside this passage."),
        ({"quote": "", "start": 10, "end": 5}, "That selection is outside this passage."),
        ({"quote": "", "start": -1, "end": 5}, "The selected words could not be read."),
        ({"quote": "freedom fries"}, "“freedom fries” is not in this passage."),
        ({"quote": ""}, "Type or select the words"),
        ({"quote": "traitors", "occurrence": 3}, "That occurrence of the words does not exist."),
        ({"quote": "leader", "start": 4, "end": 12}, "The selected words do not match"),
        ({"explanation": ""}, "Write why these words use the technique."),
        ({"explanation": "x" * 2001}, "at most 2000 characters"),
        ({"explanation": 'He says "no" | yes'}, "may not have a double quote followed by |"),
        ({"technique": "999999"}, "Choose a technique from this lesson"),
        ({"technique": "nine"}, "Choose a technique from this lesson"),
        ({"technique": ""}, "This field is required."),
    ],
    ids=[
        "beyond-end", "reversed", "negative", "not-in-text", "empty", "no-such-occurrence",
        "mismatch", "no-explanation", "long-explanation", "explanation-ends-quote",
        "unknown-technique", "not-a-number", "no-technique",
    ],
)  # fmt: skip
def test_a_key_span_that_cannot_be_placed_is_refused(client, draft, alice, data, message):
    before = _snapshot()

    response = _add(client, draft, **{"quote": "always fail", **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot() == before


def test_a_technique_of_another_taxonomy_is_refused(client, draft, alice):
    foreign = Technique.objects.exclude(taxonomy=draft.taxonomy).first()
    leader = _key(draft, "glorious leader")
    before = _snapshot()

    added = _add(client, draft, quote="always fail", technique=foreign.pk)
    edited = client.post(
        _url("author_key_edit", draft, 1, leader.pk),
        {f"k{leader.pk}-technique": foreign.pk, f"k{leader.pk}-explanation": "Hm."},
    )

    for response in (added, edited):
        assert response.status_code == 400
        assert "Choose a technique from this lesson" in response.content.decode()
    assert _snapshot() == before


def test_a_key_span_across_paragraphs_is_refused(client, draft, alice):
    text = _segment(draft, 2).text
    assert "\n" in text
    start = text.index("us.")
    before = _snapshot()

    response = _add(client, draft, 2, quote=text[start : start + 8], start=start, end=start + 8)

    assert response.status_code == 400
    assert "A key span stays within one paragraph" in response.content.decode()
    assert _snapshot() == before


def test_the_same_words_with_the_same_technique_twice_are_refused(client, draft, alice):
    loaded = _technique(draft, "Loaded_Language").pk
    before = _snapshot()

    response = _add(client, draft, quote="glorious leader", technique=loaded)

    assert response.status_code == 409
    assert "“glorious leader” is already in the key as Loaded language." in (
        response.content.decode()
    )
    assert _snapshot() == before
    other = _add(client, draft, quote="glorious leader")  # the same words, another technique
    assert other.status_code == 302


def test_a_key_spans_technique_and_explanation_are_changed(client, draft, alice):
    leader = _key(draft, "glorious leader")
    doubt = _technique(draft, "Doubt")

    response = client.post(
        _url("author_key_edit", draft, 1, leader.pk),
        {f"k{leader.pk}-technique": doubt.pk, f"k{leader.pk}-explanation": "Who says?"},
    )

    assert response.status_code == 302
    changed = KeySpan.objects.get(pk=leader.pk)
    assert (changed.technique, changed.explanation, changed.uid) == (doubt, "Who says?", leader.uid)
    assert (changed.start, changed.end, changed.quote) == (leader.start, leader.end, leader.quote)


def test_changing_a_key_span_into_another_is_refused(client, draft, alice):
    first = _key(draft, "traitors", n=0)
    doubt = _technique(draft, "Doubt")
    authoring.key_span_create(
        segment=_segment(draft), technique=doubt,
        anchor=locate(_segment(draft).text, "traitors", occurrence=1), explanation="Hm.",
    )  # fmt: skip
    before = _snapshot()

    response = client.post(
        _url("author_key_edit", draft, 1, first.pk),
        {f"k{first.pk}-technique": doubt.pk, f"k{first.pk}-explanation": "x"},
    )

    assert response.status_code == 409
    assert "“traitors” is already in the key as Doubt." in response.content.decode()
    assert _snapshot() == before


def test_a_refused_edit_keeps_what_was_typed(client, draft, alice):
    leader = _key(draft, "glorious leader")
    before = _snapshot()

    response = client.post(
        _url("author_key_edit", draft, 1, leader.pk),
        {f"k{leader.pk}-technique": "", f"k{leader.pk}-explanation": "Typed but not saved"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "“glorious leader” is not changed" in page
    assert "Typed but not saved</textarea>" in page
    assert re.search(r"<details open>\s*<summary>Change<span[^>]*> the key span “glorious", page)
    assert _snapshot() == before


def test_a_key_span_is_removed(client, draft, alice):
    leader = _key(draft, "glorious leader")

    response = client.post(_url("author_key_delete", draft, 1, leader.pk))

    assert response.status_code == 302
    assert not KeySpan.objects.filter(pk=leader.pk).exists()
    assert "Removed “glorious leader” (Loaded language) from the key." in (
        client.get(response.url).content.decode()
    )
    again = client.post(_url("author_key_delete", draft, 1, leader.pk))
    assert again.status_code == 404
    assert "That key span is not in this passage" in again.content.decode()


def test_key_spans_of_another_passage_or_lesson_are_out_of_reach(client, world, draft, alice):
    other_lesson = _import(world.alice, slug="alices-other")
    elsewhere = [
        _key(draft, "Everyone 𝒜gree𝓈 with us", position=2),
        _key(other_lesson, "glorious leader"),
        _key(world.assignment.lesson, "glorious leader"),
    ]
    before = _snapshot()

    for key in elsewhere:
        edit = client.post(
            _url("author_key_edit", draft, 1, key.pk),
            {f"k{key.pk}-technique": _technique(draft, "Doubt").pk, f"k{key.pk}-explanation": "x"},
        )
        delete = client.post(_url("author_key_delete", draft, 1, key.pk))
        for response in (edit, delete):
            assert response.status_code == 404
            assert "That key span is not in this passage" in response.content.decode()
    assert client.post(_url("author_key_delete", draft, 1, 999999)).status_code == 404
    assert _snapshot() == before


# Prompts --------------------------------------------------------------------------------


def test_a_prompt_is_added_with_a_new_identity(client, draft, alice):
    before = _prompts(draft)

    response = client.post(
        _url("author_prompt_add", draft),
        {"prompt-kind": "text", "prompt-text": "Who are\r\n“we”?"},
    )

    assert response.status_code == 302
    assert response.url == _url("author_segment", draft) + "#prompts"
    after = _prompts(draft)
    assert after[:3] == before
    uid, position, kind, text = after[3]
    assert (position, kind, text) == (4, "text", "Who are “we”?")
    assert uid not in {p[0] for p in before}
    assert "4 prompts:" in client.get(response.url).content.decode()


def test_a_prompt_is_changed_and_keeps_its_identity(client, draft, alice):
    prompt = _prompt(draft, "text")

    response = client.post(
        _url("author_prompt_edit", draft, 1, prompt.pk),
        {f"p{prompt.pk}-kind": "choose", f"p{prompt.pk}-text": "Which techniques?"},
    )

    assert response.status_code == 302
    changed = Prompt.objects.get(pk=prompt.pk)
    assert (changed.uid, changed.position, changed.kind, changed.text) == (
        prompt.uid, prompt.position, "choose", "Which techniques?",
    )  # fmt: skip


def test_a_prompt_is_deleted_and_the_rest_close_up(client, draft, alice):
    before = _prompts(draft)
    prompt = _prompt(draft, "highlight")

    response = client.post(_url("author_prompt_delete", draft, 1, prompt.pk))

    assert response.status_code == 302
    assert _prompts(draft) == [(uid, n, kind, text) for n, (uid, _, kind, text) in
                               enumerate(before[1:], start=1)]  # fmt: skip
    assert client.post(_url("author_prompt_delete", draft, 1, prompt.pk)).status_code == 404


def test_prompts_move_up_and_down(client, draft, alice):
    a, b, c = (p[0] for p in _prompts(draft))
    last = Prompt.objects.get(uid=c)
    first = Prompt.objects.get(uid=a)

    up = client.post(_url("author_prompt_move", draft, 1, last.pk), {"direction": "up"})
    assert up.status_code == 302
    assert [p[0] for p in _prompts(draft)] == [a, c, b]
    client.post(_url("author_prompt_move", draft, 1, first.pk), {"direction": "down"})
    assert [p[0] for p in _prompts(draft)] == [c, a, b]
    assert [p[1] for p in _prompts(draft)] == [1, 2, 3]
    assert "Moved the prompt" in client.get(up.url).content.decode()


@pytest.mark.parametrize(
    ("which", "direction", "status", "message"),
    [
        (0, "up", 400, "This prompt is already the first."),
        (2, "down", 400, "This prompt is already the last."),
        (1, "sideways", 400, "Move a prompt up or down."),
        (1, "", 400, "Move a prompt up or down."),
    ],
)
def test_a_move_that_cannot_be_made_is_refused(client, draft, alice, which, direction, status,
                                               message):  # fmt: skip
    prompt = Prompt.objects.get(uid=_prompts(draft)[which][0])
    before = _snapshot()

    response = client.post(
        _url("author_prompt_move", draft, 1, prompt.pk), {"direction": direction}
    )

    assert response.status_code == status
    assert message in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"prompt-kind": "text", "prompt-text": "  "}, 400, "Write the prompt."),
        ({"prompt-kind": "essay", "prompt-text": "Why?"}, 400, "Select a valid choice."),
        ({"prompt-kind": "text", "prompt-text": "x" * 1001}, 400, "at most 1000 characters"),
        (
            {"prompt-kind": "text", "prompt-text": 'Who are "the traitors"?'},
            409,
            "This passage already has that prompt.",
        ),
    ],
    ids=["empty", "unknown-kind", "too-long", "double-submit"],
)
def test_a_bad_prompt_is_refused_and_kept(client, draft, alice, data, status, message):
    before = _snapshot()

    response = client.post(_url("author_prompt_add", draft), data)

    page = response.content.decode()
    assert response.status_code == status
    assert message in page
    assert data["prompt-text"][:50] in page.replace("&quot;", '"')
    assert _snapshot() == before


def test_prompts_of_another_passage_or_lesson_are_out_of_reach(client, world, draft, alice):
    elsewhere = [_prompt(draft, "text", 2), _prompt(world.assignment.lesson, "text")]
    before = _snapshot()

    for prompt in [*elsewhere, Prompt(pk=999999)]:
        for name, data in [
            ("author_prompt_edit", {f"p{prompt.pk}-kind": "text", f"p{prompt.pk}-text": "x"}),
            ("author_prompt_delete", {}),
            ("author_prompt_move", {"direction": "up"}),
        ]:
            response = client.post(_url(name, draft, 1, prompt.pk), data)
            assert response.status_code == 404
            assert "That prompt is not in this passage" in response.content.decode()
    assert _snapshot() == before


def test_renumbering_prompts_respects_the_unique_positions(draft):
    segment = _segment(draft)
    for n in range(5):
        authoring.prompt_create(segment=segment, kind="text", text=f"Question {n}?")
    prompts = list(segment.prompts.order_by("position"))

    authoring.prompt_move(prompt=prompts[-1], direction="up")
    authoring.prompt_delete(prompt=prompts[0])

    positions = list(segment.prompts.order_by("position").values_list("position", "text"))
    assert [p for p, _ in positions] == list(range(1, 8))
    assert [t for _, t in positions][-2:] == ["Question 4?", "Question 3?"]


# htmx -------------------------------------------------------------------------------------


def test_htmx_gets_the_workspace_with_what_happened(client, draft, alice):
    added = client.post(
        _url("author_key_add", draft),
        {
            "quote": "always fail",
            "technique": _technique(draft, "Doubt").pk,
            "explanation": "Unprovable.",
        },
        **HTMX,
    )
    prompt = client.post(
        _url("author_prompt_add", draft),
        {"prompt-kind": "text", "prompt-text": "Why?"},
        **HTMX,
    )

    for response in (added, prompt):
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="workspace"')
        assert "<html" not in html.lower()
    assert "Added “always fail” to the key as Doubt." in added.content.decode()
    assert re.search(r"<mark[^>]*>always fail</mark>", added.content.decode())
    assert "4 key spans:" in added.content.decode()
    assert "4 prompts:" in prompt.content.decode()


def test_a_message_is_shown_once_and_an_htmx_answer_clears_the_last_one(client, draft, alice):
    url = _url("author_segment", draft)
    saved = client.post(url, {"title": "First", "markdown": _body(draft)}, follow=True)
    assert text(saved.content, "#messages") == "Passage 1 is saved."
    assert text(client.get(url).content, "#messages") == ""  # once only

    # On the page the message is still on screen when the author adds key spans with htmx:
    # every answer replaces the messages region (out of band), with nothing in it.
    data = {"technique": _technique(draft, "Doubt").pk, "explanation": "Unprovable."}
    added = client.post(_url("author_key_add", draft), {**data, "quote": "always fail"}, **HTMX)
    refused = client.post(_url("author_key_add", draft), {**data, "quote": "kittens"}, **HTMX)
    for response in (added, refused):
        (region,) = select(response.content, "#messages")
        assert region["data-hx-swap-oob"] == "true"
        assert region.get_text().strip() == ""
    assert_in_fragment(added.content, "#workspace-status", "Added “always fail” to the key")
    # The whole page has the region once, not out of band.
    (region,) = select(client.get(url).content, "#messages")
    assert not region.has_attr("data-hx-swap-oob")


def test_the_passages_editor_clears_the_last_message_with_htmx_too(client, draft, alice):
    lesson_url = reverse("authoring:author_lesson", args=[draft.pk])
    uid = str(_segment(draft).uid)
    move = reverse("authoring:author_segment_move", args=[draft.pk, 1])
    response = client.post(move, {"direction": "down", "uid": uid}, **HTMX)
    assert response.status_code == 200
    (region,) = select(response.content, "#messages")
    assert region["data-hx-swap-oob"] == "true" and region.get_text().strip() == ""
    assert text(client.get(lesson_url).content, "#messages") == ""


def test_htmx_errors_return_the_workspace_with_a_4xx_status(client, draft, alice):
    loaded = _technique(draft, "Loaded_Language").pk
    data = {"technique": loaded, "explanation": "Why."}
    url = _url("author_key_add", draft)

    not_found = client.post(url, {**data, "quote": "kittens"}, **HTMX)
    duplicate = client.post(url, {**data, "quote": "glorious leader"}, **HTMX)
    ambiguous = client.post(url, {**data, "quote": "traitors"}, **HTMX)
    missing = client.post(_url("author_key_delete", draft, 1, 999999), **HTMX)

    for response, status in [(not_found, 400), (duplicate, 409), (ambiguous, 400), (missing, 404)]:
        html = response.content.decode()
        assert response.status_code == status
        assert html.lstrip().startswith('<div id="workspace"')
    assert "Which one do you mean?" in ambiguous.content.decode()
    assert "That key span is not in this passage" in missing.content.decode()


def test_every_htmx_answer_says_where_it_goes_whatever_its_status(client, draft, alice):
    data = {"technique": _technique(draft, "Doubt").pk, "explanation": "Why."}
    url = _url("author_key_add", draft)

    added = client.post(url, {**data, "quote": "always fail"}, **HTMX)
    not_found = client.post(url, {**data, "quote": "kittens"}, **HTMX)
    missing = client.post(_url("author_key_delete", draft, 1, 999999), **HTMX)
    plain = client.post(url, {**data, "quote": "kittens"})

    # django-htmx's debug script (DEBUG only) takes a 400 or 404 for an error page unless the
    # answer says where it goes: static/js/highlight.js lets htmx put these in place.
    for response, status in [(added, 200), (not_found, 400), (missing, 404)]:
        assert response.status_code == status
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#workspace", "outerHTML")
    assert plain.status_code == 400
    assert "HX-Retarget" not in plain


# The selection panel ---------------------------------------------------------------------


def test_the_selection_panel_is_the_key_span_form_again_posting_to_the_same_view(
    client, draft, alice
):
    page = client.get(_url("author_segment", draft)).content.decode()

    [panel] = select(page, "#selection-panel")
    [panel_form] = select(page, "#selection-panel form#selection-form")
    [below] = select(page, "form#highlight-form")
    assert (panel["popover"], panel["role"]) == ("manual", "dialog")
    assert text(page, "#selection-panel-heading") == "Add the selection to the key"
    for form in (panel_form, below):
        assert form["action"] == form["data-hx-post"] == _url("author_key_add", draft)
        names = {field["name"] for field in form.select("[name]")}
        assert names >= {"quote", "start", "end", "occurrence", "technique", "explanation"}
    ids = [tag["id"] for tag in panel_form.select("[id]")]
    assert ids and all(i.startswith(("panel-", "selection-")) for i in ids), ids
    [words] = select(page, "[data-segment-text]")
    assert (words["tabindex"], words["aria-keyshortcuts"]) == ("0", "Alt+Shift+H")
    assert_in_fragment(page, "#selection-help", "F7", "Alt + Shift + H")


def test_a_key_span_saved_in_the_panel_is_stored_as_from_the_form_below(client, draft, alice):
    start = _segment(draft).text.index("always fail")

    response = client.post(
        _url("author_key_add", draft),
        {
            "quote": "always fail",
            "start": start,
            "end": start + len("always fail"),
            "technique": _technique(draft, "Doubt").pk,
            "explanation": "Nobody can check this.",
        },
        **PANEL,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#workspace"
    assert_in_fragment(response.content, "#workspace-status", "Added “always fail” to the key")
    key = _key(draft, "always fail")
    assert (key.start, key.end, key.technique.code) == (start, start + 11, "Doubt")
    assert key.explanation == "Nobody can check this."


@pytest.mark.parametrize(
    ("data", "status", "messages"),
    [
        (
            {"quote": "always fail"},
            400,
            ["This field is required.", "Write why these words use the technique."],
        ),
        (
            {"quote": "glorious leader", "technique": "Loaded_Language", "explanation": "Again."},
            409,
            ["“glorious leader” is already in the key as Loaded language."],
        ),
    ],
    ids=["nothing-chosen", "already-in-the-key"],
)
def test_a_refusal_in_the_panel_comes_back_in_the_panel(
    client, draft, alice, data, status, messages
):
    start = _segment(draft).text.index(data["quote"])
    if "technique" in data:
        data = {**data, "technique": _technique(draft, data["technique"]).pk}
    before = _keys(draft)

    response = client.post(
        _url("author_key_add", draft),
        {**data, "start": start, "end": start + len(data["quote"])},
        **PANEL,
    )

    html = response.content.decode()
    assert response.status_code == status
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#selection-panel", "innerHTML")
    assert html.lstrip().startswith('<form id="selection-form"')
    assert_in_fragment(html, "#selection-form", *messages)
    assert text(html, "[data-selection-quote]") == data["quote"]
    assert 'id="id_' not in html
    assert _keys(draft) == before


# Query counts -----------------------------------------------------------------------------


def test_the_page_runs_as_many_queries_for_20_key_spans_and_prompts_as_for_2(
    client, world, alice, django_assert_max_num_queries
):
    def count(lesson) -> int:
        url = _url("author_segment", lesson)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    small = _import(world.alice, slug="small")
    large = _import(world.alice, slug="large")
    for lesson, size in ((small, 2), (large, 20)):
        segment = _segment(lesson)
        KeySpan.objects.filter(segment=segment).delete()
        Prompt.objects.filter(segment=segment).delete()
        codes = list(lesson.taxonomy.techniques.all())
        for n in range(size):
            authoring.prompt_create(segment=segment, kind="text", text=f"Question {n}?")
            authoring.key_span_create(
                segment=segment,
                technique=codes[n % len(codes)],
                anchor=locate(segment.text, "traitors", occurrence=1 + n // len(codes)),
                explanation=f"Reason {n}.",
            )

    assert count(small) == count(large)
    with django_assert_max_num_queries(8):
        client.get(_url("author_segment", large))
