"""A teacher finds a lesson in the library, reads it, duplicates it and sees the draft copy."""

import pytest
from playwright.sync_api import expect

from lessons.library.models import Lesson
from tests import factories

from .journeys import audit, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_searches_filters_and_duplicates_the_seed_lesson(page):
    seed = factories.seed_lesson()
    factories.make_lesson()
    teacher = factories.make_teacher("Ms Rivera")
    log_in(page, teacher.username, "a-long-teacher-password")
    page.get_by_role("link", name="Lessons", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lessons")
    expect(page.get_by_role("heading", name="2 lessons")).to_be_visible()
    audit(page)

    page.get_by_label("Search").fill("Pyongyang")
    page.get_by_role("button", name="Find lessons").click()
    expect(page.get_by_role("heading", name="1 lesson", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=seed.title)).to_be_visible()

    page.get_by_label("Search").fill("")
    page.get_by_label("Techniques list").select_option(value=seed.taxonomy.slug)
    # The search form's, not the language switcher in the footer.
    page.get_by_role("search").get_by_label("Language").select_option(seed.language)
    page.get_by_role("button", name="Find lessons").click()
    expect(page.get_by_role("link", name=seed.title)).to_be_visible()
    audit(page)

    page.get_by_label("My lessons only").check()
    page.get_by_role("button", name="Find lessons").click()
    expect(page.get_by_role("heading", name="0 lessons")).to_be_visible()
    expect(page.get_by_text("No lesson matches")).to_be_visible()

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name=seed.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed.title)
    expect(page.get_by_role("heading", name="Answer key").first).to_be_visible()
    audit(page)

    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{seed.title} (copy)")
    expect(page.get_by_text("The copy is a draft")).to_be_visible()
    expect(page.locator("p.status")).to_have_text("Draft")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    audit(page)
    copy = Lesson.objects.get(slug=f"{seed.slug}-copy")
    assert copy.created_by == teacher and not copy.is_published

    page.get_by_role("link", name="Lessons", exact=True).first.click()
    page.get_by_label("My lessons only").check()
    page.get_by_role("button", name="Find lessons").click()
    result = page.locator(".lesson-result")
    expect(result).to_have_count(1)
    expect(result.get_by_role("link")).to_have_text(f"{seed.title} (copy)")
    expect(result.locator(".status")).to_have_text("Draft")
    audit(page)
