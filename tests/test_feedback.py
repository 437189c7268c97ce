"""Feedback release rules, late work, extensions, and what a student sees after release."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.work import services
from lessons.work.models import Assignment, Highlight, Submission

from . import factories
from .conftest import PERSONAS
from .html import assert_not_in_fragment, select, text

EXPLANATION = "Praise words that ask for admiration."  # a key explanation of SMALL_LESSON


def _submit(world, student=None):
    submission = services.submission_for(assignment=world.assignment, student=student or world.sam)
    services.submission_submit(submission=submission)
    return submission


def _set(assignment, **fields):
    Assignment.objects.filter(pk=assignment.pk).update(**fields)
    assignment.refresh_from_db()


@pytest.fixture
def sams_work(world):
    a = world.assignment
    factories.make_highlight(a, world.sam, "glorious leader", "Loaded_Language", note="praise")
    factories.make_highlight(a, world.sam, "leader", "Loaded_Language")
    factories.make_highlight(a, world.sam, "traitors", "Doubt", occurrence=1)
    factories.make_highlight(a, world.sam, "Join them", "Slogans", position=2)
    return world


def test_before_handing_in_there_is_no_feedback_and_no_key_anywhere(client, sams_work):
    world = sams_work
    client.force_login(world.sam)

    response = client.get(reverse("insights:feedback", args=[world.assignment.pk]))

    assert response.status_code == 403
    assert "after you hand in" in response.content.decode()
    for url in [
        reverse("insights:feedback", args=[world.assignment.pk]),
        reverse("work:assignment", args=[world.assignment.pk]),
        reverse("work:segment", args=[world.assignment.pk, 1]),
        reverse("work:submit", args=[world.assignment.pk]),
    ]:
        page = client.get(url).content.decode()
        assert EXPLANATION not in page
    htmx = client.post(
        reverse("work:highlight_add", args=[world.assignment.pk, 1]),
        {"quote": "always fail", "technique": Highlight.objects.first().technique_id},
        HTTP_HX_REQUEST="true",
    )
    assert EXPLANATION not in htmx.content.decode()


def test_feedback_released_on_submit_marks_each_highlight_and_lists_what_was_missed(
    client, sams_work
):
    world = sams_work
    _submit(world)
    client.force_login(world.sam)

    response = client.get(reverse("insights:feedback", args=[world.assignment.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "You found <strong>1 of 4</strong> techniques" in page
    assert "<strong>1 of your 4</strong> highlights match the key closely" in page
    assert "Correct" in page
    assert "Partly overlapping" in page
    assert "Right words, another technique" in page
    assert "Not in the key" in page
    assert EXPLANATION in page
    assert "Claims everyone agrees." in page  # the missed bandwagon span, with its explanation
    assert 'class="hl hl-depth-1 hl-correct"' in page or "hl-correct" in page
    feedback = response.context["feedback"]
    verdicts = {h.highlight.quote: h.verdict for s in feedback.segments for h in s.highlights}
    assert verdicts == {
        "glorious leader": "correct",
        "leader": "partial",
        "traitors": "wrong_technique",
        "Join them": "not_in_key",
    }
    # the first "traitors" was highlighted with another technique: shown once, under that
    # highlight ("Right words, another technique"), not also as missed
    missed = [k.quote for s in feedback.segments for k in s.missed]
    assert missed == ["traitors", "Everyone 𝒜gree𝓈 with us"]
    other = [k.quote for s in feedback.segments for k in s.other_technique]
    assert other == ["traitors"]


def test_feedback_after_the_due_date_waits_for_it_and_for_an_extension(client, world):
    now = timezone.now()
    _set(world.assignment, due_at=now + timedelta(days=1), feedback_release="after_due")
    _submit(world)
    client.force_login(world.sam)
    url = reverse("insights:feedback", args=[world.assignment.pk])

    assert client.get(url).status_code == 403
    _set(world.assignment, due_at=now - timedelta(hours=1))
    assert client.get(url).status_code == 200
    services.submission_extend(
        assignment=world.assignment, student=world.sam, due_at=now + timedelta(days=2)
    )
    pending = client.get(url)
    assert pending.status_code == 403
    assert "after the due date" in pending.content.decode()


def test_manual_release_waits_for_the_teacher(client, world):
    _set(world.assignment, feedback_release="manual")
    _submit(world)
    client.force_login(world.sam)
    url = reverse("insights:feedback", args=[world.assignment.pk])
    assert client.get(url).status_code == 403

    client.force_login(world.alice)
    response = client.post(reverse("work:feedback_release", args=[world.assignment.pk]))
    assert response.status_code == 302
    again = client.post(reverse("work:feedback_release", args=[world.assignment.pk]), follow=True)
    assert "already released" in again.content.decode()

    client.force_login(world.sam)
    assert client.get(url).status_code == 200


def test_work_handed_in_after_the_due_date_is_flagged_late(world):
    _set(world.assignment, due_at=timezone.now() - timedelta(minutes=5))

    submission = _submit(world)

    submission.refresh_from_db()
    assert submission.is_late


def test_an_extension_makes_the_same_hand_in_on_time(world):
    _set(world.assignment, due_at=timezone.now() - timedelta(minutes=5))
    services.submission_extend(
        assignment=world.assignment, student=world.sam, due_at=timezone.now() + timedelta(days=1)
    )

    submission = _submit(world)

    submission.refresh_from_db()
    assert submission.is_submitted
    assert not submission.is_late


def test_without_late_work_nothing_changes_after_the_due_date(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _set(world.assignment, due_at=timezone.now() - timedelta(minutes=5), accept_late=False)
    client.force_login(world.sam)
    technique = Highlight.objects.get().technique_id

    added = client.post(
        reverse("work:highlight_add", args=[world.assignment.pk, 1]),
        {"quote": "always fail", "technique": technique},
    )
    handed_in = client.post(reverse("work:submit", args=[world.assignment.pk]))

    assert added.status_code == 409
    assert "due date has passed" in added.content.decode()
    assert handed_in.status_code == 409
    assert "due date has passed" in handed_in.content.decode()
    assert Highlight.objects.count() == 1
    assert not Submission.objects.get(student=world.sam).is_submitted


def test_the_teacher_changes_the_settings(client, world):
    client.force_login(world.alice)
    url = reverse("work:assignment_settings", args=[world.assignment.pk])
    assert client.get(url).status_code == 200

    refused = client.post(url, {"feedback_release": "after_due", "accept_late": "on"})
    saved = client.post(
        url,
        {
            "due_at": "2031-03-01T09:30",
            "feedback_release": "after_due",
        },
    )

    assert refused.status_code == 400
    assert "Set a due date to release feedback after it." in refused.content.decode()
    assert saved.status_code == 302
    world.assignment.refresh_from_db()
    assert world.assignment.feedback_release == "after_due"
    assert world.assignment.due_at.year == 2031
    assert world.assignment.accept_late is False


def test_the_teacher_extends_and_then_removes_an_extension(client, world):
    client.force_login(world.alice)
    url = reverse("work:extend", args=[world.assignment.pk, world.sam.pk])

    client.post(url, {f"student-{world.sam.pk}-due_at": "2031-05-01T12:00"})
    submission = Submission.objects.get(student=world.sam)
    assert submission.extended_due_at.year == 2031
    page = client.get(reverse("work:assignment_settings", args=[world.assignment.pk]))
    assert "(extended)" in page.content.decode()

    client.post(url, {f"student-{world.sam.pk}-due_at": ""})
    submission.refresh_from_db()
    assert submission.extended_due_at is None


def test_a_teacher_cannot_extend_for_a_student_of_another_class(client, world):
    client.force_login(world.alice)

    response = client.post(
        reverse("work:extend", args=[world.assignment.pk, world.olga.pk]),
        {f"student-{world.olga.pk}-due_at": "2031-05-01T12:00"},
    )

    assert response.status_code == 404
    assert not Submission.objects.filter(student=world.olga).exists()


LOGIN = "login"


@pytest.mark.parametrize(
    ("name", "method", "expected"),
    [
        ("feedback", "get", (LOGIN, 403, 404, 404, 404)),
        ("assignment_settings", "get", (LOGIN, 404, 404, 200, 404)),
        ("assignment_settings", "post", (LOGIN, 404, 404, 302, 404)),
        ("feedback_release", "get", (LOGIN, 405, 405, 405, 405)),
        ("feedback_release", "post", (LOGIN, 404, 404, 302, 404)),
        ("extend", "post", (LOGIN, 404, 404, 302, 404)),
    ],
)
def test_each_persona_gets_only_what_is_theirs(client, world, name, method, expected):
    args = [world.assignment.pk] + ([world.sam.pk] if name == "extend" else [])
    url = reverse(("insights:" if name == "feedback" else "work:") + name, args=args)
    for persona, status in zip(PERSONAS, expected, strict=True):
        client.logout()
        if persona != "anonymous":
            client.force_login(getattr(world, persona))
        data = {"feedback_release": "on_submit"} if method == "post" else {}
        response = getattr(client, method)(url, data)
        if status == LOGIN:
            assert response.status_code == 302
            assert response.url.startswith(reverse("core:login"))
        else:
            assert response.status_code == status, persona


@pytest.mark.parametrize("size", [3, 30])
def test_the_feedback_page_runs_the_same_queries_whatever_the_class_size(
    client, world, size, django_assert_max_num_queries
):
    for n in range(size):
        student = factories.make_student(f"Student {n}", world.class_a)
        factories.make_highlight(world.assignment, student, "glorious leader")
    factories.make_highlight(world.assignment, world.sam, "traitors", "Doubt", occurrence=1)
    _submit(world)
    client.force_login(world.sam)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("insights:feedback", args=[world.assignment.pk]))

    assert response.status_code == 200


def test_the_lesson_page_offers_the_feedback_only_once_released(client, world):
    _set(world.assignment, feedback_release="manual")
    _submit(world)
    client.force_login(world.sam)
    url = reverse("work:assignment", args=[world.assignment.pk])
    feedback_url = reverse("insights:feedback", args=[world.assignment.pk])

    before = client.get(url).content.decode()
    services.feedback_release(assignment=world.assignment)
    after = client.get(url).content.decode()

    assert feedback_url not in before
    assert "when your teacher releases it" in before
    assert feedback_url in after


def test_the_teacher_sees_a_students_work_against_the_key(client, sams_work):
    world = sams_work
    client.force_login(world.alice)

    page = client.get(reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk]))

    content = page.content.decode()
    assert "Found <strong>1 of 4</strong> techniques" in content
    assert "Right words, another technique" in content
    assert EXPLANATION in content


def test_students_see_reviewed_comments_but_not_drafts(client, world):
    submission = _submit(world)
    prompt = factories.prompt_of(world.assignment, 1, "text")
    services.review_save(
        submission=submission, reviewer=world.alice, comment="Good thinking.", score=4
    )
    services.review_save(
        submission=submission,
        reviewer=world.alice,
        prompt=prompt,
        comment="Still drafting this one.",
        score=None,
        reviewed=False,
    )
    client.force_login(world.sam)

    page = client.get(reverse("insights:feedback", args=[world.assignment.pk])).content.decode()

    assert "Good thinking." in page
    assert "<strong>4/5</strong>" in page
    assert "Still drafting this one." not in page
    client.force_login(world.alice)
    teacher_page = client.get(
        reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    )
    assert "Still drafting this one." in teacher_page.content.decode()


def test_the_teacher_writes_an_overall_comment_from_the_students_work_page(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    client.force_login(world.alice)
    url = reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    submission = Submission.objects.get(student=world.sam)

    page = client.get(url).content.decode()
    response = client.post(
        reverse("insights:review_save", args=[world.assignment.pk, submission.pk]),
        {"comment": "Well argued overall.", "score": "5", "reviewed": "on", "next": url},
    )

    assert (
        f'action="{reverse("insights:review_save", args=[world.assignment.pk, submission.pk])}"'
        in page
    )
    assert response.status_code == 302
    assert response.url.startswith(url)
    review = submission.reviews.get()
    assert (review.prompt, review.key_span, review.comment, review.score) == (
        None,
        None,
        "Well argued overall.",
        5,
    )


# The teacher's page of one student's work: progress, and the overall review ---------------


def _words(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _student_work(client, world):
    client.force_login(world.alice)
    url = reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    return client.get(url).content.decode()


def test_the_students_work_page_says_which_passages_are_done_not_how_far_they_clicked(
    client, world
):
    a = world.assignment
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.open_at(a, world.sam, 2)  # clicked through both passages

    page = _student_work(client, world)

    assert "reached" not in page
    assert text(page, "#progress-words") == "0 of 2 passages done, 1 worked on, 1 read only."
    assert [_words(item) for item in select(page, ".passage-states li")] == [
        "Passage 1: First : ✎ worked on",
        "Passage 2: Second : ○ read only",
    ]
    assert select(page, 'a[href="#segment-1"]') and select(page, "#segment-1")

    factories.make_answer(a, world.sam, factories.prompt_of(a, 1, "text"), "The enemies.")
    factories.make_answer(
        a, world.sam, factories.prompt_of(a, 1, "choose"), technique_codes=("Doubt",)
    )
    page = _student_work(client, world)

    assert text(page, "#progress-words") == "1 of 2 passages done, 1 read only."
    assert _words(select(page, ".passage-states li")[0]) == "Passage 1: First : ✓ done"


def test_the_overall_reviewed_box_is_ticked_only_once_the_work_is_marked_reviewed(client, world):
    submission = factories.make_highlight(world.assignment, world.sam, "leader").submission

    before = _student_work(client, world)
    services.review_save(
        submission=submission, reviewer=world.alice, comment="Good.", score=4, reviewed=True
    )
    after = _student_work(client, world)

    box = 'input[name="reviewed"]'
    assert not select(before, box)[0].has_attr("checked")
    assert text(before, ".review-state") == "Not reviewed yet"
    assert select(after, box)[0].has_attr("checked")
    assert text(after, ".review-state").startswith("Reviewed ")


# Marks in the text: nested, announced, outside the source's bold words ----------------------


def test_feedback_marks_nest_and_say_where_each_highlight_starts_and_ends(client, sams_work):
    world = sams_work
    _submit(world)
    client.force_login(world.sam)

    page = client.get(reverse("insights:feedback", args=[world.assignment.pk])).content.decode()

    passage = '[aria-labelledby="segment-1"] .source-text'
    # What a screen reader reads: each highlight announced, its words, its end and verdict.
    assert text(page, passage) == (
        "Our Highlight start: Loaded language glorious"
        " Highlight start: Loaded language leader"
        " Highlight end: Loaded language: partly overlapping"
        " Highlight end: Loaded language: correct 😀 says the"
        " Highlight start: Doubt traitors Highlight end: Doubt: right words, another technique"
        " will fail. The Key span start: Name calling / labelling traitors"
        " Key span end: Missed: Name calling / labelling always fail."
    )
    # "leader" is drawn inside "glorious leader", not as fragments beside it; the bold word
    # is inside its mark, and nothing is added inside the bold word.
    assert text(page, f"{passage} mark.hl-correct > mark.hl-partial") == "leader"
    assert text(page, f"{passage} mark.hl-wrong_technique > strong") == "traitors"
    assert_not_in_fragment(page, f"{passage} strong", "Highlight", "Doubt")
    for mark in select(page, f"{passage} mark"):
        for said in mark.select("[data-anchor-ignore]"):
            said.extract()
        assert mark.get_text().strip(), mark
