"""The selection panel in Chromium: selecting words in a passage opens the highlight form next
to them (static/js/highlight.js), with the mouse or with the keyboard (caret browsing, then
Alt+Shift+H), for a student's highlights and an author's key spans. A refusal comes back in
place, in the panel or in the form below the text, with DEBUG off and with DEBUG on (where
django-htmx's debug script would otherwise put the bare fragment in place of the page)."""

import pytest
from playwright.sync_api import Page, expect

from lessons.library import services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan, Lesson
from lessons.work.models import Highlight
from tests import factories

from .conftest import PAGES
from .journeys import assert_only_refusals, audit, log_in, select_words, stored, tab_to
from .support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, assert_no_console_errors, instrument

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def caret_browser(browser):
    """Chromium with caret browsing on, as F7 turns it on: the arrow keys move a caret
    through the page's text, and with Shift they select."""
    caret = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--enable-caret-browsing"]
    )
    yield caret
    caret.close()


@pytest.fixture
def caret_page(caret_browser, live_server, request):
    context = caret_browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = instrument(context.new_page())
    request.node.stash.setdefault(PAGES, []).append(page)  # its HTML is checked too
    yield page
    context.close()


@pytest.fixture
def student_at_passage():
    """A student of a class with the practice lesson, and the lesson's first passage."""
    classroom = factories.make_classroom(factories.make_teacher("Ms Rivera"), "10B Media")
    assignment = factories.make_assignment(classroom)
    student = factories.make_student("Amira K.", classroom)
    return student, assignment, assignment.lesson.segments.get(position=1)


@pytest.fixture
def draft() -> Lesson:
    teacher = factories.make_teacher("Ms Rivera")
    source = factories.SMALL_LESSON.format(title="Freedonia speaks", slug="freedonia-speaks")
    return services.lesson_import(data=parse_lesson(source), created_by=teacher, is_published=False)


def _open_passage(page: Page, student, assignment) -> None:
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/segments/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")


def _open_draft(page: Page, lesson: Lesson) -> None:
    log_in(page, lesson.created_by.username, "a-long-teacher-password")
    page.goto(f"/author/lessons/{lesson.pk}/segments/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")


def _panel(page: Page, name: str = "Highlight the selection"):
    return page.get_by_role("dialog", name=name)


def _focused(page: Page) -> str:
    """What has the focus, as a CSS-like name: never nothing (the body)."""
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return !el || el === document.body ? 'nothing'
                        : el.localName + (el.id ? '#' + el.id : ''); }"""
    )


def _assert_next_to_the_selection(page: Page, panel) -> None:
    words = page.evaluate(
        """() => { const r = getSelection().getRangeAt(0).getClientRects();
                   const first = r[0], last = r[r.length - 1];
                   return {top: first.top, bottom: last.bottom, left: first.left}; }"""
    )
    box = panel.bounding_box()
    assert box is not None
    above = words["top"] - (box["y"] + box["height"])
    below = box["y"] - words["bottom"]
    assert 0 <= above <= 12 or 0 <= below <= 12, (words, box)
    assert box["x"] <= words["left"] + 1 <= box["x"] + box["width"], (words, box)


def _assert_whole_page(page: Page) -> None:
    """The page is still itself: its header, its styles, its heading."""
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.locator('head link[rel=stylesheet][href*="css/lens"]')).to_have_count(1)
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")


def test_a_student_selects_words_with_the_mouse_and_highlights_them_in_the_panel(
    page, student_at_passage
):
    student, assignment, segment = student_at_passage
    _open_passage(page, student, assignment)
    panel = _panel(page)
    expect(panel).to_be_hidden()

    select_words(page, "glorious leader")

    expect(panel).to_be_visible()
    _assert_next_to_the_selection(page, panel)
    expect(panel.locator("[data-selection-quote]")).to_have_text("glorious leader")
    expect(panel.get_by_label("Technique")).to_be_focused()
    audit(page)

    # The chosen technique's definition is one click away.
    panel.get_by_label("Technique").select_option(label="Loaded language")
    panel.get_by_text("What does it mean?").click()
    loaded = assignment.lesson.taxonomy.techniques.get(code="Loaded_Language")
    expect(panel.locator("[data-definition]")).to_contain_text(loaded.definition)
    panel.get_by_label("Why? (optional)").fill("Praise that asks for awe.")
    panel.get_by_role("button", name="Save").click()

    status = page.locator("#workspace-status")
    expect(status).to_have_text("Highlighted “glorious leader” as Loaded language.")
    expect(status).to_be_focused()
    expect(panel).to_be_hidden()
    expect(page.locator("#highlights li")).to_contain_text("glorious leader — Loaded language")
    highlight = stored(student, "glorious leader")
    start = segment.text.index("glorious leader")
    assert (highlight.start, highlight.end) == (start, start + len("glorious leader"))
    assert (highlight.technique, highlight.note) == (loaded, "Praise that asks for awe.")

    # A click elsewhere closes the panel and keeps nothing. The panel opens again emptied by
    # the save, with the technique list of the form below the text.
    select_words(page, "traitors", occurrence=2)
    expect(panel).to_be_visible()
    expect(panel.get_by_label("Technique")).to_have_value("")
    expect(panel.get_by_label("Why? (optional)")).to_have_value("")
    expect(panel.locator("option")).to_have_count(page.locator("#id_technique option").count())
    page.get_by_role("heading", name="The text").click()
    expect(panel).to_be_hidden()
    assert Highlight.objects.count() == 1

    # Change it (the form comes when asked for), think again, change it; then remove it.
    item = page.locator(f"#highlight-{highlight.pk}")
    item.get_by_role("link", name="Change").click()
    expect(item.get_by_label("Technique")).to_be_focused()
    item.get_by_role("link", name="Cancel").click()
    expect(item.get_by_role("link", name="Change")).to_be_focused()
    item.get_by_role("link", name="Change").click()
    item.get_by_label("Technique").select_option(label="Flag-waving")
    item.get_by_role("button", name="Save changes").click()
    expect(status).to_have_text("Changed the highlight “glorious leader”.")
    expect(status).to_be_focused()
    expect(item).to_contain_text("glorious leader — Flag-waving")
    expect(page.locator("#segment-text .hl-label")).to_have_text("Flag-waving")
    audit(page)
    # Where the Change link leads without JavaScript: the page, with the form open.
    page.goto(f"/assignments/{assignment.pk}/highlights/{highlight.pk}/")
    expect(item.get_by_label("Technique")).to_be_focused()
    expect(item.locator("option:checked")).to_have_text("Flag-waving")
    audit(page)
    item.get_by_role("button", name="Remove").click()
    expect(status).to_have_text("Removed the highlight “glorious leader”.")
    expect(status).to_be_focused()
    expect(page.locator("#highlights")).to_contain_text("None yet.")
    expect(page.locator("#segment-text mark")).to_have_count(0)
    assert not Highlight.objects.exists()
    assert_no_console_errors(page)


def test_a_student_selects_with_the_keyboard_opens_the_panel_with_the_shortcut_and_saves(
    caret_page, student_at_passage
):
    page = caret_page
    student, assignment, segment = student_at_passage
    _open_passage(page, student, assignment)
    panel = _panel(page)

    # Caret browsing: Tab to the text, to its first word, then Shift and the arrows select.
    tab_to(page, "#segment-text")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Home")
    for _ in range(len("Our ")):
        page.keyboard.press("ArrowRight")
    for _ in range(len("glorious leader")):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("String(getSelection())") == "glorious leader"

    # The shortcut opens the panel with the focus in it; Escape closes it and gives the focus
    # and the selection back.
    page.keyboard.press("Alt+Shift+H")
    expect(panel).to_be_visible()
    _assert_next_to_the_selection(page, panel)
    expect(panel.get_by_label("Technique")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.locator("#segment-text")).to_be_focused()
    assert page.evaluate("String(getSelection())") == "glorious leader"

    page.keyboard.press("Alt+Shift+H")
    expect(panel.get_by_label("Technique")).to_be_focused()
    page.keyboard.type("Loaded")  # type-ahead in the focused <select>
    expect(panel.locator("#panel-technique option:checked")).to_have_text("Loaded language")
    page.keyboard.press("Tab")
    expect(panel.locator("summary")).to_be_focused()
    page.keyboard.press("Enter")
    loaded = assignment.lesson.taxonomy.techniques.get(code="Loaded_Language")
    expect(panel.locator("[data-definition]")).to_contain_text(loaded.definition)
    page.keyboard.press("Tab")
    expect(panel.get_by_label("Why? (optional)")).to_be_focused()
    page.keyboard.type("Praise that asks for awe.")
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Save")).to_be_focused()
    audit(page)
    page.keyboard.press("Enter")

    status = page.locator("#workspace-status")
    expect(status).to_have_text("Highlighted “glorious leader” as Loaded language.")
    expect(status).to_be_focused()
    expect(panel).to_be_hidden()
    highlight = stored(student, "glorious leader")
    assert highlight.start == segment.text.index("glorious leader")
    assert highlight.note == "Praise that asks for awe."

    # Without a selection the shortcut says what to do, and the focus stays where it was.
    page.keyboard.press("Alt+Shift+H")
    expect(status).to_contain_text("Select words in the text first")
    assert _focused(page) == "div#workspace-status"
    assert_no_console_errors(page)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_students_refused_highlight_comes_back_in_place_with_its_message(
    page, settings, student_at_passage, debug
):
    settings.DEBUG = debug
    student, assignment, _ = student_at_passage
    _open_passage(page, student, assignment)
    # With DEBUG on, django-htmx's debug script is on the page: what this test is about.
    expect(page.locator("script[src*='django-htmx.js']")).to_have_count(1 if debug else 0)
    panel = _panel(page)

    # The panel: no technique chosen.
    select_words(page, "glorious leader")
    panel.get_by_label("Why? (optional)").fill("Praise.")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".errors")).to_have_text("This field is required.")
    _assert_whole_page(page)
    expect(panel).to_be_visible()
    expect(panel.locator("[data-selection-quote]")).to_have_text("glorious leader")
    expect(panel.get_by_label("Why? (optional)")).to_have_value("Praise.")
    expect(panel.get_by_label("Technique")).to_be_focused()
    audit(page)
    panel.get_by_role("button", name="Cancel").click()
    expect(panel).to_be_hidden()

    # The form below the text: words that are not in the passage, then words that are there
    # twice ("traitors"), which asks which one.
    form = page.locator("#highlight-form")
    form.get_by_label("Words").fill("freedom fries")
    form.get_by_label("Technique").select_option(label="Loaded language")
    page.get_by_role("button", name="Add highlight").click()
    expect(form.locator(".errors")).to_contain_text("“freedom fries” is not in this passage.")
    _assert_whole_page(page)
    form.get_by_label("Words").fill("traitors")
    form.get_by_label("Technique").select_option(label="Name calling / labelling")
    page.get_by_role("button", name="Add highlight").click()
    expect(form.get_by_text("Which one do you mean?")).to_be_visible()
    _assert_whole_page(page)
    assert not Highlight.objects.exists()
    assert_only_refusals(page, 400)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_an_authors_refused_key_span_comes_back_in_place_with_its_message(
    page, settings, draft, debug
):
    settings.DEBUG = debug
    _open_draft(page, draft)
    expect(page.locator("script[src*='django-htmx.js']")).to_have_count(1 if debug else 0)
    panel = _panel(page, "Add the selection to the key")
    keys = KeySpan.objects.filter(segment__lesson=draft).count()

    # The panel: nothing chosen, then words already in the key with that technique.
    select_words(page, "glorious leader")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".errors")).to_have_text(
        ["This field is required.", "Write why these words use the technique."]
    )
    _assert_whole_page(page)
    expect(panel.get_by_label("Technique")).to_be_focused()
    panel.get_by_label("Technique").select_option(label="Loaded language")
    panel.get_by_label("Explanation for students").fill("Praise again.")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("alert")).to_have_text(
        "“glorious leader” is already in the key as Loaded language."
    )
    _assert_whole_page(page)
    audit(page)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    # The form below the text: words that are there twice.
    form = page.locator("#highlight-form")
    form.get_by_label("Words").fill("traitors")
    form.get_by_label("Technique").select_option(label="Doubt")
    form.get_by_label("Explanation for students").fill("Who decides?")
    page.get_by_role("button", name="Add to the key").click()
    expect(form.get_by_text("Which one do you mean?")).to_be_visible()
    _assert_whole_page(page)
    assert KeySpan.objects.filter(segment__lesson=draft).count() == keys

    # The panel serves the key as it serves highlights: a new key span.
    select_words(page, "always fail")
    panel.get_by_label("Technique").select_option(label="Doubt")
    panel.get_by_label("Explanation for students").fill("A certainty nobody can check.")
    panel.get_by_role("button", name="Save").click()
    expect(page.locator("#workspace-status")).to_have_text(
        "Added “always fail” to the key as Doubt."
    )
    key = KeySpan.objects.get(segment__lesson=draft, quote="always fail")
    assert key.technique.code == "Doubt"
    refusals = ("status of 400", "status of 409")
    errors = [e for e in page.console_errors if not any(r in e for r in refusals)]
    assert not errors + page.page_errors
