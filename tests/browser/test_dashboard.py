"""The class dashboard and the class map in Chromium, on the seed lesson: every section is
there, axe-core finds no violation, and the harness has the Nu checker validate the HTML."""

import pytest
from playwright.sync_api import expect

from lessons.work.models import Assignment, AuditEvent
from tests import factories

from .journeys import audit, log_in

pytestmark = pytest.mark.django_db(transaction=True)

# (quote, technique, passage) on or near the seed lesson's key spans.
WORK = [
    [("all-people struggle", "Loaded_Language", 1), ("His Excellency", "Loaded_Language", 1),
     ("imperialists", "Name_Calling,Labeling", 2), ("vigorous struggle", "Loaded_Language", 2)],
    [("all-people struggle", "Flag-Waving", 1), ("imperialists", "Name_Calling,Labeling", 2)],
    [("His Excellency Kim Jong Un", "Appeal_to_Authority", 1),
     ("world-startling miracles", "Exaggeration,Minimisation", 2)],
]  # fmt: skip


@pytest.fixture
def seed_class():
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom, factories.seed_lesson())
    students = []
    for n, work in enumerate(WORK):
        student = factories.make_student(f"Student {'ABC'[n]}", classroom)
        for quote, code, position in work:
            factories.make_highlight(assignment, student, quote, code, position=position)
        factories.hand_in(assignment, student, position=2 + n)
        students.append(student)
    factories.make_student("Dana Late-Starter", classroom)
    return teacher, assignment, students


def test_the_teacher_reads_the_class_dashboard(page, seed_class):
    teacher, assignment, _ = seed_class
    log_in(page, teacher.username, "a-long-teacher-password")

    page.goto(f"/assignments/{assignment.pk}/dashboard/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    for heading in [
        "Progress",
        "Where the class highlighted",
        "Techniques found and missed",
        "Which technique students chose",
        "Most often missed",
        "Where students disagree most",
    ]:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text("4 students · 3 started · 3 handed in")).to_be_visible()
    expect(page.get_by_role("row", name="Student A", exact=False)).to_be_visible()
    expect(page.get_by_role("cell", name="Dana Late-Starter")).to_have_count(0)  # a row header
    expect(page.get_by_role("rowheader", name="Dana Late-Starter")).to_be_visible()
    expect(page.locator(".phrases li", has_text="imperialists")).to_have_text(
        "imperialists: 2 of 3 students"
    )
    expect(page.locator(".missed-list li").first).to_contain_text("missed by 3 of 3")
    # Passages nobody highlighted have no agreement figure, and no full bar.
    untouched = page.locator("table.agreement tbody tr").last
    expect(untouched.get_by_role("cell").first).to_have_text("No highlights yet")
    expect(untouched.locator("svg")).to_have_count(0)
    audit(page)

    # The heat levels differ by the line under the words, not only by their colour.
    swatches = page.locator(".heat-legend .heat-swatch.heat")
    lines = swatches.evaluate_all(
        """els => els.map(el => {
            const style = getComputedStyle(el);
            return [style.borderBottomStyle, style.borderBottomWidth].join(" ");
        })"""
    )
    assert len(lines) == 3 and len(set(lines)) == 3, lines  # a class of 3: levels 2, 4, 5
    assert "none" not in " ".join(lines), lines
    every_level = page.evaluate(
        """() => [1, 2, 3, 4, 5].map(level => {
            const probe = document.createElement("span");
            probe.className = `heat heat-${level}`;
            document.querySelector(".heat-text").append(probe);
            const style = getComputedStyle(probe);
            const line = [style.borderBottomStyle, style.borderBottomWidth].join(" ");
            probe.remove();
            return line;
        })"""
    )
    assert len(set(every_level)) == 5 and "none" not in " ".join(every_level), every_level

    # A download is a POST: the file comes, and the audit log has it.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download students (CSV)").click()
    assert download.value.suggested_filename.endswith("-students.csv")
    assert AuditEvent.objects.filter(action="exported", actor=teacher).count() == 1

    page.get_by_role("link", name="Student A").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Student A")
    # Progress in the states of the dashboard, not "passage 2 of 20 reached".
    expect(page.locator("#progress-words")).to_have_text(
        "0 of 20 passages done, 2 worked on, 18 not opened."
    )
    audit(page)


def test_a_student_reads_the_class_map_after_release(page, seed_class):
    _, assignment, students = seed_class
    Assignment.objects.filter(pk=assignment.pk).update(feedback_release="manual")
    log_in(page, students[0].username, "a-long-password")

    page.goto(f"/assignments/{assignment.pk}/class-map/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The class map is not ready yet")
    audit(page)

    Assignment.objects.filter(pk=assignment.pk).update(feedback_release="on_submit")
    page.goto(f"/assignments/{assignment.pk}/class-map/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where your class highlighted")
    expect(page.locator(".heat-5").first).to_be_visible()
    expect(page.get_by_text("Student B")).to_have_count(0)
    audit(page)
