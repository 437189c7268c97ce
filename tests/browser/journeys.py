"""Steps shared by the browser journeys: logging in, selecting words, pressing Tab."""

from playwright.sync_api import Page, expect

from lessons.work.models import Highlight

from .support import check_axe


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def select_words(page: Page, words: str, occurrence: int = 1) -> None:
    """Drag the mouse across `words` in the segment text, as a reader would (scrolling it
    into view first, as a reader would too)."""
    page.locator("[data-segment-text]").scroll_into_view_if_needed()
    box = page.evaluate(
        """([words, occurrence]) => {
            const root = document.querySelector('[data-segment-text]');
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            const nodes = [];
            let text = '';
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (node.parentElement.closest('[data-anchor-ignore]')) continue;
                nodes.push([node, text.length]);
                text += node.data;
            }
            let at = -1;
            for (let n = 0; n < occurrence; n++) {
                at = text.indexOf(words, at + 1);
                if (at === -1) return null;
            }
            const place = (offset, last) => {
                for (const [node, from] of nodes) {
                    const inside = last ? offset <= from + node.data.length
                                        : offset < from + node.data.length;
                    if (inside) return [node, offset - from];
                }
            };
            const [n1, o1] = place(at, false);
            const [n2, o2] = place(at + words.length, true);
            const first = document.createRange();
            first.setStart(n1, o1); first.setEnd(n1, o1 + 1);
            const last = document.createRange();
            last.setStart(n2, o2 - 1); last.setEnd(n2, o2);
            const a = first.getBoundingClientRect(), b = last.getBoundingClientRect();
            return {x1: a.left + 1, y1: a.top + a.height / 2,
                    x2: b.right - 1, y2: b.top + b.height / 2};
        }""",
        [words, occurrence],
    )
    assert box, f"{words!r} is not in the text"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    expect(page.get_by_label("Words")).to_have_value(words)


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def stored(student, words: str) -> Highlight:
    return Highlight.objects.select_related("segment", "technique").get(
        submission__student=student, quote=words
    )


def audit(page: Page) -> None:
    """axe-core on the page as it is now (the HTML itself is checked by the harness), and
    no sideways scrolling at a desktop's and a phone's width (`check_no_sideways_scroll`)."""
    check_axe(page)
    check_no_sideways_scroll(page)


# The widths every page must fit without scrolling sideways: a laptop's and a phone's.
LAYOUT_WIDTHS = (1280, 390)

# What sticks out past the right edge of the window and is not clipped by a scrolling
# region it is in (an absolutely positioned element escapes the regions below its containing
# block): the outermost such elements, with a CSS path and their right edge.
_STICKING_OUT = """() => {
    const root = document.documentElement;
    const limit = root.clientWidth;
    if (root.scrollWidth <= limit) return null;
    const path = (el) => {
        const parts = [];
        for (let e = el; e && e !== root && parts.length < 4; e = e.parentElement) {
            let part = e.localName;
            if (e.id) { parts.unshift(part + '#' + e.id); break; }
            if (e.classList.length) part += '.' + [...e.classList].join('.');
            parts.unshift(part);
        }
        return parts.join(' > ');
    };
    const clipped = (el) => {
        let position = getComputedStyle(el).position;
        if (position === 'fixed') return true;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (position === 'absolute' && style.position === 'static') continue;
            if (style.overflowX !== 'visible') return true;
            position = style.position;
        }
        return false;
    };
    const right = (el) => el.getBoundingClientRect().right + window.scrollX;
    const out = [...document.body.querySelectorAll('*')].filter(
        (el) => right(el) > limit + 0.5 && !clipped(el));
    const outermost = out.filter((el) => !out.includes(el.parentElement));
    return {
        scrollWidth: root.scrollWidth,
        clientWidth: limit,
        elements: outermost.slice(0, 12).map(
            (el) => `${path(el)} (right edge at ${Math.round(right(el))} px)`),
    };
}"""


def check_no_sideways_scroll(page: Page) -> None:
    """At each of LAYOUT_WIDTHS the page is no wider than the window
    (document.documentElement.scrollWidth <= clientWidth); the window is given back its size
    afterwards. On failure, says which elements stick out and where their right edge is."""
    size = page.viewport_size
    assert size, "the page has no fixed viewport to resize"
    problems = []
    try:
        for width in LAYOUT_WIDTHS:
            page.set_viewport_size({"width": width, "height": size["height"]})
            found = page.evaluate(_STICKING_OUT)
            if found:
                problems.append(
                    f"at {width} px the page is {found['scrollWidth']} px wide, more than the "
                    f"window's {found['clientWidth']} px; sticking out:\n"
                    + "\n".join(f"    {line}" for line in found["elements"])
                )
    finally:
        page.set_viewport_size(size)
    assert not problems, f"{page.url} scrolls sideways:\n" + "\n".join(problems)


def assert_only_refusals(page: Page, status: int) -> None:
    """Console errors, except the browser's note of a refusal the test asked for."""
    expected = f"the server responded with a status of {status}"
    errors = [e for e in page.console_errors if expected not in e] + page.page_errors
    assert not errors, "Browser console errors:\n" + "\n".join(errors)
