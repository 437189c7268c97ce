"""Layout in Chromium (issue 11, items 7 and 8): no page scrolls sideways on a laptop or a
phone, wide tables scroll in a region of their own that a keyboard can scroll, the focus
ring stands out everywhere, and the student's feedback and the class dashboard print in
black and white without the site's navigation.

`audit(page)` checks the width of every page state the browser journeys reach; the sweep
here checks every page of tests/pages.py (read from the URL configuration) for each kind of
user, with data that makes pages wide: a 20-passage lesson, long names, long words."""

import re

import pytest
from playwright.sync_api import Page, expect

from lessons.work import services
from tests import factories
from tests.conftest import build_school_world, build_world
from tests.pages import add_work, page_urls

from .journeys import LAYOUT_WIDTHS, audit, check_no_sideways_scroll, log_in, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORDS = {"sam": "a-long-password", "alice": "a-long-teacher-password"}
PASSWORDS["ada"] = PASSWORDS["alice"]
LONG_NAME = "Maximiliana-Theodora Featherstonehaugh-Wolfeschlegelstein"  # 57 of 60 characters
LONG_WORD = "https://example.org/" + "a-long-address-without-a-single-space/" * 4
# A sheet of A4 at 96 pixels an inch, less Chromium's default print margins.
PAPER_WIDTH = 718


def _wide_world():
    """The school world with its pages made wide: the 20-passage seed lesson assigned to
    class A too, students with long names, a note and an answer made of one long word."""
    world = add_work(build_school_world(build_world()))
    seed = factories.make_assignment(world.class_a, factories.seed_lesson())
    factories.make_highlight(seed, world.sam, "His Excellency Kim Jong Un", "Appeal_to_Authority")
    factories.make_highlight(
        seed, world.sam, "vicious sanctions", "Doubt", position=2, note=LONG_WORD
    )
    long_named = factories.make_student(LONG_NAME, world.class_a)
    factories.make_highlight(world.assignment, long_named, "traitors", "Doubt", occurrence=1)
    factories.make_answer(
        world.assignment, long_named, factories.prompt_of(world.assignment, 1, "text"), LONG_WORD
    )
    factories.hand_in(world.assignment, long_named)
    for n in range(6):
        factories.make_student(f"Student {n} with a rather long name", world.class_a)
    world.seed = seed
    return world


def _sticking_out(page: Page) -> str | None:
    try:
        check_no_sideways_scroll(page)
    except AssertionError as problem:
        return str(problem)
    return None


def test_no_page_scrolls_sideways_at_a_laptops_or_a_phones_width(page):
    world = _wide_world()
    urls = page_urls(world)
    problems, checked = [], set()
    for persona in ("anonymous", "sam", "alice", "ada"):
        page.context.clear_cookies()
        if persona != "anonymous":
            log_in(page, getattr(world, persona).username, PASSWORDS[persona])
        for name, url in urls:
            # Asked first without the page (with its cookies): downloads and refusals are
            # not pages to lay out.
            answer = page.request.get(url, max_redirects=0)
            if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
                continue
            response = page.goto(url)
            assert response and response.ok, f"{persona} GET {url}"
            checked.add(name)
            if problem := _sticking_out(page):
                problems.append(f"{persona}: {problem}")
    assert not problems, "\n".join(problems)
    assert {
        "work:home",
        "work:classroom",
        "work:segment",
        "insights:feedback",
        "insights:dashboard",
        "insights:student_work",
        "insights:review_queue",
        "authoring:author_segment",
        "core:school",
        "library:taxonomy",
        "lms:course",
        "lms:platforms",
        "lms:platform_edit",
    } <= checked


def test_the_check_names_what_sticks_out(page):
    page.goto("/techniques/")
    page.evaluate(
        """() => {
            const wide = document.createElement('div');
            wide.id = 'too-wide';
            wide.style.width = '2000px';
            wide.textContent = 'wide';
            document.querySelector('main').append(wide);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        check_no_sideways_scroll(page)
    message = str(failure.value)
    for width in LAYOUT_WIDTHS:
        assert f"at {width} px the page is" in message
    assert re.search(r"div#too-wide \(right edge at \d+ px\)", message), message
    assert page.viewport_size == {"width": 1280, "height": 900}  # given back


def test_a_wide_table_scrolls_in_its_own_region_by_keyboard_on_a_phone(phone_page):
    world = _wide_world()
    page = phone_page
    log_in(page, world.alice.username, PASSWORDS["alice"])
    page.goto(f"/assignments/{world.seed.pk}/dashboard/")
    region = page.get_by_role("region", name=re.compile("Each student's progress"))
    expect(region).to_be_visible()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the table fits: not wide"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tab_to(page, ".table-wrap[aria-labelledby=progress-caption]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    audit(page)


# Each label's boxes, and the boxes of the words around it (every word of the text outside
# the labels and hidden text): the smallest gap to a word on the same line, and to a word
# on the line above or below.
_LABEL_GAPS = """() => {
    const root = document.querySelector('.source-text');
    const words = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('.hl-label, .visually-hidden')) continue;
        for (const match of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            words.push(...range.getClientRects());
        }
    }
    const gaps = [];
    for (const label of root.querySelectorAll('.hl-label')) {
        for (const box of label.getClientRects()) {
            let inLine = Infinity, across = Infinity;
            for (const word of words) {
                const sameLine = word.bottom > box.top + 2 && word.top < box.bottom - 2;
                if (sameLine) {
                    const gap = Math.max(word.left - box.right, box.left - word.right);
                    inLine = Math.min(inLine, gap);
                } else {
                    const gap = Math.max(word.top - box.bottom, box.top - word.bottom);
                    across = Math.min(across, gap);
                }
            }
            gaps.push({label: label.textContent, inLine, across});
        }
    }
    return gaps;
}"""


def test_feedback_labels_keep_clear_of_the_words_around_them_on_a_phone(phone_page):
    _, student, assignment = _seed_feedback()
    page = phone_page
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/feedback/")
    gaps = page.evaluate(_LABEL_GAPS)
    assert len(gaps) >= 3
    crowded = [gap for gap in gaps if gap["inLine"] < 3 or gap["across"] < 6]
    assert not crowded, crowded


def _colour(value: str) -> tuple[float, ...]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", value)]
    return tuple(numbers[:3]) + ((numbers[3],) if len(numbers) > 3 else (1.0,))


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(_colour(a)), _luminance(_colour(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_ratio_is_the_wcag_one():
    assert round(contrast("rgb(255, 255, 255)", "rgb(0, 0, 0)"), 2) == 21.0
    assert round(contrast("rgb(29, 78, 216)", "rgb(27, 27, 31)"), 2) == 2.56  # the old ring


# The focused element's ring, and the colour behind it: the first background that is not
# transparent, from the element's parent up (the ring is drawn outside the element).
_RING = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    let behind = 'rgb(255, 255, 255)';
    for (let e = el.parentElement; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(bg)) { behind = bg; break; }
    }
    return {color: style.outlineColor, style: style.outlineStyle,
            width: parseFloat(style.outlineWidth), behind, text: el.textContent.trim()};
}"""


def test_the_focus_ring_stands_out_three_to_one_in_the_header_and_on_the_page(page):
    world = _wide_world()
    log_in(page, world.alice.username, PASSWORDS["alice"])
    page.goto(f"/classes/{world.class_a.pk}/")
    rings = {}
    for label, selector in [
        ("the skip link", ".skip-link"),
        ("a link in the dark header", ".site-header a[href='/lessons/']"),
        ("the log-out button in the header", ".site-header button"),
        ("a button on a card", "#code-heading ~ form button"),
        ("a link on the page", "section[aria-labelledby=assignments-heading] li a >> nth=0"),
        ("the scrolling table", ".table-wrap"),
    ]:
        page.goto(f"/classes/{world.class_a.pk}/")
        tab_to(page, selector)
        rings[label] = ring = page.evaluate(_RING)
        assert ring["style"] == "solid" and ring["width"] >= 2, (label, ring)
        assert contrast(ring["color"], ring["behind"]) >= 3, (label, ring)
    assert (
        contrast(
            rings["a link in the dark header"]["behind"], rings["a link on the page"]["behind"]
        )
        > 3
    )  # the two backgrounds differ: the header's ring is a colour of its own
    page.goto(f"/classes/{world.class_a.pk}/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()  # shown while it has the focus


def _print(page: Page) -> None:
    page.set_viewport_size({"width": PAPER_WIDTH, "height": 1000})
    page.emulate_media(media="print")


VERDICTS = ("hl-correct", "hl-partial", "hl-wrong_technique", "hl-not_in_key", "hl-missed")
_MARK_STYLES = """() => [...document.querySelectorAll('.source-text mark')].map((el) => {
    const style = getComputedStyle(el);
    return {classes: el.className, background: style.backgroundColor,
            line: style.textDecorationLine, decoration: style.textDecorationStyle,
            colour: style.color};
})"""

# Everything that a sheet of paper would cut: wider than the page, and not hidden.
_CUT = """(width) => [...document.querySelectorAll('main *')]
    .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.localName + (el.className ? '.' + el.className : ''))"""


def _seed_feedback():
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom, factories.seed_lesson())
    student = factories.make_student("Amira K.", classroom)
    factories.make_highlight(
        assignment,
        student,
        "set forth by His Excellency Kim Jong Un at the Seventh Congress of the WPK",
        "Appeal_to_Authority",
    )
    factories.make_highlight(assignment, student, "all-people struggle", "Doubt")
    factories.make_highlight(assignment, student, "vicious sanctions", "Doubt", position=2)
    factories.make_student("Ben O.", classroom)
    submission = services.submission_for(assignment=assignment, student=student)
    services.submission_submit(submission=submission)
    return teacher, student, assignment


def test_the_feedback_prints_in_black_and_white_with_every_mark_labelled(page):
    _, student, assignment = _seed_feedback()
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/feedback/")
    expect(page.locator(".site-header")).to_be_visible()
    _print(page)

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_role("link", name="See where your class highlighted")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    labels = page.locator(".source-text .hl-label")
    expect(labels.first).to_be_visible()
    assert labels.first.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"
    assert labels.first.evaluate("el => getComputedStyle(el).backgroundColor") in (
        "rgb(255, 255, 255)",
        "rgba(0, 0, 0, 0)",
    )
    marks = page.evaluate(_MARK_STYLES)
    assert marks
    for mark in marks:
        # No shade to lose on a black-and-white printer: black words, underlined.
        assert mark["background"] == "rgba(0, 0, 0, 0)", mark
        assert mark["colour"] == "rgb(0, 0, 0)", mark
        assert "underline" in mark["line"], mark
    # Each kind of mark has its own underline, as on screen its own shade.
    kinds: dict[str, set[str]] = {}
    for mark in marks:
        verdicts = [c for c in mark["classes"].split() if c in VERDICTS]
        if len(verdicts) == 1:  # (where marks overlap, one kind's underline is drawn)
            kinds.setdefault(verdicts[0], set()).add(mark["decoration"])
    assert {"hl-correct", "hl-wrong_technique", "hl-missed"} <= set(kinds), kinds
    assert all(len(styles) == 1 for styles in kinds.values()), kinds
    assert len({next(iter(styles)) for styles in kinds.values()}) == len(kinds), kinds
    assert page.evaluate(_CUT, PAPER_WIDTH) == []
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()


def test_the_dashboard_prints_its_tables_whole_without_navigation(page):
    teacher, _, assignment = _seed_feedback()
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/dashboard/")
    _print(page)

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.locator("table").first).to_be_visible()
    assert page.evaluate(_CUT, PAPER_WIDTH) == []
    wraps = page.locator(".table-wrap")
    for index in range(wraps.count()):
        wrap = wraps.nth(index)
        assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "visible"
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), index
    assert (
        page.locator("thead").first.evaluate("el => getComputedStyle(el).display")
        == "table-header-group"
    )  # repeated at the top of each printed page
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
