"""The teacher reviews answers in Chromium with the keyboard only, blind marks, and the student
reads the comment on the feedback page."""

import re

import pytest
from playwright.sync_api import expect

from lessons.work import services
from lessons.work.models import Review
from tests import factories

from .journeys import audit, log_in, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handed_in():
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom, feedback_release="on_submit")
    prompt = factories.prompt_of(assignment, 1, "text")
    students = {}
    for name, text in [("Sam Student", "The ministry's enemies."), ("Rita Ramos", "Anyone")]:
        student = factories.make_student(name, classroom)
        factories.make_answer(assignment, student, prompt, text)
        factories.make_highlight(assignment, student, "glorious leader", note=f"Praise? {name}")
        submission = services.submission_for(assignment=assignment, student=student)
        services.submission_submit(submission=submission)
        students[name] = (student, submission)
    factories.make_student("Ned Notyet", classroom)
    return teacher, assignment, prompt, students


def test_a_teacher_reviews_answers_with_the_keyboard_then_marks_blind(page, handed_in):
    teacher, assignment, prompt, students = handed_in
    sam, submission = students["Sam Student"]
    log_in(page, teacher.username, "a-long-teacher-password")

    page.goto(f"/assignments/{assignment.pk}/review/")
    index = page.get_by_role("region", name="Work to review, passage by passage")
    # Passage 1 and its first question hold the answers to review: open. Passage 2: folded.
    passage_1, passage_2 = index.locator(":scope > details").all()
    expect(passage_1.locator(":scope > summary")).to_have_text(
        "Passage 1: First — 2 answers to review"
    )
    expect(passage_1).to_have_attribute("open", "")
    expect(passage_2.locator(":scope > summary")).to_have_text(
        "Passage 2: Second — nothing to review"
    )
    expect(passage_2.get_by_role("link", name="Every answer, side by side")).to_be_hidden()
    audit(page)
    passage_2.locator(":scope > summary").click()  # a folded group opens with a click
    expect(passage_2.get_by_role("link", name="Every answer, side by side")).to_be_hidden()
    expect(passage_2.locator("details summary")).to_have_text(
        'Does "everyone" agree? — nothing to review'
    )
    audit(page)
    every_answer = re.compile(rf"^Every answer, side by side\W+{re.escape(prompt.text)}$")
    passage_1.get_by_role("link", name=every_answer).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Question 1 of 3")
    expect(page.get_by_text("The ministry's enemies.")).to_be_visible()
    expect(page.locator("#reviewed-count")).to_have_text("0 reviewed")
    audit(page)

    comment = page.get_by_role("textbox", name="Comment for Sam Student")
    tab_to(page, f"#review-{submission.pk}-comment")
    expect(comment).to_be_focused()
    page.keyboard.type("Which enemies? Name the group the text blames.")
    page.keyboard.press("Tab")
    score = page.get_by_role("combobox", name="Score (0–5) for Sam Student")
    expect(score).to_be_focused()
    page.keyboard.type("4")
    expect(score).to_have_value("4")
    page.keyboard.press("Tab")
    reviewed = page.get_by_role("checkbox", name="Reviewed for Sam Student")
    expect(reviewed).to_be_focused()
    # Not ticked: the card says "Not reviewed yet", and the box agrees with it.
    expect(reviewed).not_to_be_checked()
    expect(page.locator(f"#review-{submission.pk} .review-state")).to_have_text("Not reviewed yet")
    page.keyboard.press("Space")
    expect(reviewed).to_be_checked()
    page.keyboard.press("Tab")
    save = page.get_by_role("button", name="Save review for Sam Student")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(f"#review-{submission.pk}-status")).to_contain_text("Saved")
    expect(save).to_be_focused()  # the swap keeps the keyboard user's place
    expect(page.locator(f"#review-{submission.pk} .review-state")).to_contain_text("Reviewed ")
    expect(page.locator("#reviewed-count")).to_have_text("1 reviewed")  # out of band
    audit(page)
    review = Review.objects.get()
    assert (review.comment, review.score, review.prompt, review.submission) == (
        "Which enemies? Name the group the text blames.",
        4,
        prompt,
        submission,
    )
    assert review.is_reviewed

    page.get_by_role("link", name="Blind marking: hide names").click()
    expect(page.get_by_text("Blind marking:")).to_be_visible()
    expect(page.get_by_role("heading", name="Student 1", exact=True)).to_be_visible()
    main = page.locator("main").inner_text()
    for name in ("Sam Student", "Rita Ramos", "Ned Notyet", sam.username):
        assert name not in main
    audit(page)

    # The other answer, saved blind: back on the blind page, with the status said in words.
    rita_submission = students["Rita Ramos"][1]
    page.locator(f"#review-{rita_submission.pk}-comment").fill("Who is anyone?")
    page.locator(f"#review-{rita_submission.pk}-reviewed").check()
    page.locator(f"#review-{rita_submission.pk}-save").click()
    expect(page.locator(f"#review-{rita_submission.pk}-status")).to_contain_text("Saved")
    expect(page.locator("#reviewed-count")).to_have_text("2 reviewed")
    assert "Rita Ramos" not in page.locator("main").inner_text()

    page.goto(f"/assignments/{assignment.pk}/review/")
    expect(page.get_by_text("Nothing is waiting for review.")).to_be_visible()


def test_a_review_works_without_javascript(browser, live_server, handed_in):
    teacher, assignment, prompt, students = handed_in
    submission = students["Sam Student"][1]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/review/prompts/{prompt.pk}/?blind=1")

    page.locator(f"#review-{submission.pk}-comment").fill("Plain form post.")
    page.locator(f"#review-{submission.pk}-score").select_option("2")
    expect(page.locator("#reviewed-count")).to_have_text("0 reviewed")
    page.locator(f"#review-{submission.pk}-reviewed").check()
    page.locator(f"#review-{submission.pk}-save").click()

    expect(page.get_by_text("Review saved.")).to_be_visible()
    assert page.url.endswith(f"?blind=1#submission-{submission.pk}")
    expect(page.locator(f"#review-{submission.pk}-comment")).to_have_value("Plain form post.")
    expect(page.locator("#reviewed-count")).to_have_text("1 reviewed")  # the page it came back to
    expect(page.locator(f"#review-{submission.pk}-reviewed")).to_be_checked()
    assert Review.objects.get().score == 2
    context.close()


def test_the_key_span_page_is_accessible(page, handed_in):
    teacher, assignment, _, _ = handed_in
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/review/")
    page.get_by_role("link", name="glorious leader").click()
    expect(page.get_by_text("Praise? Sam Student")).to_be_visible()
    expect(page.get_by_text("Found: 2")).to_be_visible()
    audit(page)
    page.locator("summary", has_text="Read the passage").click()
    expect(page.locator(".source-text mark")).to_have_text("glorious leader")
    audit(page)


def test_the_student_reads_the_comment_after_handing_in(page, handed_in):
    teacher, assignment, prompt, students = handed_in
    sam, submission = students["Sam Student"]
    services.review_save(
        submission=submission, reviewer=teacher, comment="Name the group they blame.",
        score=4, prompt=prompt,
    )  # fmt: skip
    log_in(page, sam.username, "a-long-password")

    page.goto(f"/assignments/{assignment.pk}/feedback/")

    expect(page.get_by_text("Name the group they blame.")).to_be_visible()
    expect(page.locator(".teacher-comment")).to_contain_text("4/5")
    audit(page)
