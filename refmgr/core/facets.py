"""Filter values as index tokens (year, read status, rating, retraction, legends, publication type).

The stemmed index carries them in its `facets` column, so `metastasis type:rct year:>2018` is one FTS5 query
that intersects posting lists instead of looking every match up in the articles table. The tokens start with
"zq" so that no word of an article is mistaken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PREFIX = "zq"
FIRST_YEAR, LAST_YEAR = 1800, 2199
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def type_token(name: str) -> str:
    """The token of a stored publication type ("Clinical Trial, Phase III" -> zqtclinicaltrialphaseiii)."""
    return f"{PREFIX}t" + _NOT_ALNUM.sub("", name.lower())


def status_token(status: str) -> str:
    """The token of a read status."""
    return f"{PREFIX}s" + _NOT_ALNUM.sub("", status.lower())


def rating_token(rating: int) -> str:
    """The token of a rating 0-5."""
    return f"{PREFIX}r{int(rating)}"


RETRACTED = f"{PREFIX}retracted"
FIGURES = f"{PREFIX}figures"


def facet_text(
    year: object, status: object, rating: object, retracted: object, figures: bool, types: Iterable[str]
) -> str:
    """The facets column of one article."""
    tokens = []
    if isinstance(year, int) and FIRST_YEAR <= year <= LAST_YEAR:
        tokens += [f"{PREFIX}y{year}", f"{PREFIX}d{year // 10}", f"{PREFIX}c{year // 100}"]
    tokens.append(status_token(str(status or "unread")))
    tokens.append(rating_token(int(rating or 0)) if str(rating or 0).isdigit() else rating_token(0))
    if retracted:
        tokens.append(RETRACTED)
    if figures:
        tokens.append(FIGURES)
    tokens += [type_token(t) for t in types if _NOT_ALNUM.sub("", t.lower())]
    return " ".join(tokens)


def year_tokens(first: int, last: int) -> list[str]:
    """Tokens matching every year from first to last (whole centuries and decades as one token each)."""
    first, last = max(first, FIRST_YEAR), min(last, LAST_YEAR)
    tokens: list[str] = []
    year = first
    while year <= last:
        if year % 100 == 0 and year + 99 <= last:
            tokens.append(f"{PREFIX}c{year // 100}")
            year += 100
        elif year % 10 == 0 and year + 9 <= last:
            tokens.append(f"{PREFIX}d{year // 10}")
            year += 10
        else:
            tokens.append(f"{PREFIX}y{year}")
            year += 1
    return tokens
