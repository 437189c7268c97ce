"""A teacher moves a class to a newer revision of its lesson, in Chromium: from the notice on
the dashboard to the dry run and the move by keyboard (each done by the worker, with its
progress page) and the list of what could not be carried over; then the student finds their
highlights on the same words in the new text."""

import pytest
from playwright.sync_api import expect

from core.models import Job
from lessons.work.models import Highlight
from tests import factories
from tests.test_assignment_revision import _do_work, _lesson, _revise

from .journeys import audit, log_in, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_teacher_moves_the_class_and_the_student_sees_the_same_words(page):
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    sam = factories.make_student("Sam K.", classroom)
    tom = factories.make_student("Tom L.", classroom)
    lesson = _lesson(factories.make_teacher("Ana Author"))
    assignment = factories.make_assignment(classroom, lesson)
    _do_work(assignment, sam, tom, teacher)
    new = _revise(lesson)

    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/dashboard/")
    expect(page.get_by_text("A newer revision of this lesson is published")).to_be_visible()
    page.get_by_role("link", name="see what moving changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lesson revision: {lesson.title}")
    expect(page.locator("#current-revision")).to_contain_text("10B Media is on revision 1")
    # The dry run is worked out by the worker (at once here), with a progress page.
    expect(page.locator("#no-dry-run")).to_be_visible()
    page.get_by_role("button", name="Work out what moving would do").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What moving would do: 10B")
    expect(page.locator("#job-message")).to_contain_text("Lens has worked out what moving")
    audit(page)
    page.get_by_role("link", name="See what moving would do").click()
    dry_run = page.locator("#dry-run")
    expect(dry_run).to_contain_text("10 highlights from 2 students will be re-anchored")
    expect(dry_run).to_contain_text("2 answers and 2 reviews follow their questions")
    expect(dry_run).to_contain_text("these 7 pieces of work cannot be placed")
    expect(page.get_by_role("heading", name="Sam K.", level=5)).to_be_visible()
    expect(
        page.get_by_text("Why: its words were changed or removed in the new revision.").first
    ).to_be_visible()
    audit(page)
    assert Highlight.objects.filter(segment__lesson=new).count() == 0  # the dry run wrote nothing

    tab_to(page, "button:text('Move this class to revision 2')")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moving 10B Media to revision 2")
    expect(page.locator("#job-progress")).to_contain_text(
        "10B Media is now on revision 2. 10 highlights re-anchored"
    )
    audit(page)
    page.get_by_role("link", name="See the class's revision page").click()
    expect(page.locator("#current-revision")).to_contain_text("10B Media is on revision 2")
    expect(page.get_by_text("This class is on the newest revision of this lesson.")).to_be_visible()
    kept = page.get_by_role("heading", name="Work that could not be carried over (7)")
    expect(kept).to_be_visible()
    expect(page.get_by_role("heading", name="Tom L.", level=3)).to_be_visible()
    expect(page.get_by_text("Comment: Check the year.")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="7 pieces of work could not be carried over").click()
    expect(kept).to_be_visible()
    page.goto(f"/assignments/{assignment.pk}/students/{sam.pk}/")
    expect(page.get_by_role("heading", name="Work not carried over to revision 2")).to_be_visible()
    audit(page)
    page.goto(f"/assignments/{assignment.pk}/settings/")
    expect(page.get_by_text("7 pieces of work could not be carried over")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    log_in(page, sam.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/segments/1/")
    text = page.locator("[data-segment-text]")
    assert "Listen, citizens. Our glorious leader" in _words(text)
    marks = text.locator("mark")
    expect(marks).to_have_text(["glorious leader", "traitors"])
    page.goto(f"/assignments/{assignment.pk}/segments/5/")
    assert "The second half talks about circuses" in _words(text)
    expect(text.locator("mark")).to_have_text(["circuses"])
    audit(page)


def _words(text) -> str:
    """The passage's own words, without the highlights' announcements for screen readers."""
    return text.evaluate(
        "el => { const c = el.cloneNode(true);"
        " c.querySelectorAll('[data-anchor-ignore]').forEach(e => e.remove());"
        " return c.textContent; }"
    )


def test_the_progress_page_follows_the_work_as_it_goes_without_a_reload(page):
    teacher = factories.make_teacher("Ms Rivera")
    job = Job.objects.create(
        owner=teacher,
        kind=Job.Kind.PLAN,
        title="What moving would do: 10B Media, to revision 2",
        task_path="lessons.work.tasks.plan_move",
        state=Job.State.RUNNING,
        step="Working out where each student's work goes",
        done=40,
        total=120,
    )
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/jobs/{job.pk}/")
    expect(page.locator("#job-count")).to_have_text("40 of 120")
    expect(page.get_by_role("link", name="Check progress")).to_be_visible()
    audit(page)

    Job.objects.filter(pk=job.pk).update(done=80)
    expect(page.locator("#job-count")).to_have_text("80 of 120")  # polled, not reloaded
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        step="Done",
        done=120,
        message="Lens has worked out what moving 10B Media to revision 2 would do.",
        result_url="/",
        result_label="See what moving would do",
    )
    expect(page.locator("#job-message")).to_contain_text("Lens has worked out")
    expect(page.locator("#job-bar")).to_have_count(0)
    expect(page.get_by_role("link", name="See what moving would do")).to_be_visible()
    audit(page)
