"""A student's whole journey in Chromium: with the mouse, and with the keyboard only."""

import pytest
from playwright.sync_api import expect

from core.models import User
from lessons.work.models import Answer, Submission
from tests import factories

from .journeys import assert_only_refusals, audit, log_in, select_words, stored, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lesson_setup():
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom)
    return classroom, assignment


def test_a_new_student_joins_and_works_through_the_lesson_with_the_mouse(
    page, browser, live_server, lesson_setup
):
    classroom, assignment = lesson_setup
    page.goto("/join/")
    audit(page)
    page.get_by_label("Class code").fill(classroom.join_code_display.lower())
    page.get_by_label("Your name").fill("Amira K.")
    page.get_by_label("Choose a password").fill("correct horse battery")
    page.get_by_label("Type the password again").fill("correct horse battery")
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to 10B Media")
    audit(page)
    student = User.objects.get(display_name="Amira K.")
    expect(page.locator(".login-name")).to_have_text(student.username)

    page.get_by_role("link", name="Go to your class").click()
    audit(page)
    page.get_by_role("link", name=assignment.lesson.title).click()
    expect(page.get_by_text("The Ministry of Truthiness (fictional)")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Start reading").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")
    expect(page.locator("#lesson-progress")).to_have_attribute("value", "1")
    audit(page)
    segment = assignment.lesson.segments.get(position=1)

    # The definitions are one click away.
    page.locator("#techniques summary", has_text="Name calling").click()
    expect(page.locator("#techniques details[open] p").first).to_be_visible()

    # The emoji before "traitors" is one code point here but two UTF-16 units in the browser.
    select_words(page, "traitors")
    page.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Name calling / labelling"
    )
    page.locator("#highlight-form").get_by_label("Why? (optional)").fill(
        "A label, not an argument."
    )
    page.get_by_role("button", name="Add highlight").click()
    expect(page.locator("#segment-text mark")).to_have_text("traitors")
    expect(page.locator("#segment-text .hl-label")).to_have_text("Name calling / labelling")
    highlight = stored(student, "traitors")
    start = segment.text.index("traitors")
    assert (highlight.start, highlight.end) == (start, start + len("traitors"))
    assert highlight.note == "A label, not an argument."

    # An overlapping highlight with another technique is welcome.
    select_words(page, "glorious leader 😀 says the traitors")
    page.locator("#highlight-form").get_by_label("Technique").select_option(label="Loaded language")
    page.get_by_role("button", name="Add highlight").click()
    expect(page.locator("#segment-text .hl-depth-2")).to_have_text("traitors")
    overlapping = stored(student, "glorious leader 😀 says the traitors")
    assert overlapping.start == segment.text.index("glorious")
    audit(page)

    # The same words with the same technique again are refused politely.
    select_words(page, "traitors")
    page.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Name calling / labelling"
    )
    page.get_by_role("button", name="Add highlight").click()
    expect(page.get_by_role("alert")).to_contain_text("already highlighted")
    assert Submission.objects.get(student=student).highlights.count() == 2

    page.get_by_label('Who are "the traitors"?').fill("Whoever the ministry dislikes.")
    expect(page.locator("#answers-status")).to_contain_text("Saved")
    page.get_by_role("checkbox", name="Loaded language").check()
    expect(page.locator("#answers-status")).to_contain_text("Saved")
    audit(page)
    assert_only_refusals(page, 409)

    # Closing the tab loses nothing: a new browser session resumes where the student was.
    page.context.close()
    context = browser.new_context(base_url=live_server.url)
    page2 = context.new_page()
    log_in(page2, student.username, "correct horse battery")
    page2.get_by_role("link", name=assignment.lesson.title).click()
    page2.get_by_role("link", name="Continue at passage 1").click()
    expect(page2.get_by_label('Who are "the traitors"?')).to_have_value(
        "Whoever the ministry dislikes."
    )
    expect(page2.get_by_role("checkbox", name="Loaded language")).to_be_checked()
    expect(page2.locator("#highlights li")).to_have_count(2)

    page2.get_by_role("button", name="Save and continue").click()
    expect(page2.get_by_role("heading", level=1)).to_contain_text("Passage 2 of 2")
    second = assignment.lesson.segments.get(position=2)
    select_words(page2, "Everyone 𝒜gree𝓈 with us")
    page2.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Bandwagon, reductio ad Hitlerum"
    )
    page2.get_by_role("button", name="Add highlight").click()
    expect(page2.locator("#segment-text mark")).to_have_text("Everyone 𝒜gree𝓈 with us")
    bandwagon = stored(student, "Everyone 𝒜gree𝓈 with us")
    assert (bandwagon.start, bandwagon.end) == (0, len("Everyone 𝒜gree𝓈 with us"))
    assert second.text[bandwagon.start : bandwagon.end] == bandwagon.quote

    page2.get_by_role("button", name="Save and review my work").click()
    expect(page2.get_by_role("heading", level=1)).to_have_text("Review and hand in")
    expect(page2.get_by_text("You made 3 highlights")).to_be_visible()
    check_page = page2  # audited below with the same helper
    audit(check_page)
    page2.get_by_role("button", name="Hand in my work").click()
    expect(page2.get_by_text("Your work is handed in")).to_be_visible()
    assert Submission.objects.get(student=student).submitted_at is not None
    page2.goto(f"/assignments/{assignment.pk}/segments/1/")
    expect(page2.get_by_text("can no longer be changed")).to_be_visible()
    expect(page2.get_by_role("button", name="Add highlight")).to_have_count(0)
    audit(page2)
    context.close()


def test_a_student_does_everything_with_the_keyboard_only(page, lesson_setup):
    classroom, assignment = lesson_setup
    student = factories.make_student("Kai Keyboard", classroom)
    segment = assignment.lesson.segments.get(position=1)

    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(student.username)
    page.keyboard.press("Tab")
    page.keyboard.type("a-long-password")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as")).to_be_visible()

    tab_to(page, f"a[href='/assignments/{assignment.pk}/']")
    page.keyboard.press("Enter")
    tab_to(page, "text=Start reading")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")

    # Typing the words is the keyboard's way to highlight; "traitors" occurs twice.
    tab_to(page, "#id_quote")
    page.keyboard.type("traitors")
    page.keyboard.press("Tab")
    page.keyboard.type("Name")  # type-ahead in the focused <select>
    expect(page.locator("#id_technique option:checked")).to_have_text("Name calling / labelling")
    tab_to(page, "#id_note")
    page.keyboard.type("Calls opponents names.")
    tab_to(page, "#add-highlight")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Which one do you mean?")).to_be_visible()
    audit(page)
    # The choices get the focus; the arrow key picks the second occurrence.
    expect(page.locator("#occurrence-1")).to_be_focused()
    page.keyboard.press("ArrowDown")
    tab_to(page, "#add-highlight")
    page.keyboard.press("Enter")
    expect(page.locator("#segment-text mark")).to_have_text("traitors")
    # The save is settled when the message that says what happened has the focus.
    expect(page.locator("#workspace-status")).to_be_focused()
    highlight = stored(student, "traitors")
    second = segment.text.index("traitors", segment.text.index("traitors") + 1)
    assert highlight.start == second
    assert highlight.note == "Calls opponents names."

    # Change the technique, then remove the highlight, by keyboard: the form that changes it
    # comes in place of its Change link, with the focus on the technique.
    tab_to(page, f"#highlight-{highlight.pk} a:has-text('Change')")
    page.keyboard.press("Enter")
    expect(page.locator(f"#id_h{highlight.pk}-technique")).to_be_focused()
    page.keyboard.type("Loaded")
    tab_to(page, f"#highlight-{highlight.pk} button:has-text('Save changes')")
    page.keyboard.press("Enter")
    expect(page.locator("#segment-text .hl-label")).to_have_text("Loaded language")
    expect(page.locator(f"#highlight-{highlight.pk}")).to_contain_text("traitors — Loaded")
    expect(page.locator("#workspace-status")).to_be_focused()
    highlight.refresh_from_db()
    assert highlight.technique.code == "Loaded_Language"
    tab_to(page, f"#highlight-{highlight.pk} button:has-text('Remove')")
    page.keyboard.press("Enter")
    expect(page.locator("#highlights")).to_contain_text("None yet")
    expect(page.locator("#workspace-status")).to_be_focused()
    audit(page)

    tab_to(page, "#id_quote")
    page.keyboard.type("glorious leader")
    page.keyboard.press("Tab")
    page.keyboard.type("Loaded")
    tab_to(page, "#add-highlight")
    page.keyboard.press("Enter")
    expect(page.locator("#segment-text mark")).to_have_text("glorious leader")
    expect(page.locator("#workspace-status")).to_be_focused()

    prompt = segment.prompts.get(kind="text")
    tab_to(page, f"#prompt-{prompt.pk}")
    page.keyboard.type("People who disagree.")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 2 of 2")
    assert Answer.objects.get(prompt=prompt).text == "People who disagree."

    tab_to(page, "button[value=review]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and hand in")
    tab_to(page, "text=Hand in my work")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your work is handed in")).to_be_visible()
    assert Submission.objects.get(student=student).is_submitted
    audit(page)
    assert_only_refusals(page, 400)  # the question "which one do you mean?"
