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
    block: re.Pattern[str],
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
        yield from _parse_blocks(text, error, block, make_record, element_name)
        return
    articles = find_articles(root)
    if not articles:
        yield ParsedRecord("file", error=f"no <{element_name}> element in this XML")
        return
    for index, element in enumerate(articles, 1):
        yield make_record(element, f"article {index}")


def _parse_blocks(
    text: str, error: ParseError, block: re.Pattern[str], make_record: RecordMaker, element_name: str
) -> Iterator[ParsedRecord]:
    """Parse each complete article block on its own so one broken article spares the others."""
    line = error.position[0] if getattr(error, "position", None) else 0
    blocks = list(block.finditer(text))
    if not blocks:
        yield ParsedRecord(
            f"line {line}", error=f"XML not well-formed at line {line} and no complete <{element_name}> in it: {error}"
        )
        return
    for index, match in enumerate(blocks, 1):
        start_line = text.count("\n", 0, match.start()) + 1
        location = f"article {index} (line {start_line})"
        try:
            element = fromstring(match.group(0).encode("utf-8"))
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
