"""Page links for long lists: the first and last pages, and a few around the current one."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    url: Callable[[int], str]

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers to link, in order, with None where some are left out."""
        keep = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        last = 0
        for n in sorted(k for k in keep if 1 <= k <= self.pages):
            if n > last + 1:
                numbers.append(None)
            numbers.append(n)
            last = n
        return numbers
