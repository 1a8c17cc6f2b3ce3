"""Links between the pages of a table, for ``templates/partials/page_links.html``."""

from collections.abc import Callable

from django.core.paginator import Page
from django.http import HttpRequest


def keeping_query(request: HttpRequest, param: str) -> Callable[[int], str]:
    """The address of page ``number`` in ``param``, keeping every other parameter of the
    request (filters, sort, another table's page)."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    return link


def page_links(page: Page | None, link: Callable[[int], str]) -> dict[str, str]:
    """``first``, ``previous``, ``next`` and ``last`` addresses, for those that exist."""
    links: dict[str, str] = {}
    if page is None:
        return links
    if page.has_previous():
        links["first"], links["previous"] = link(1), link(page.previous_page_number())
    if page.has_next():
        links["next"], links["last"] = link(page.next_page_number()), link(page.paginator.num_pages)
    return links
