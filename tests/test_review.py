"""Review by prompt and by key span, the review queue, and the comments students then see."""

import pytest
from django.db import connection
from django.template import Context
from django.test import Client, modify_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from lessons.insights.forms import ReviewForm
from lessons.insights.selectors import review as review_selectors
from lessons.insights.templatetags.insights import review_form
from lessons.library.models import KeySpan, Prompt
from lessons.work import services as lesson_services
from lessons.work.models import MAX_SCORE, Review, Submission

from . import factories
from .conftest import PERSONAS
from .html import select, text

LOGIN = "login"


def _text_prompt(world):
    return factories.prompt_of(world.assignment, 1, "text")


def _key(world, position=1):
    return KeySpan.objects.get(
        segment__lesson=world.assignment.lesson, segment__position=1, position=position
    )


def _submission(assignment, student):
    return lesson_services.submission_for(assignment=assignment, student=student)


def _submit(assignment, student):
    submission = _submission(assignment, student)
    lesson_services.submission_submit(submission=submission)
    return submission


def _prompt_url(world, prompt, **query):
    url = reverse("insights:review_prompt", args=[world.assignment.pk, prompt.pk])
    return url + ("?blind=1" if query.get("blind") else "")


def _key_url(world, key):
    return reverse("insights:review_key_span", args=[world.assignment.pk, key.pk])


def _save_url(assignment, submission):
    return reverse("insights:review_save", args=[assignment.pk, submission.pk])


@pytest.fixture
def sams_answer(world):
    return factories.make_answer(world.assignment, world.sam, _text_prompt(world), "The enemies.")


# Permissions -------------------------------------------------------------------------------

URLS = {
    "review_queue": lambda w, s: reverse("insights:review_queue", args=[w.assignment.pk]),
    "review_prompt": lambda w, s: _prompt_url(w, _text_prompt(w)),
    "review_key_span": lambda w, s: _key_url(w, _key(w)),
    "review_save": lambda w, s: _save_url(w.assignment, s),
}

#      view               method   anonymous sam  olga alice bob
TABLE = [
    ("review_queue",    "get",  (LOGIN, 404, 404, 200, 404)),
    ("review_prompt",   "get",  (LOGIN, 404, 404, 200, 404)),
    ("review_key_span", "get",  (LOGIN, 404, 404, 200, 404)),
    ("review_save",     "get",  (LOGIN, 405, 405, 405, 405)),
    ("review_save",     "post", (LOGIN, 404, 404, 302, 404)),
]  # fmt: skip

CASES = [
    pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, expectations in TABLE
    for persona, expected in zip(PERSONAS, expectations, strict=True)
]


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_only_the_classes_teacher_reviews_its_work(
    client, world, sams_answer, view, method, persona, expected
):
    submission = sams_answer.submission
    url = URLS[view](world, submission)
    data = {"prompt": sams_answer.prompt_id, "comment": "Somebody else wrote this", "score": "1"}
    if persona != "anonymous":
        client.force_login(getattr(world, persona))

    response = getattr(client, method)(url, data if method == "post" else None)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
    content = response.content.decode()
    if persona in ("olga", "bob"):
        assert "Sam Student" not in content
        assert "The enemies." not in content
    if expected != 302:
        assert not Review.objects.exists()
    else:
        assert Review.objects.get().comment == "Somebody else wrote this"


# Review by prompt --------------------------------------------------------------------------


def test_every_students_answer_to_a_prompt_is_shown_side_by_side(client, world, sams_answer):
    rita = factories.make_student("Rita Ramos", world.class_a)
    factories.make_answer(
        world.assignment, rita, _text_prompt(world), '<script>alert("x")</script> & more'
    )
    nora = factories.make_student("Nora Nobody", world.class_a)
    factories.make_highlight(world.assignment, nora, "glorious leader")  # started, no answer
    factories.make_student("Ned Notyet", world.class_a)
    factories.make_answer(world.other_assignment, world.olga, _text_prompt(world), "Olga's view")
    client.force_login(world.alice)

    response = client.get(_prompt_url(world, _text_prompt(world)))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'Who are "the traitors"?' in page or "Who are &quot;the traitors&quot;?" in page
    for name in ("Sam Student", "Rita Ramos", "Nora Nobody", "Ned Notyet"):
        assert name in page
    assert "The enemies." in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "<script>alert" not in page
    assert "No answer yet" in page
    assert "Not started" in page
    assert "Olga" not in page
    assert page.count('class="review-form"') == 3  # Ned has no submission to review
    assert "2 of 4 students answered" in page


def test_a_choose_prompt_lists_the_techniques_each_student_chose(client, world):
    prompt = factories.prompt_of(world.assignment, 1, "choose")
    factories.make_answer(world.assignment, world.sam, prompt, technique_codes=("Doubt",))
    client.force_login(world.alice)

    page = client.get(_prompt_url(world, prompt)).content.decode()

    assert "<li>Doubt</li>" in page


def test_the_techniques_chosen_are_listed_in_the_taxonomys_order_in_the_readers_language(
    client, world
):
    prompt = factories.prompt_of(world.assignment, 1, "choose")
    answer = factories.make_answer(world.assignment, world.sam, prompt, technique_codes=("Doubt",))
    first = world.assignment.lesson.taxonomy.techniques.order_by("position").first()
    answer.techniques.add(first)  # chosen after Doubt, listed before it
    world.alice.language = "es"
    world.alice.save(update_fields=["language"])
    client.force_login(world.alice)

    page = client.get(_prompt_url(world, prompt)).content

    chosen = [
        item.get_text() for item in select(page, f"#submission-{answer.submission_id} .chosen li")
    ]
    with translation.override("es"):
        assert chosen == [first.display_name, gettext("Doubt")]
    assert chosen[1] != "Doubt"  # the catalogue has it in Spanish


def test_blind_marking_hides_every_name(client, world, sams_answer):
    zed = factories.make_student("Zed Zimmer", world.class_a)
    factories.make_student("Ann Absent", world.class_a)
    # Zed started after Sam, so is "Student 2" although first in no roster order.
    factories.make_answer(world.assignment, zed, _text_prompt(world), "Zed's answer.")
    client.force_login(world.alice)

    page = client.get(_prompt_url(world, _text_prompt(world), blind=True)).content.decode()

    for student in (
        world.sam,
        zed,
        world.class_a.enrollments.get(student__display_name="Ann Absent").student,
    ):
        assert student.display_name not in page
        assert student.username not in page
    assert page.index("Student 1") < page.index("The enemies.") < page.index("Student 2")
    assert page.index("Student 2") < page.index("Zed&#x27;s answer.") < page.index("Student 3")
    assert "Show names" in page
    # Saving goes back to the blind page.
    assert 'value="/assignments/' in page and "?blind=1" in page


def test_a_prompt_of_another_lesson_or_a_highlight_task_is_not_found(client, world):
    other = factories.make_assignment(world.class_b)
    client.force_login(world.alice)

    foreign = factories.prompt_of(other, 1, "text")
    highlight_task = factories.prompt_of(world.assignment, 1, "highlight")

    assert client.get(_prompt_url(world, foreign)).status_code == 404
    assert client.get(_prompt_url(world, highlight_task)).status_code == 404


def test_the_prompt_page_links_to_the_next_and_previous_questions(client, world):
    first, choose = _text_prompt(world), factories.prompt_of(world.assignment, 1, "choose")
    last = factories.prompt_of(world.assignment, 2, "text")
    client.force_login(world.alice)

    page = client.get(_prompt_url(world, choose)).content.decode()

    assert f'href="{_prompt_url(world, first)}"' in page
    assert f'href="{_prompt_url(world, last)}"' in page
    assert "Question 2 of 3" in page


# Review by key span ------------------------------------------------------------------------


def test_the_key_span_page_shows_what_each_student_highlighted_there(client, world):
    key = _key(world)  # "glorious leader", Loaded_Language
    factories.make_highlight(world.assignment, world.sam, "glorious leader", note="Praise!")
    rita = factories.make_student("Rita Ramos", world.class_a)
    factories.make_highlight(world.assignment, rita, "leader", "Doubt", note="<i>hmm</i>")
    nora = factories.make_student("Nora Nobody", world.class_a)
    factories.make_highlight(
        world.assignment, nora, "traitors", "Name_Calling,Labeling", occurrence=1
    )
    factories.make_highlight(world.other_assignment, world.olga, "glorious leader")
    client.force_login(world.alice)

    response = client.get(_key_url(world, key))

    page = response.content.decode()
    assert response.status_code == 200
    assert key.explanation in page
    assert "Praise!" in page
    assert "&lt;i&gt;hmm&lt;/i&gt;" in page
    assert "Found: 1 · another technique: 1 · not highlighted: 1" in page
    assert "Olga" not in page
    assert page.count('name="key_span"') == 3


def test_a_key_span_of_another_lesson_is_not_found(client, world):
    other = factories.make_assignment(world.class_b)
    key = KeySpan.objects.filter(segment__lesson=other.lesson).first()
    client.force_login(world.alice)

    assert client.get(_key_url(world, key)).status_code == 404


# Saving ------------------------------------------------------------------------------------


def test_saving_a_review_creates_it_once_and_then_updates_it(client, world, sams_answer):
    submission = sams_answer.submission
    client.force_login(world.alice)
    page = _prompt_url(world, _text_prompt(world))
    data = {"prompt": sams_answer.prompt_id, "comment": "Good.", "score": "3", "reviewed": "on"}

    response = client.post(_save_url(world.assignment, submission), {**data, "next": page})

    assert response.status_code == 302
    assert response.url == f"{page}#submission-{submission.pk}"
    review = Review.objects.get()
    assert (review.comment, review.score, review.reviewer) == ("Good.", 3, world.alice)
    assert review.prompt_id == sams_answer.prompt_id and review.is_reviewed
    assert "Review saved." in client.get(page).content.decode()

    data |= {"comment": "Better:\r\nname them.", "score": "", "reviewed": ""}
    client.post(_save_url(world.assignment, submission), data)

    review = Review.objects.get()
    assert (review.comment, review.score, review.is_reviewed) == (
        "Better:\nname them.",
        None,
        False,
    )


def test_a_review_on_a_key_span_and_an_overall_comment_are_separate(client, world, sams_answer):
    submission = sams_answer.submission
    client.force_login(world.alice)
    url = _save_url(world.assignment, submission)

    client.post(url, {"key_span": _key(world).pk, "comment": "Spot on.", "score": "5"})
    client.post(url, {"comment": "Well done overall.", "reviewed": "on"})
    client.post(url, {"prompt": sams_answer.prompt_id, "comment": "Yes."})

    assert Review.objects.count() == 3
    assert Review.objects.get(key_span=_key(world)).score == 5
    assert Review.objects.get(prompt=None, key_span=None).comment == "Well done overall."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score": str(MAX_SCORE + 1)}, f"Choose a score from 0 to {MAX_SCORE}"),
        ({"score": "-1"}, "Choose a score"),
        ({"comment": "x" * 5001}, "at most 5000 characters"),
        ({"key_span": "KEY"}, "Review one answer or one key span at a time."),
        ({"prompt": "nonsense"}, "This review form is damaged"),
    ],
)
def test_a_bad_review_is_refused_and_nothing_is_saved(client, world, sams_answer, data, message):
    client.force_login(world.alice)
    if data.get("key_span") == "KEY":
        data = {"key_span": _key(world).pk}
    data = {"prompt": sams_answer.prompt_id, "comment": "Fine", **data}

    response = client.post(_save_url(world.assignment, sams_answer.submission), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_comment_with_a_null_character_is_refused_with_a_message(
    client, world, sams_answer, htmx
):
    client.force_login(world.alice)
    data = {"prompt": sams_answer.prompt_id, "comment": "Fine\x00 work"}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client.post(_save_url(world.assignment, sams_answer.submission), data, **headers)

    page = response.content.decode()
    assert response.status_code == 400
    assert "The comment contains a null character" in page
    assert "Fine\ufffd work</textarea>" in page and "\x00" not in page
    assert not Review.objects.exists()


def _post_in_utf7(client, url, fields: dict, **headers):
    """A multipart form post that declares charset=utf-7. No browser sends one, but Django
    decodes it, and UTF-7 can carry a lone surrogate (the test client encodes the body in the
    declared charset), which no UTF-8 page or database can hold. Lens refuses a body in any
    charset but UTF-8 before a view sees it (core.middleware, tests/test_request_bodies.py);
    without that guard, the form's own check refuses the surrogate, as tested here."""
    boundary = "lens-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    content_type = f"multipart/form-data; boundary={boundary}; charset=utf-7"
    with modify_settings(MIDDLEWARE={"remove": "core.middleware.RequestBodyGuard"}):
        unguarded = Client()  # its middleware is loaded now, without the guard
        unguarded.cookies = client.cookies
        return unguarded.post(url, body, content_type=content_type, **headers)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_comment_with_an_unpaired_surrogate_is_refused_not_a_server_error(
    client, world, sams_answer, htmx
):
    client.force_login(world.alice)
    fields = {"prompt": sams_answer.prompt_id, "comment": "Fine\ud800 work", "score": "2"}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = _post_in_utf7(
        client, _save_url(world.assignment, sams_answer.submission), fields, **headers
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "The comment contains an unpaired surrogate" in page
    assert "Fine\ufffd work</textarea>" in page
    assert not Review.objects.exists()


def test_a_hidden_field_with_a_surrogate_is_refused_as_damaged(client, world, sams_answer):
    client.force_login(world.alice)
    fields = {"prompt": sams_answer.prompt_id, "comment": "Fine", "next": "/x\udc00"}

    response = _post_in_utf7(
        client,
        _save_url(world.assignment, sams_answer.submission),
        fields,
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "This review form is damaged" in response.content.decode()
    assert not Review.objects.exists()


def test_a_refused_review_says_so_once_among_the_pages_messages(client, world, sams_answer):
    client.force_login(world.alice)
    data = {"comment": "Overall", "score": "9"}  # no target: back to the queue

    response = client.post(_save_url(world.assignment, sams_answer.submission), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Your review was not saved. Correct it and save again.") == 1
    assert "Choose a score" in page and "Overall</textarea>" in page
    assert not Review.objects.exists()


def test_an_htmx_refusal_says_why_where_saved_would_be(client, world, sams_answer):
    client.force_login(world.alice)
    data = {"prompt": sams_answer.prompt_id, "comment": "x" * 5001}

    response = client.post(
        _save_url(world.assignment, sams_answer.submission), data, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="status"' in page
    assert "Your review was not saved. Correct it and save again.</p>" in page
    assert "at most 5000 characters" in page


def test_a_refused_review_keeps_what_the_teacher_typed(client, world, sams_answer):
    client.force_login(world.alice)
    data = {"prompt": sams_answer.prompt_id, "comment": "Keep <this>", "score": "9"}

    response = client.post(_save_url(world.assignment, sams_answer.submission), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Keep &lt;this&gt;</textarea>" in page
    assert "The enemies." in page  # the whole page, with the student's answer


def test_a_target_from_another_lesson_is_not_found(client, world, sams_answer):
    other = factories.make_assignment(world.class_b)
    client.force_login(world.alice)
    url = _save_url(world.assignment, sams_answer.submission)

    foreign_prompt = client.post(url, {"prompt": factories.prompt_of(other, 1, "text").pk})
    foreign_key = client.post(
        url, {"key_span": KeySpan.objects.filter(segment__lesson=other.lesson).first().pk}
    )
    highlight_task = client.post(
        url, {"prompt": factories.prompt_of(world.assignment, 1, "highlight").pk}
    )

    assert (
        foreign_prompt.status_code == foreign_key.status_code == highlight_task.status_code == 404
    )
    assert not Review.objects.exists()


def test_a_submission_of_another_class_is_not_found(client, world, sams_answer):
    olgas = _submission(world.other_assignment, world.olga)
    client.force_login(world.alice)
    data = {"prompt": sams_answer.prompt_id, "comment": "Not mine to review"}

    via_her_assignment = client.post(_save_url(world.other_assignment, olgas), data)
    via_mine = client.post(_save_url(world.assignment, olgas), data)

    assert via_her_assignment.status_code == via_mine.status_code == 404
    assert not Review.objects.exists()


def test_the_page_to_go_back_to_must_be_on_this_site(client, world, sams_answer):
    client.force_login(world.alice)
    url = _save_url(world.assignment, sams_answer.submission)

    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        data = {"prompt": sams_answer.prompt_id, "comment": "Hi", "next": bad}
        response = client.post(url, data)
        assert response.status_code == 302
        assert response.url.startswith(_prompt_url(world, _text_prompt(world)) + "#")


def test_an_htmx_save_returns_only_the_form_saying_saved(client, world, sams_answer):
    submission = sams_answer.submission
    client.force_login(world.alice)
    data = {
        "prompt": sams_answer.prompt_id,
        "comment": "Nice & clear",
        "score": "4",
        "reviewed": "on",
    }

    response = client.post(_save_url(world.assignment, submission), data, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<form id="review-{submission.pk}"')
    assert "<html" not in page and "Sam Student" not in page
    assert 'role="status"' in page and "Saved at" in page
    assert "Nice &amp; clear</textarea>" in page
    assert '<option value="4" selected>' in page
    assert Review.objects.get().score == 4


def _review_page(world, target):
    """The review page of the prompt or key span that `target` names, and the review's data."""
    if target == "prompt":
        prompt = _text_prompt(world)
        return _prompt_url(world, prompt), {"prompt": prompt.pk}
    return _key_url(world, _key(world)), {"key_span": _key(world).pk}


@pytest.mark.parametrize("target", ["prompt", "key_span"])
def test_an_htmx_save_updates_the_pages_reviewed_count(client, world, sams_answer, target):
    rita = factories.make_student("Rita Ramos", world.class_a)
    ritas = factories.make_answer(world.assignment, rita, _text_prompt(world), "Rita's")
    client.force_login(world.alice)
    url, data = _review_page(world, target)
    assert text(client.get(url).content, "#reviewed-count") == "0 reviewed"
    save = _save_url(world.assignment, sams_answer.submission)

    marked = client.post(save, {**data, "comment": "Yes.", "reviewed": "on", "next": url},
                         HTTP_HX_REQUEST="true")  # fmt: skip
    draft = client.post(
        _save_url(world.assignment, ritas.submission),
        {**data, "comment": "Hm.", "next": url},
        HTTP_HX_REQUEST="true",
    )

    # The form is swapped where it was; the count, elsewhere on the page, out of band.
    (count,) = select(marked.content, "#reviewed-count")
    assert count["data-hx-swap-oob"] == "true" and count.get_text() == "1 reviewed"
    assert text(draft.content, "#reviewed-count") == "1 reviewed"  # a draft is not reviewed
    assert text(client.get(url).content, "#reviewed-count") == "1 reviewed"
    assert "data-hx-swap-oob" not in client.get(url).content.decode()


def test_an_overall_review_has_no_count_to_update(client, world, sams_answer):
    client.force_login(world.alice)

    response = client.post(
        _save_url(world.assignment, sams_answer.submission),
        {"comment": "Well done.", "reviewed": "on"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "reviewed-count" not in response.content.decode()


@pytest.mark.parametrize("target", ["prompt", "key_span"])
def test_a_save_without_javascript_comes_back_to_the_new_count(client, world, sams_answer, target):
    client.force_login(world.alice)
    url, data = _review_page(world, target)

    response = client.post(
        _save_url(world.assignment, sams_answer.submission),
        {**data, "comment": "Yes.", "reviewed": "on", "next": url},
        follow=True,
    )

    assert response.redirect_chain == [(f"{url}#submission-{sams_answer.submission.pk}", 302)]
    assert text(response.content, "#reviewed-count") == "1 reviewed"
    assert text(response.content, ".messages") == "Review saved."


def test_the_reviewed_box_and_the_cards_state_say_the_same(client, world, sams_answer):
    """The box is the teacher's mark that a review is finished: ticked only where the review
    is stored as reviewed, which the line under it says in words."""
    rita = factories.make_student("Rita Ramos", world.class_a)
    factories.make_answer(world.assignment, rita, _text_prompt(world), "Rita's")
    nora = factories.make_student("Nora Nobody", world.class_a)
    factories.make_answer(world.assignment, nora, _text_prompt(world), "Nora's")
    prompt = _text_prompt(world)
    lesson_services.review_save(
        submission=_submission(world.assignment, rita), reviewer=world.alice, comment="Draft",
        score=None, prompt=prompt, reviewed=False,
    )  # fmt: skip
    lesson_services.review_save(
        submission=_submission(world.assignment, nora), reviewer=world.alice, comment="Done",
        score=3, prompt=prompt, reviewed=True,
    )  # fmt: skip
    client.force_login(world.alice)

    page = client.get(_prompt_url(world, prompt)).content.decode()

    cards = {
        text(card, ".review-name"): (
            card.select_one('input[name="reviewed"]').has_attr("checked"),
            text(card, ".review-state"),
        )
        for card in select(page, ".review-card:has(form)")
    }
    assert cards["Sam Student"] == (False, "Not reviewed yet")
    assert cards["Rita Ramos"] == (
        False,
        "Saved, not marked reviewed: the student does not see it yet",
    )
    assert cards["Nora Nobody"][0] is True
    assert cards["Nora Nobody"][1].startswith("Reviewed ")
    assert text(page, "#reviewed-count") == "1 reviewed"


@pytest.mark.parametrize("stored", [None, "draft", "reviewed"])
def test_a_cards_form_from_initial_values_is_the_form_a_review_form_writes(
    world, sams_answer, stored
):
    """Review pages give `review_form` each card's initial values rather than a ReviewForm
    (making 20 forms cost as much as writing them): the form written is the same."""
    submission, prompt = sams_answer.submission, sams_answer.prompt
    review = None
    if stored:
        review = lesson_services.review_save(
            submission=submission, reviewer=world.alice, comment='<b>"Fine"</b> & more',
            score=3, prompt=prompt, reviewed=stored == "reviewed",
        )  # fmt: skip
    initial = {"prompt": prompt.pk, "next": "/review/?blind=1&page=2"}
    if review:
        initial |= {"comment": review.comment, "score": review.score}
        initial["reviewed"] = review.is_reviewed
    context = Context({"csrf_token": "t" * 64})
    form = ReviewForm(initial=initial, auto_id=f"review-{submission.pk}-%s")

    from_values = review_form(context, initial, world.assignment, submission, review)

    assert from_values == review_form(context, form, world.assignment, submission, review)
    (written,) = select(from_values, "form")
    assert written.select_one('input[name="next"]')["value"] == "/review/?blind=1&page=2"
    if stored:
        assert written.select_one("textarea").get_text() == '\n<b>"Fine"</b> & more'
        assert written.select_one("option[selected]")["value"] == "3"
    assert written.select_one('input[name="reviewed"]').has_attr("checked") == (
        stored == "reviewed"
    )


def test_an_htmx_save_with_a_mistake_returns_the_form_with_the_error(client, world, sams_answer):
    client.force_login(world.alice)
    data = {"prompt": sams_answer.prompt_id, "comment": "Hm", "score": "77"}

    response = client.post(
        _save_url(world.assignment, sams_answer.submission), data, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in page and "Choose a score" in page and 'aria-invalid="true"' in page
    assert not Review.objects.exists()


# The queue ---------------------------------------------------------------------------------


def test_the_queue_lists_handed_in_answers_until_they_are_reviewed(client, world, sams_answer):
    client.force_login(world.alice)
    queue = reverse("insights:review_queue", args=[world.assignment.pk])
    prompt_link = f'href="{_prompt_url(world, _text_prompt(world))}#submission-'

    assert prompt_link not in client.get(queue).content.decode()  # still working

    submission = _submit(world.assignment, world.sam)
    page = client.get(queue).content.decode()
    assert "Sam Student" in page
    assert prompt_link in page
    assert "1 answer to review" in page

    lesson_services.review_save(
        submission=submission, reviewer=world.alice, comment="Draft", score=None,
        prompt=_text_prompt(world), reviewed=False,
    )  # fmt: skip
    assert prompt_link in client.get(queue).content.decode()

    client.post(
        _save_url(world.assignment, submission),
        {"prompt": _text_prompt(world).pk, "comment": "Done", "reviewed": "on"},
    )
    page = client.get(queue).content.decode()
    assert prompt_link not in page
    assert "Nothing is waiting for review." in page


def test_the_queue_puts_the_oldest_work_first_and_counts_per_question(client, world, sams_answer):
    rita = factories.make_student("Rita Ramos", world.class_a)
    factories.make_answer(world.assignment, rita, _text_prompt(world), "Rita's answer")
    factories.make_answer(
        world.assignment, rita, factories.prompt_of(world.assignment, 2, "text"), "Also"
    )
    _submit(world.assignment, rita)
    _submit(world.assignment, world.sam)
    client.force_login(world.alice)

    page = client.get(reverse("insights:review_queue", args=[world.assignment.pk])).content.decode()

    assert page.index("Rita Ramos") < page.index("Sam Student")
    assert "2 answers to review" in page
    assert "1 answer to review" in page


def _summary(details) -> str:
    """What a folded group says while it is closed."""
    return " ".join(details.summary.get_text(" ").split())


def test_the_review_index_folds_each_passage_and_question_open_where_work_is_left(
    client, world, sams_answer
):
    rita = factories.make_student("Rita Ramos", world.class_a)
    second = factories.prompt_of(world.assignment, 2, "text")
    factories.make_answer(world.assignment, rita, _text_prompt(world), "Rita's answer")
    ritas = factories.make_answer(world.assignment, rita, second, "Also").submission
    _submit(world.assignment, rita)
    _submit(world.assignment, world.sam)
    lesson_services.review_save(
        submission=ritas, reviewer=world.alice, comment="Fine", score=None, prompt=second
    )  # passage 2 has nothing left to review
    client.force_login(world.alice)

    page = client.get(reverse("insights:review_queue", args=[world.assignment.pk])).content

    passages = select(page, 'section[aria-labelledby="passages-heading"] > details')
    assert [(_summary(p), p.has_attr("open")) for p in passages] == [
        ("Passage 1: First — 2 answers to review", True),
        ("Passage 2: Second — nothing to review", False),
    ]
    questions = passages[0].select("details details")
    assert [(_summary(q), q.has_attr("open")) for q in questions] == [
        ('Who are "the traitors"? — 2 answers to review', True),
        ("Which techniques are used here? — nothing to review", False),
    ]
    waiting = [a.get_text() for a in questions[0].select(".inline-list a")]
    assert waiting == [
        f"Rita Ramos: {_text_prompt(world).text}",
        f"Sam Student: {_text_prompt(world).text}",
    ]
    keys = [text(item, "a") for item in passages[0].select("q")]
    assert keys == [
        "glorious leader (passage 1, key span 1)",
        "traitors (passage 1, key span 2)",
        "traitors (passage 1, key span 3)",
    ]
    assert text(page, "h1 + p").endswith("2 answers to review, from 2 students.")


def test_the_blind_queue_names_nobody(client, world, sams_answer):
    _submit(world.assignment, world.sam)
    client.force_login(world.alice)

    page = client.get(reverse("insights:review_queue", args=[world.assignment.pk]) + "?blind=1")

    content = page.content.decode()
    assert "Sam Student" not in content and world.sam.username not in content
    assert "Student 1" in content
    assert "?blind=1#submission-" in content


# A page of students at a time ---------------------------------------------------------------


@pytest.fixture
def five_answers(world, monkeypatch):
    """Five students (Sam and four more) answered the first question and handed in, Eve
    first; the review pages show two students a page."""
    monkeypatch.setattr(review_selectors, "STUDENTS_PER_PAGE", 2)
    monkeypatch.setattr(review_selectors, "QUEUE_STUDENTS_PER_PAGE", 2)
    submissions = {}
    for name in ("Eve Early", "Abe Able", "Sam Student", "Zoe Zed", "Mia Middle"):
        student = (
            world.sam if name == "Sam Student" else factories.make_student(name, world.class_a)
        )
        factories.make_answer(world.assignment, student, _text_prompt(world), "Because.")
        submissions[name] = _submit(world.assignment, student)
    return submissions


def _cards(page) -> list[str]:
    return [text(card, ".review-name") for card in select(page, ".review-card")]


def test_review_by_question_shows_a_page_of_students_and_counts_the_class(
    client, world, five_answers
):
    client.force_login(world.alice)
    url = _prompt_url(world, _text_prompt(world))

    first = client.get(url).content.decode()
    third = client.get(url + "?page=3").content.decode()

    assert _cards(first) == ["Abe Able", "Eve Early"]  # by name
    assert _cards(third) == ["Zoe Zed"]
    assert "5 of 5 students answered" in first and "5 of 5 students answered" in third
    assert text(first, ".table-range") == "Students 1–2 of 5, by name."
    nav = select(first, 'nav[aria-label="Pages of students"]')[0]
    assert [a.get_text() for a in nav.select("a")] == ["Page 1", "Page 2", "Page 3", "Next page →"]
    assert nav.select_one("[aria-current=page]").get_text() == "Page 1"
    assert nav.select_one("a[rel=next]")["href"] == f"{url}?page=2#cards"
    # Not a page: the first; beyond the last: the last.
    assert _cards(client.get(url + "?page=x").content.decode()) == ["Abe Able", "Eve Early"]
    assert _cards(client.get(url + "?page=99").content.decode()) == ["Zoe Zed"]


def test_blind_review_pages_follow_the_order_the_students_started(client, world, five_answers):
    client.force_login(world.alice)
    url = _prompt_url(world, _text_prompt(world), blind=True)

    second = client.get(url + "&page=2").content.decode()

    assert _cards(second) == ["Student 3", "Student 4"]
    assert "Sam Student" not in second and "Zoe Zed" not in second
    nav = select(second, 'nav[aria-label="Pages of students"]')[0]
    assert nav.select_one("a[rel=prev]")["href"] == f"{url}&page=1#cards"


def test_the_queue_shows_a_page_of_students_and_links_to_the_page_of_their_answer(
    client, world, five_answers
):
    client.force_login(world.alice)
    queue = reverse("insights:review_queue", args=[world.assignment.pk])
    prompt = _prompt_url(world, _text_prompt(world))

    first = client.get(queue).content.decode()
    second = client.get(queue + "?page=2").content.decode()

    def waiting(page):
        return [(a.get_text().split(":")[0], a["href"]) for a in select(page, ".inline-list a")]

    subs = five_answers
    # The oldest hand-in first, two a page; each link goes to the page of review by question
    # where the student's card is (by name: Abe, Eve | Mia, Sam | Zoe).
    assert waiting(first) == [
        ("Eve Early", f"{prompt}#submission-{subs['Eve Early'].pk}"),
        ("Abe Able", f"{prompt}#submission-{subs['Abe Able'].pk}"),
    ]
    assert waiting(second) == [
        ("Sam Student", f"{prompt}?page=2#submission-{subs['Sam Student'].pk}"),
        ("Zoe Zed", f"{prompt}?page=3#submission-{subs['Zoe Zed'].pk}"),
    ]
    for page in (first, second):  # the counts are the whole class's
        assert "5 answers to review, from 5 students." in page
    assert text(second, ".table-range").startswith("The answers of students 3–4 of the 5")
    card = client.get(f"{prompt}?page=3").content.decode()
    assert f'id="submission-{subs["Zoe Zed"].pk}"' in card


def test_the_blind_queue_links_to_the_blind_page_of_each_answer(client, world, five_answers):
    client.force_login(world.alice)
    queue = reverse("insights:review_queue", args=[world.assignment.pk])
    prompt = _prompt_url(world, _text_prompt(world))

    page = client.get(queue + "?blind=1&page=3").content.decode()

    link = select(page, ".inline-list a")[0]
    mia = five_answers["Mia Middle"]  # the fifth to start: Student 5, on page 3
    assert link.get_text().startswith("Student 5")
    assert link["href"] == f"{prompt}?blind=1&page=3#submission-{mia.pk}"
    assert "Mia Middle" not in page


def test_a_review_saved_on_a_later_page_without_javascript_comes_back_to_it(
    client, world, five_answers
):
    client.force_login(world.alice)
    zoe = five_answers["Zoe Zed"]
    next_url = _prompt_url(world, _text_prompt(world)) + "?page=3"

    response = client.post(
        _save_url(world.assignment, zoe),
        {"prompt": _text_prompt(world).pk, "comment": "Good.", "reviewed": "on", "next": next_url},
    )
    refused = client.post(
        _save_url(world.assignment, zoe),
        {"prompt": _text_prompt(world).pk, "comment": "Too high", "score": "9", "next": next_url},
    )

    assert response["Location"] == f"{next_url}#submission-{zoe.pk}"
    page = refused.content.decode()
    assert refused.status_code == 400
    assert _cards(page) == ["Zoe Zed"]  # the page it was sent from, with the form as posted
    assert "Too high" in page
    assert "1 reviewed" in page
    # Its links are that page's, not those of the address the form was posted to.
    nav = select(page, 'nav[aria-label="Pages of students"]')[0]
    assert nav.select_one("a[rel=prev]")["href"] == f"{next_url[:-1]}2#cards"
    blind = select(page, ".review-bar a")[0]
    assert blind["href"] == _prompt_url(world, _text_prompt(world), blind=True)


# What students see -------------------------------------------------------------------------


def test_students_see_the_comment_and_score_once_feedback_is_released(client, world, sams_answer):
    world.assignment.feedback_release = "on_submit"
    world.assignment.save()
    client.force_login(world.alice)
    client.post(
        _save_url(world.assignment, sams_answer.submission),
        {"prompt": sams_answer.prompt_id, "comment": "Name the group they blame.", "score": "4",
         "reviewed": "on"},
    )  # fmt: skip
    feedback = reverse("insights:feedback", args=[world.assignment.pk])
    client.force_login(world.sam)

    before = client.get(feedback)
    assert "Name the group they blame." not in before.content.decode()

    _submit(world.assignment, world.sam)
    after = client.get(feedback)
    page = after.content.decode()
    assert after.status_code == 200
    assert "Name the group they blame." in page
    assert f"4/{MAX_SCORE}" in page


# Query counts ------------------------------------------------------------------------------


def _grow(world, size):
    prompt = _text_prompt(world)

    def work(student, n):
        if n % 5 == 4:
            return  # some never start
        factories.make_answer(world.assignment, student, prompt, "An answer.")
        factories.make_answer(
            world.assignment, student, factories.prompt_of(world.assignment, 1, "choose"),
            technique_codes=("Doubt", "Loaded_Language"),
        )  # fmt: skip
        factories.make_highlight(world.assignment, student, "glorious leader", note="Why")
        factories.make_highlight(world.assignment, student, "leader", "Doubt")
        submission = _submission(world.assignment, student)
        if n % 3:
            lesson_services.submission_submit(submission=submission)
        if n % 2:
            lesson_services.review_save(
                submission=submission, reviewer=world.alice, comment="ok", score=2, prompt=prompt
            )

    def kind(n):
        return "never starts" if n % 5 == 4 else (n % 3 != 0, n % 2)

    factories.grow_class(world.class_a, size, work, kind=kind, name="Student number {n}")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    ("page", "most"),
    [
        # and the class's roster, in order: each answer waiting links to the page of the
        # question's review where its student is
        ("queue", 8),
        # the review pages include the one INSERT that records the view in the audit log
        ("prompt", 9),
        ("choose", 10),  # and the techniques chosen
        ("key", 9),
        ("blind", 9),
    ],
)
def test_a_review_page_runs_as_many_queries_for_50_students_as_for_5(client, world, page, most):
    urls = {
        "queue": reverse("insights:review_queue", args=[world.assignment.pk]),
        "prompt": _prompt_url(world, _text_prompt(world)),
        "choose": _prompt_url(world, factories.prompt_of(world.assignment, 1, "choose")),
        "key": _key_url(world, _key(world)),
        "blind": _prompt_url(world, _text_prompt(world), blind=True),
    }
    client.force_login(world.alice)

    _grow(world, 5)
    small = _count(client, urls[page])
    _grow(world, 50)
    large = _count(client, urls[page])

    assert Submission.objects.filter(assignment=world.assignment).count() == 39
    assert large == small <= most


@pytest.mark.parametrize(("htmx", "most"), [(True, 12), (False, 11)])
def test_saving_a_review_runs_as_many_queries_for_50_students_as_for_5(client, world, htmx, most):
    """The htmx answer counts the page's reviews again (its "n reviewed"), in one query; the
    plain form's redirect counts them on the page it comes back to."""
    prompt = _text_prompt(world)
    client.force_login(world.alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    def save() -> int:
        submission = Submission.objects.filter(assignment=world.assignment).first()
        data = {"prompt": prompt.pk, "comment": "Fine.", "reviewed": "on",
                "next": _prompt_url(world, prompt)}  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.post(_save_url(world.assignment, submission), data, **headers)
        assert response.status_code == (200 if htmx else 302)
        return len(queries.captured_queries)

    _grow(world, 5)
    small = save()
    _grow(world, 50)
    large = save()

    assert large == small, (small, large)
    assert large <= most


def test_the_prompt_model_has_the_answerable_kinds_the_views_expect():
    assert {k for k in Prompt.Kind if Prompt(kind=k).is_answerable} == {"text", "choose"}


def test_the_blind_key_span_page_names_nobody(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader", note="Praise.")
    client.force_login(world.alice)

    page = client.get(_key_url(world, _key(world)) + "?blind=1").content.decode()

    assert "Sam Student" not in page and world.sam.username not in page
    assert "Student 1" in page and "Praise." in page
