"""An author edits a draft passage in Chromium: its text with a live preview, its answer key
by dragging over words or by typing them with the keyboard only, and its prompts."""

import pytest
from playwright.sync_api import Page, expect

from lessons.library import services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt
from tests import factories

from .journeys import assert_only_refusals, audit, log_in, select_words, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-teacher-password"


@pytest.fixture
def draft() -> Lesson:
    teacher = factories.make_teacher("Ms Rivera")
    source = factories.SMALL_LESSON.format(title="Freedonia speaks", slug="freedonia-speaks")
    return services.lesson_import(data=parse_lesson(source), created_by=teacher, is_published=False)


def _open(page: Page, lesson: Lesson, position: int = 1) -> None:
    log_in(page, lesson.created_by.username, PASSWORD)
    page.goto(f"/author/lessons/{lesson.pk}/segments/{position}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Passage {position} of 2: " + ("First" if position == 1 else "Second")
    )


def _key(lesson: Lesson, quote: str) -> KeySpan:
    return KeySpan.objects.select_related("technique", "segment").get(
        segment__lesson=lesson, quote=quote
    )


def _coverage(page: Page):
    return page.locator("#coverage")


def test_an_author_edits_the_text_and_builds_the_key_with_the_mouse(page, draft):
    _open(page, draft)
    audit(page)
    expect(_coverage(page)).to_contain_text(
        "3 key spans: Name calling / labelling ×2, Loaded language."
    )

    # The preview follows the typing; nothing is saved until Save.
    body = page.get_by_label("Text (Markdown)")
    body.fill(
        "Listen! Our glorious leader 😀 says the **traitors** will fail. The traitors always fail."
    )
    expect(page.locator("#preview")).to_contain_text("Listen! Our glorious leader")
    expect(page.locator("#preview strong")).to_have_text("traitors")
    assert not draft.segments.get(position=1).body.startswith("Listen!")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Passage 1 is saved.")).to_be_visible()
    expect(page.get_by_text("3 key spans moved with their words")).to_be_visible()
    text = draft.segments.get(position=1).text
    leader = _key(draft, "glorious leader")
    assert text[leader.start : leader.end] == "glorious leader"
    expect(page.locator("#segment-text mark").first).to_have_text("glorious leader")

    # A change that loses key words is listed first, then saved when the author agrees.
    body.fill("Listen! Our leader 😀 says the **traitors** will fail. The traitors always fail.")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("Listen! Our leader 😀")
    page.get_by_role("button", name="Save", exact=True).click()
    unplaced = page.locator(".unplaced")
    expect(unplaced).to_contain_text("1 key span would not fit the changed text")
    expect(unplaced).to_contain_text("glorious leader")
    expect(body).to_have_value(
        "Listen! Our leader 😀 says the **traitors** will fail. The traitors always fail."
    )
    audit(page)
    page.get_by_label("Remove this key span and save").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Removed from the key: “glorious leader” (Loaded language).")
    ).to_be_visible()
    expect(_coverage(page)).to_contain_text("2 key spans: Name calling / labelling ×2.")

    # Key spans by dragging the mouse over the words, as a student highlights.
    form = page.locator("#highlight-form")
    page.locator("#segment-text").scroll_into_view_if_needed()
    select_words(page, "always fail")
    form.get_by_label("Technique").select_option(label="Doubt")
    form.get_by_label("Explanation for students").fill("A certainty nobody can check.")
    page.get_by_role("button", name="Add to the key").click()
    expect(page.locator("#workspace-status")).to_have_text(
        "Added “always fail” to the key as Doubt."
    )
    expect(_coverage(page)).to_contain_text("3 key spans: Name calling / labelling ×2, Doubt.")
    doubt = _key(draft, "always fail")
    text = draft.segments.get(position=1).text
    assert text[doubt.start : doubt.end] == "always fail"
    assert doubt.explanation == "A certainty nobody can check."

    page.locator("#segment-text").scroll_into_view_if_needed()
    select_words(page, "Our leader 😀 says")  # the emoji: one code point, two UTF-16 units
    form.get_by_label("Technique").select_option(label="Flag-waving")
    form.get_by_label("Explanation for students").fill("The leader stands for the nation.")
    page.get_by_role("button", name="Add to the key").click()
    expect(page.locator("#segment-text .hl-label", has_text="Flag-waving")).to_have_count(1)
    flag = _key(draft, "Our leader 😀 says")
    assert (flag.start, flag.end) == (text.index("Our"), text.index("says") + 4)
    expect(_coverage(page)).to_contain_text(
        "4 key spans: Name calling / labelling ×2, Doubt, Flag-waving."
    )
    audit(page)

    # The same words with the same technique again are refused politely.
    page.locator("#segment-text").scroll_into_view_if_needed()
    select_words(page, "always fail")
    form.get_by_label("Technique").select_option(label="Doubt")
    form.get_by_label("Explanation for students").fill("Again.")
    page.get_by_role("button", name="Add to the key").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "“always fail” is already in the key as Doubt."
    )
    assert KeySpan.objects.filter(segment__lesson=draft, segment__position=1).count() == 4

    # A prompt is added, then moved to the top.
    prompts = page.locator("#prompt-form")
    prompts.get_by_label("Kind").select_option(label="Written answer")
    prompts.get_by_label("Prompt").fill("Who is “our leader”?")
    page.get_by_role("button", name="Add prompt").click()
    expect(_coverage(page)).to_contain_text(
        "4 prompts: Written answer ×2, Highlight the techniques, Choose the techniques."
    )
    for place in (3, 2, 1):
        new = page.locator("#prompts li", has_text="Who is “our leader”?")
        new.get_by_role("button", name="Move up").click()
        expect(page.locator("#workspace-status")).to_contain_text(f"to {place} of 4")
    expect(page.locator("#prompts li").first).to_contain_text("Who is “our leader”?")
    segment = draft.segments.get(position=1)
    assert segment.prompts.get(position=1).text == "Who is “our leader”?"
    page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")
    audit(page)
    refusals = ("status of 400", "status of 409")  # the listed key span, the duplicate
    errors = [e for e in page.console_errors if not any(r in e for r in refusals)]
    assert not errors + page.page_errors

    page.get_by_role("link", name="Next passage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passage 2 of 2: Second")
    expect(_coverage(page)).to_contain_text("1 key span: Bandwagon, reductio ad Hitlerum.")


def test_an_author_builds_the_key_and_prompts_with_the_keyboard_only(page, draft):
    _open(page, draft)
    segment = draft.segments.get(position=1)

    # Typed words: "traitors" occurs twice, so the page asks which one.
    tab_to(page, "#id_quote")
    page.keyboard.type("traitors")
    tab_to(page, "#id_technique")
    page.keyboard.type("Doubt")
    expect(page.locator("#id_technique option:checked")).to_have_text("Doubt")
    tab_to(page, "#id_explanation")
    page.keyboard.type("Who decides who is a traitor?")
    tab_to(page, "#add-key")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Which one do you mean?")).to_be_visible()
    expect(page.locator("#occurrence-1")).to_be_focused()
    audit(page)
    page.keyboard.press("ArrowDown")
    tab_to(page, "#add-key")
    page.keyboard.press("Enter")
    expect(page.locator("#workspace-status")).to_have_text("Added “traitors” to the key as Doubt.")
    expect(page.locator("#add-key")).to_be_focused()  # htmx keeps it: ready for the next
    doubt = KeySpan.objects.get(segment=segment, technique__code="Doubt")
    assert doubt.start == segment.text.rindex("traitors")
    expect(_coverage(page)).to_contain_text(
        "4 key spans: Name calling / labelling ×2, Loaded language, Doubt."
    )

    # Change the explanation of a key span, then remove it.
    tab_to(page, f"#key-{doubt.pk} summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#id_k{doubt.pk}-explanation")
    page.keyboard.press("Control+A")
    page.keyboard.type("A label is not an argument.")
    tab_to(page, f"#key-{doubt.pk} button:has-text('Save changes')")
    page.keyboard.press("Enter")
    expect(page.locator(f"#key-{doubt.pk} .explanation")).to_have_text(
        "A label is not an argument."
    )
    tab_to(page, f"#key-{doubt.pk} button:has-text('Remove')")
    page.keyboard.press("Enter")
    expect(page.locator("#workspace-status")).to_contain_text("Removed “traitors” (Doubt)")
    expect(page.locator("#workspace-status")).to_be_focused()
    assert not KeySpan.objects.filter(pk=doubt.pk).exists()

    # A prompt is added and moved down, by keyboard.
    tab_to(page, "#id_prompt-kind")
    page.keyboard.type("Choose")
    tab_to(page, "#id_prompt-text")
    page.keyboard.type("Which technique does the first sentence use?")
    tab_to(page, "#add-prompt")
    page.keyboard.press("Enter")
    expect(_coverage(page)).to_contain_text("4 prompts:")
    first = segment.prompts.get(position=1)
    tab_to(page, f"#prompt-{first.pk} button[value=down]")
    page.keyboard.press("Enter")
    expect(page.locator("#prompts li").nth(1)).to_contain_text(first.text)
    assert Prompt.objects.get(pk=first.pk).position == 2
    audit(page)
    assert_only_refusals(page, 400)  # "which one do you mean?"
