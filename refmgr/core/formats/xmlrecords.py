"""Safe XML reading shared by the XML readers: defusedxml, then article-by-article recovery."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from refmgr.core.formats import ParsedRecord

RecordMaker = Callable[[Element, str], ParsedRecord]


def parse_xml_articles(
    text: str,
    find_articles: Callable[[Element], list[Element]],
    make_record: RecordMaker,
    element_name: str,
) -> Iterator[ParsedRecord]:
    """One record per article element; a file that is not well-formed is retried block by block."""
    text = text.lstrip("\ufeff")
    try:
        root = fromstring(text.encode("utf-8"))
    except DefusedXmlException as error:
        yield ParsedRecord(
            "file",
            error=f"unsafe XML refused ({type(error).__name__}: entity or DTD tricks); nothing imported from this file",
        )
        return
    except ParseError as error:
        yield from _parse_blocks(text, error, make_record, element_name)
        return
    articles = find_articles(root)
    if not articles:
        yield ParsedRecord("file", error=f"no <{element_name}> element in this XML")
        return
    for index, element in enumerate(articles, 1):
        yield make_record(element, f"article {index}")


def article_blocks(text: str, element_name: str) -> list[tuple[int, int]]:
    """(start, end) of each complete <name ...>...</name> block, found in one linear pass."""
    # Each block runs from an opening tag to the first closing tag after it, and the next block starts after
    # that: what a non-greedy pattern finds, without its backtracking (a pattern tried at each of n unclosed
    # tags scans to the end of the file n times: 100 s for 352 KB).
    name = re.escape(element_name)
    starts = [m.start() for m in re.finditer(rf"<{name}[\s>]", text)]
    ends = [m.end() for m in re.finditer(rf"</{name}\s*>", text)]
    blocks: list[tuple[int, int]] = []
    s = e = 0
    while s < len(starts):
        while e < len(ends) and ends[e] <= starts[s]:
            e += 1
        if e == len(ends):
            break  # no closing tag after this opening one, so none after any later one either
        blocks.append((starts[s], ends[e]))
        while s < len(starts) and starts[s] < ends[e]:
            s += 1
    return blocks


def _parse_blocks(text: str, error: ParseError, make_record: RecordMaker, element_name: str) -> Iterator[ParsedRecord]:
    """Parse each complete article block on its own so one broken article spares the others."""
    # A record is yielded per block, so a cancel checked between records stops the recovery between blocks.
    line = error.position[0] if getattr(error, "position", None) else 0
    blocks = article_blocks(text, element_name)
    if not blocks:
        yield ParsedRecord(
            f"line {line}", error=f"XML not well-formed at line {line} and no complete <{element_name}> in it: {error}"
        )
        return
    start_line, counted = 1, 0
    for index, (start, end) in enumerate(blocks, 1):
        start_line += text.count("\n", counted, start)  # counted from the previous block: linear overall
        counted = start
        location = f"article {index} (line {start_line})"
        try:
            element = fromstring(text[start:end].encode("utf-8"))
        except DefusedXmlException as block_error:
            yield ParsedRecord(location, error=f"{location}: unsafe XML refused ({type(block_error).__name__})")
            continue
        except ParseError as block_error:
            where = start_line + block_error.position[0] - 1
            reason = str(block_error).split(":", 1)[0]
            yield ParsedRecord(
                location, error=f"{location}: XML not well-formed at line {where} ({reason}); article skipped"
            )
            continue
        yield make_record(element, location)
