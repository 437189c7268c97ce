"""Page links for the pages that show a class a page of students at a time (the dashboard's
progress table, review by question, the work a move cannot place on the revision page):
Django's Paginator, and a navigation (`core/_pager.html`) that works as plain links and,
given an htmx target, swaps only that target."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.http import QueryDict

AROUND = 2  # page links on each side of the current page (with the first and the last)


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class Pager:
    """What `insights/_pager.html` draws: `name` prefixes the links' ids (htmx puts the
    focus back on the link of the same id after a swap), `label` names the navigation."""

    page: Page
    name: str
    label: str
    links: list[PageLink | None]  # None: pages left out (…)
    previous: str
    following: str
    fragment: str  # where a plain link lands on the new page ("#progress-heading")
    target: str  # the id of the element htmx swaps, or "" for plain links only

    @property
    def first(self) -> int:
        return self.page.start_index()

    @property
    def last(self) -> int:
        return self.page.end_index()

    @property
    def count(self) -> int:
        return self.page.paginator.count


def page_url(path: str, query: QueryDict, number: int, param: str = "page") -> str:
    """The address `path` with `?page=number` (`param`: a page with two lists pages each
    by its own parameter), the other parameters of `query` kept (`blind=1`)."""
    query = query.copy()
    query[param] = str(number)
    return f"{path}?{query.urlencode()}"


def pager(
    path: str,
    query: QueryDict,
    page: Page,
    *,
    name: str,
    label: str,
    fragment: str = "",
    target: str = "",
    param: str = "page",
) -> Pager:
    """The links to the pages around `page` of the page at `path` with `query` (the page
    shown: for a form posted from it and shown again, the page it was posted from)."""
    last = page.paginator.num_pages
    shown = sorted(
        {1, last, *range(max(1, page.number - AROUND), min(last, page.number + AROUND) + 1)}
    )
    links: list[PageLink | None] = []
    for number in shown:
        if links and links[-1] is not None and number > links[-1].number + 1:
            links.append(None)
        links.append(PageLink(number, page_url(path, query, number, param), number == page.number))
    return Pager(
        page=page,
        name=name,
        label=label,
        links=links,
        previous=page_url(path, query, page.number - 1, param) if page.has_previous() else "",
        following=page_url(path, query, page.number + 1, param) if page.has_next() else "",
        fragment=fragment,
        target=target,
    )
