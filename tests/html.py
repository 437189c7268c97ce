"""Assertions on the part of a page that matters.

`assert "Sam" in page` passes if Sam is anywhere on the page (in the menu, in a hidden
input), and on failure pytest prints the page cut in the middle. These helpers find the
fragment first, by CSS selector (Beautiful Soup's soupsieve: `#students`, `main h1`,
`[aria-label="Heat map"]`, `li:-soup-contains("Sam")`), and on failure print that fragment
whole, or say that the selector matched nothing and print the page's <main>.

    assert_in_fragment(page, "#students", "Sam Student")
    assert "<q>glorious leader</q>" in fragment(page, ".review-queue")
    assert text(page, "h1") == "Practice 3"
"""

import re

from bs4 import BeautifulSoup, Tag

Html = str | bytes | Tag  # a page, or an element found earlier


def _soup(html: Html) -> Tag:
    if isinstance(html, Tag):
        return html
    if isinstance(html, bytes):
        html = html.decode()
    return BeautifulSoup(html, "html.parser")


def _main(soup: Tag) -> str:
    main = soup if soup.name == "main" else soup.find("main")
    return str(main if main is not None else soup)


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def select(html: Html, selector: str) -> list[Tag]:
    """Every element the selector matches: at least one, or the test fails, showing <main>
    (or the element searched, if it has no <main>)."""
    soup = _soup(html)
    found = soup.select(selector)
    if not found:
        raise AssertionError(f"{selector!r} matched nothing; the page's <main>:\n{_main(soup)}")
    return found


def fragment(html: Html, selector: str) -> str:
    """The markup of every element the selector matches (one after the other)."""
    return "\n".join(str(tag) for tag in select(html, selector))


def text(html: Html, selector: str) -> str:
    """The text of every element the selector matches, as a reader sees it: tags dropped,
    entities decoded, runs of white space made one space."""
    return _squash(" ".join(tag.get_text(" ") for tag in select(html, selector)))


def assert_in_fragment(html: Html, selector: str, *needles: str) -> None:
    """Each needle is in the text of the fragment (`text`); markup needles (with "<") are
    looked for in its markup as the server sent it, re-serialised."""
    _check(html, selector, needles, present=True)


def assert_not_in_fragment(html: Html, selector: str, *needles: str) -> None:
    """No needle is in the fragment, which must exist."""
    _check(html, selector, needles, present=False)


def _check(html: Html, selector: str, needles: tuple[str, ...], *, present: bool) -> None:
    html = _soup(html)
    markup = fragment(html, selector)
    words = text(html, selector)
    wrong = [
        needle
        for needle in needles
        if ((needle in markup) if "<" in needle else (_squash(needle) in words)) != present
    ]
    if wrong:
        missing = "is not in" if present else "should not be in"
        raise AssertionError(
            f"{', '.join(map(repr, wrong))} {missing} {selector!r}, which is:\n{markup}"
        )
