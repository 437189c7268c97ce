"""A teacher writes a lesson in Chromium: pastes a text, reshapes its passages with the
keyboard, writes the details with a live preview (and without JavaScript), imports a file,
publishes and starts a new revision. Every authoring page passes axe-core and the Nu
checker. (The passage page itself, author_segment, is tested with its own code.)"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from lessons.library.anchoring import locate
from lessons.library.models import KeySpan, Lesson
from tests import factories

from .conftest import _open_page
from .journeys import assert_only_refusals, audit, log_in, tab_to
from .support import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "Today Korean people are carrying on the all-people struggle to realize their ideal."
# About 130 words a paragraph: too long for two to share a passage (250 words at most).
AGAIN = " ".join(
    f"Line {n} of the resolution says the same thing again, louder." for n in range(11)
)
TEXT = f"""Resolution

{LONG} {AGAIN}

The vigorous struggle of Korean people braves the vicious sanctions of the imperialists. {AGAIN}

Everyone in the world progressive peoples agrees with the struggle, the text claims. {AGAIN}
"""


def _teacher(page):
    teacher = factories.make_teacher("Ms Rivera")
    log_in(page, teacher.username, "a-long-teacher-password")
    return teacher


def _create(page, title="The Resolution", *, javascript=True):
    page.get_by_role("link", name="Write", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My lessons")
    if javascript:  # axe-core runs in the page
        audit(page)
    page.get_by_role("link", name="New lesson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New lesson")
    if javascript:
        audit(page)
        page.get_by_role("button", name="Create the draft").click()
        expect(page.locator(".field-error")).to_have_count(2)  # the title and the text
        audit(page)
    page.get_by_label("Title of the lesson").fill(title)
    page.get_by_label("The text", exact=True).fill(TEXT)
    page.get_by_label("Who wrote the text").fill("A Meeting of Solidarity")
    page.get_by_label("Where (optional)").fill("Pyongyang")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("is a draft with 3 passages")).to_be_visible()
    return Lesson.objects.get(title=title)


def _passage_headings(page):
    return page.locator(".passage h3")


def _settled(page):
    """Wait until htmx has settled the new content (its forms are htmx forms again)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-added, .htmx-settling')"
    )


def test_a_teacher_pastes_a_text_and_reshapes_its_passages_with_the_keyboard(page):
    _teacher(page)
    lesson = _create(page)
    expect(_passage_headings(page)).to_have_count(3)
    expect(page.locator(".passage").first).to_contain_text("2 paragraphs")
    audit(page)
    # A key span, to see it stay on its words through every change.
    first = lesson.segments.get(position=1)
    anchor = locate(first.text, "all-people struggle")
    KeySpan.objects.create(
        segment=first,
        position=1,
        technique=lesson.taxonomy.techniques.get(code="Loaded_Language"),
        start=anchor.start,
        end=anchor.end,
        quote=anchor.quote,
        explanation="Everyone, it says.",
    )
    page.reload()
    expect(page.locator(".passage").first).to_contain_text("1 key span: Loaded language")
    # Words typed for a new passage survive the changes below (htmx swaps only the passages).
    page.get_by_label("Title (optional)").fill("Not sent yet")
    page.locator("h1").click()

    # Split passage 1 after its first paragraph: the new passage 2 takes the focus.
    tab_to(page, f"#split-{first.uid}")
    page.keyboard.press("Enter")
    expect(_passage_headings(page)).to_have_count(4)
    expect(page.locator("#editor-status")).to_contain_text("Passage 1 was split")
    second = lesson.segments.get(position=2)
    expect(page.locator(f"#passage-{second.uid}-heading")).to_be_focused()
    expect(page.locator(f"#passage-{second.uid}")).to_contain_text("1 key span")
    _settled(page)
    audit(page)

    # Merge them again, from the keyboard.
    tab_to(page, f"#merge-{first.uid}")
    page.keyboard.press("Enter")
    expect(_passage_headings(page)).to_have_count(3)
    expect(page.locator(f"#passage-{first.uid}-heading")).to_be_focused()
    expect(page.locator(f"#passage-{first.uid}")).to_contain_text("1 key span")
    _settled(page)

    # Move it down twice: the focus stays with the passage's buttons.
    tab_to(page, f"#down-{first.uid}")
    page.keyboard.press("Enter")
    expect(_passage_headings(page).nth(1)).to_contain_text("Passage 2")
    expect(page.locator(f"#passage-{first.uid}-heading")).to_have_text("Passage 2")
    expect(page.locator(f"#down-{first.uid}")).to_be_focused()
    _settled(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#passage-{first.uid}-heading")).to_have_text("Passage 3")
    expect(page.locator(f"#up-{first.uid}")).to_be_focused()
    expect(page.locator("#editor-status")).to_contain_text("moved down: it is now passage 3")
    _settled(page)
    audit(page)

    expect(page.get_by_label("Title (optional)")).to_have_value("Not sent yet")
    key = KeySpan.objects.select_related("segment").get()
    assert key.segment.uid == first.uid and key.segment.position == 3
    assert key.segment.text[key.start : key.end] == "all-people struggle"

    # The preview shows what students will read.
    page.get_by_role("link", name="Preview what students see").click()
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.locator(".source-text").first).to_contain_text("The vigorous struggle")
    audit(page)
    page.get_by_role("link", name="Back to editing").click()

    # Deleting a passage asks first.
    page.locator(".passage").first.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete passage 1?")
    audit(page)
    page.get_by_role("button", name="Delete the passage").click()
    expect(_passage_headings(page)).to_have_count(2)
    assert_only_refusals(page, 400)  # the empty new-lesson form came back with a 400


def test_the_details_have_a_live_preview_and_the_lesson_is_published_then_revised(page):
    _teacher(page)
    lesson = _create(page)
    expect(page.get_by_text("The lesson needs its audience.")).to_be_visible()
    page.get_by_role("link", name="Edit the details and introduction").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Details and introduction")
    expect(page.get_by_text("Nothing to show yet.")).to_be_visible()
    audit(page)

    page.get_by_label("Introduction", exact=True).press_sequentially(
        "Read **carefully**.", delay=10
    )
    expect(page.locator("#preview-introduction strong")).to_have_text("carefully")
    page.get_by_label("For whom it was written").fill("Readers abroad")
    page.get_by_label("Provenance").fill("Published by state media; shown for study.")
    page.get_by_label("When it appeared (optional)").fill("2017-08-16")
    audit(page)
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("The details are saved.")).to_be_visible()
    expect(page.get_by_text("The lesson is ready to publish.")).to_be_visible()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("every teacher can now find and assign it")).to_be_visible()
    expect(page.get_by_text("Revision 1")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Edit (starts revision 2)").click()
    expect(page.get_by_text("Revision 2, draft")).to_be_visible()
    expect(page.get_by_text("Classes that have revision 1 stay on it")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Write", exact=True).click()
    expect(page.get_by_text("Revision 2 of “The Resolution”, draft")).to_be_visible()
    expect(page.get_by_role("link", name="Continue editing revision 2")).to_be_visible()
    audit(page)
    assert Lesson.objects.filter(slug=lesson.slug).count() == 2

    # Deleting the draft revision asks first; the published revision stays.
    page.get_by_role("link", name="Continue editing revision 2").click()
    page.get_by_role("link", name="Delete this draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete the draft")
    audit(page)
    page.get_by_role("button", name="Delete the draft").click()
    expect(page.get_by_text("was deleted")).to_be_visible()
    assert Lesson.objects.filter(slug=lesson.slug).count() == 1
    assert_only_refusals(page, 400)  # the empty new-lesson form came back with a 400


def test_without_javascript_the_preview_button_and_the_passage_forms_work(
    browser, live_server, request
):
    context, page = _open_page(
        browser, live_server, request, {**DESKTOP, "java_script_enabled": False}
    )
    try:
        _teacher(page)
        lesson = _create(page, javascript=False)
        first = lesson.segments.get(position=1)
        page.locator(f"#split-{first.uid}").click()
        expect(page.get_by_text("Passage 1 was split")).to_be_visible()
        expect(_passage_headings(page)).to_have_count(4)
        assert page.url.endswith(f"#passage-{lesson.segments.get(position=2).uid}")
        page.locator(f"#down-{first.uid}").click()
        expect(page.locator(f"#passage-{first.uid}-heading")).to_have_text("Passage 2")

        page.get_by_role("link", name="Edit the details and introduction").first.click()
        page.get_by_label("Introduction", exact=True).fill("An *unsaved* introduction.")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview-introduction em")).to_have_text("unsaved")
        expect(page.get_by_label("Introduction", exact=True)).to_have_value(
            "An *unsaved* introduction."
        )
        lesson.refresh_from_db()
        assert lesson.introduction == ""
        page.get_by_role("button", name="Save the details").click()
        expect(page.get_by_text("The details are saved.")).to_be_visible()
        lesson.refresh_from_db()
        assert lesson.introduction == "An *unsaved* introduction."
    finally:
        context.close()


def test_a_teacher_imports_a_lesson_file_and_bad_files_are_explained(page):
    teacher = _teacher(page)
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_role("link", name="Import lesson files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import lesson files")
    audit(page)

    good = factories.SMALL_LESSON.format(title="From a file", slug="from-a-file")
    bad = good.replace('"traitors" #2', '"traitorz" #2')
    page.get_by_label("Lesson file or zip").set_input_files(
        files=[{"name": "lesson.md", "mimeType": "text/markdown", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "lesson.md:31: the quote 'traitorz' is not in this segment"
    )
    audit(page)
    assert not Lesson.objects.filter(created_by=teacher).exists()

    page.get_by_label("Lesson file or zip").set_input_files(
        files=[{"name": "lesson.md", "mimeType": "text/markdown", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("From a file")
    expect(page.get_by_text("Imported as your draft")).to_be_visible()
    expect(_passage_headings(page)).to_have_count(2)
    audit(page)
    lesson = Lesson.objects.get(created_by=teacher)
    assert lesson.slug == "from-a-file" and not lesson.is_published

    # Export it again, as a file download.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as a lesson file (.md)").click()
    assert download.value.suggested_filename == "from-a-file.md"
    assert Path(download.value.path()).read_text(encoding="utf-8") == good
    assert_only_refusals(page, 400)  # the bad file's page came with a 400
