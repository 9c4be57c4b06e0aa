"""A search query kept to a size the search can answer at once (a 5,000-word paste would freeze the window)."""

from __future__ import annotations

MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 32


def cap_query(text: str) -> tuple[str, str]:
    """The query cut to its first MAX_QUERY_TERMS words and MAX_QUERY_CHARS characters, and a note ("" if whole)."""
    words = text.split(maxsplit=MAX_QUERY_TERMS)
    if len(words) <= MAX_QUERY_TERMS and len(text) <= MAX_QUERY_CHARS:
        return text, ""
    kept = words[:MAX_QUERY_TERMS]
    while kept and len(" ".join(kept)) > MAX_QUERY_CHARS:
        kept.pop()
    note = (f"search shortened to its first {len(kept)} words (a search takes at most {MAX_QUERY_TERMS} words "
            f"and {MAX_QUERY_CHARS:,} characters)")  # fmt: skip
    return " ".join(kept), note
