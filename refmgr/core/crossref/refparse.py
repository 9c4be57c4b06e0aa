"""Free-text reference parsing: authors, year, title, journal, volume, issue and first page in the common styles.

Handles Vancouver/NLM (with or without month and day), AMA, APA, Harvard (also upper-case surnames),
Springer/Chicago author-year and Nature style; group authors, particles, non-ASCII and up to five initials,
e-locators, article numbers, supplements, "in press" and online-first references.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from refmgr.core.crossref.mapping import clean_text
from refmgr.core.identifiers import extract_dois

_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
_LOWER = "".join(c for c in map(chr, range(0x61, 0x250)) if c.islower())
_U = f"[{_UPPER}]"
# Particles are lower-case and surname words capitalised, and a word is taken whole (possessive `*+`): no two ways
# to read the same text, so no backtracking blow-up on long runs of capitalised words.
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|le|la|ten|ter|bin|al|el)"
_SURNAME_WORD = rf"(?:{_U}[{_LOWER}{_UPPER}'’]*+|[dl]['’]{_U}[{_LOWER}]*+)"
_SURNAME = rf"(?:{_PARTICLE}\s)*{_SURNAME_WORD}(?:[-\s](?:{_PARTICLE}\s)*{_SURNAME_WORD})*"
_SUFFIX = r"(?:Jr|Sr|II|III|IV|2nd|3rd|Jnr|Snr|Neto|Filho|Junior|No|de|da|do|dos|das|van|von)\.?"
# "Ljungberg B", "Abu-Ghanem Y", "Pavan ÍL", "Tavares MCGCF", "Kim J-H", "Sousa DT de", "Lansbury PT Jr"
_VANCOUVER_NAME = re.compile(
    rf"(?P<family>{_SURNAME})\s(?P<initials>{_U}(?:-?{_U}){{0,4}})(?:\s{_SUFFIX})?(?![{_LOWER}{_UPPER}'’-])"
)
# "Ljungberg, B.", "BRAND, M.H.", "Lansbury, P. T., Jr.", "de Velasco, G.", "Abu-Ghanem, Y.-M."
_COMMA_NAME = re.compile(
    rf"(?P<family>{_SURNAME}),\s?(?P<initials>{_U}\.(?:\s?-?{_U}\.){{0,4}}|{_U}[{_LOWER}]+(?:\s{_U}\.)*)"
    rf"(?:,?\s(?:Jr|Sr|III|II|IV)\.?)?(?![{_LOWER}{_UPPER}])"
)
# Chicago's later authors: "J. A. Smith"
_INITIALS_FIRST = re.compile(rf"(?P<initials>{_U}\.(?:\s?{_U}\.){{0,3}})\s(?P<family>{_SURNAME})(?![{_LOWER}{_UPPER}])")
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:&|and)\s+|\s&\s|\sand\s|,\s*)")
_ET_AL = re.compile(r",?\s*(?:et\s+al\b\.?|and\s+(?:others|colleagues)\b\.?)", re.I)
_YEAR_NUM = r"(?:1[6-9]|20)\d\d"
_AUTHOR_YEAR = re.compile(  # "(2015) ", "(2015a). ", ", 1993. "
    rf"^[\s,.]*\((?P<year>{_YEAR_NUM})[a-z]?(?:,[^)]*)?\)[.,:]?\s*|^[\s,]+(?P<year2>{_YEAR_NUM})[a-z]?[.,]\s+"
)
_VOL = r"(?:[A-Za-z]?\d+[A-Za-z]?(?:\s?[-–/]\s?\d+)?|[ivxlc]{1,6}(?![a-z]))"  # roman: "Lancet ii"
_PAGE = r"(?:[A-Za-z]{0,4}\d+[A-Za-z]?\d*|[ivxlc]{1,6}(?![a-z]))"
_ISSUE = r"\((?P<issue>[^()]{1,20})\)"
_DATE = r"(?:\s+[A-Z][a-z]{2,8}\.?(?:\s*\d{1,2})?(?:\s*[-–/]\s*(?:[A-Z][a-z]{2,8}\.?)?\s*\d{0,2})?)?"
_SUPPL = r"(?:\s*(?:Suppl|Supplement|Pt)\.?\s*\w{0,4})?"
_CITATIONS = [
    # Vancouver/NLM/AMA: "2022 Jul 1;82(4):399-410", "2015;347(6220):1260419", "2012;23 Suppl 10:x1", "2023;12"
    (
        "vancouver",
        re.compile(
            rf"(?P<year>{_YEAR_NUM})[a-z]?{_DATE}\s*;\s*(?P<volume>{_VOL})?{_SUPPL}\s*(?:{_ISSUE})?{_SUPPL}"
            rf"(?:\s*:\s*(?P<page>{_PAGE}))?"
        ),
    ),
    # Nature: "Nature 388, 839–840 (1997)"
    (
        "nature",
        re.compile(
            rf"\s(?P<volume>{_VOL})\s*(?:{_ISSUE})?,\s*(?:pp?\.\s*)?(?P<page>{_PAGE})(?:\s*[-–]\s*\w+)?\s*"
            rf"\((?P<year>{_YEAR_NUM})\)"
        ),
    ),
    # Chicago: "Journal 12, no. 3 (1993): 45–50"
    (
        "chicago",
        re.compile(
            rf"\s(?P<volume>{_VOL})(?:,?\s*no\.\s*(?P<issue>(?:Suppl\.?\s*)?[\w-]+))?\s*\((?:[A-Z][a-z]+\.?\s)?"
            rf"(?P<year>{_YEAR_NUM})\)(?:\s*:\s*(?P<page>{_PAGE}))?"
        ),
    ),
    # Harvard: "vol. 12, no. 3, pp. 45-50"
    (
        "harvard",
        re.compile(
            rf"\bvol\.?\s*(?P<volume>{_VOL})(?:,?\s*(?:no|issue)\.?\s*(?P<issue>[\w-]+))?"
            rf"(?:,?\s*(?:pp?\.?|art\.)\s*(?P<page>{_PAGE}))?",
            re.I,
        ),
    ),
    # Springer: "J Pediatr Orthop 35(4):334–340", "J Urol 150: 1143"
    ("springer", re.compile(rf"\s(?P<volume>{_VOL})\s*(?:{_ISSUE})?{_SUPPL}\s*:\s*(?P<page>{_PAGE})")),
    # APA: "European Urology, 82(4), 399-410", "12(3), pp. 45-50"
    ("apa", re.compile(rf",\s*(?P<volume>{_VOL})\s*(?:{_ISSUE})?\s*,\s*(?:pp?\.\s*|Article\s+)?(?P<page>{_PAGE})")),
]
_LAST_MATCH = {"springer", "apa"}  # these shapes can occur inside titles too: take the last one
_YEAR = re.compile(rf"\b({_YEAR_NUM})[a-z]?\b")
_TRAILER = re.compile(
    r"(?:\[?(?:doi|DOI)\s*:?|https?://|(?:PMID|PMCID|PubMed PMID)\s*:|\[(?:PubMed|Internet|CrossRef|Google Scholar)"
    r"|Epub\b|Available (?:from|at)\b|Accessed\b|\[cited\b|Retrieved\b).*$"
)
_IN_PRESS = re.compile(r"[(\[]?\b(?:in press|forthcoming)\b[)\]]?", re.I)
_CHAPTER = re.compile(r"[.?]\s+In(?P<colon>:?)\s+(?P<book>[A-Z].{3,})$")
_EDITORS = re.compile(r"^.{0,300}?(?:\(eds?\.?\)|,?\s+eds?\.|,?\s+editors?\b\.?|\(Hrsg\.?\))\s*")
_CHAPTER_PAGE = re.compile(r"\b(?:pp?\.?|S\.)\s*([A-Za-z]?\d+)|:\s*([A-Za-z]?\d+)\s*[-–]")
_TRAILING_GROUP = re.compile(r"^[;,]\s*([^.;]{2,150}?)\.\s+")
_NUMBERING = re.compile(r"^\s*(?:\[\d{1,4}\]|\d{1,4}[.)]\s|\(\d{1,4}\))\s*")
_ABBREVIATIONS = {"st", "dr", "mr", "mrs", "ms", "vs", "no", "vol", "jr", "sr", "eg", "ie", "al", "fig", "ed", "eds",
                  "suppl", "pt", "inc", "ltd", "co", "corp", "univ", "dept", "u.s", "e.g", "i.e"}  # fmt: skip
_BOUNDARY = re.compile(r"(?<=[^\s])([.?!])([\"”’']?)\s+(?=[\"“‘'(\[]?[\w])")
_JOURNAL_LOWER_OK = {"of", "and", "the", "in", "for", "on", "de", "et", "und", "la", "du", "des", "y", "i", "&", "a"}
_GROUP = re.compile(
    r"\b(?:group|collaborat\w*|consortium|committee|panel|society|association|organi[sz]ation|council|network|"
    r"investigators|trialists|institute|agency|foundation|cent(?:re|er)|college|board|task force|team|academy|"
    r"federation|alliance|union|ministry|department|commission|authors|writing|working party|programme|program)\b"
    r"|^[A-Z]{2,6}$",
    re.I,
)
# "RETRACTED: Title" and "WITHDRAWN: Title" are the works themselves (flagged as retracted elsewhere), not notices.
_NOTICE_TITLE = re.compile(
    r"^\s*(?P<word>errat(?:um|a)|corrigend(?:um|a)|correction|retraction|withdrawal|"
    r"expression of concern|notice of (?:retraction|concern)|re|comment(?:ary)?|reply|response|in reply|letter|"
    r"author(?:s['’]?)? (?:reply|response)|data from)\b(?:\s+(?:note|notice))?(?:\s+(?:on|to|for|of|regarding))?"
    r"\s*(?:[:“\"'‘«\[]|$)",
    re.I,
)
_NOTICE_KIND = {"err": "erratum", "cor": "erratum", "ret": "retraction", "wit": "retraction", "exp": "retraction",
                "not": "retraction", "re": "comment", "com": "comment", "let": "comment", "rep": "reply",
                "res": "reply", "in ": "reply", "aut": "reply", "dat": "dataset"}  # fmt: skip
PREPRINT_WORDS = re.compile(r"\b(?:preprint|medrxiv|biorxiv|research square|ssrn|arxiv|chemrxiv|psyarxiv)\b", re.I)


def notice_kind(title: str) -> str:
    """erratum, retraction, comment, reply or dataset for a notice about another work ('Erratum to: ...'), else ''."""
    match = _NOTICE_TITLE.match(title or "")
    if not match:
        return ""
    word = match.group("word").lower()
    return _NOTICE_KIND.get(word[:2] if word == "re" else word[:3], "")


@dataclass
class ParsedReference:
    """What a reference string says about the cited work."""

    text: str
    doi: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    first_author: str = ""
    group_author: str = ""
    title: str = ""
    journal: str = ""
    authors: list[str] = field(default_factory=list)  # family names in order
    initials: str = ""  # the first author's, as letters ("HJ")
    kinds: list[str] = field(default_factory=list)  # erratum, retraction, comment, reply, preprint: what it cites
    style: str = ""  # the shape of the citation block that was read

    def to_dict(self) -> dict[str, Any]:
        """The parsed fields without the text."""
        return {k: v for k, v in asdict(self).items() if v and k != "text"}


def _scan_authors(text: str) -> tuple[list[str], int, str]:
    """Family names at the start of the text, where the list (with any 'et al') ends, the first author's initials."""
    for pattern in (_VANCOUVER_NAME, _COMMA_NAME):
        names: list[str] = []
        initials = ""
        pos = 0
        while True:
            match = pattern.match(text, pos) or (_INITIALS_FIRST.match(text, pos) if names else None)
            if not match:
                break
            names.append(match.group("family").strip())
            if len(names) == 1:
                initials = "".join(c for c in match.group("initials") if c.isupper())
            pos = match.end()
            separator = _SEPARATOR.match(text, pos)
            if not separator:
                break
            if pattern.match(text, separator.end()) or _INITIALS_FIRST.match(text, separator.end()):
                pos = separator.end()
                continue
            break
        if names:
            et_al = _ET_AL.match(text, pos)
            return names, et_al.end() if et_al else pos, initials
    return [], 0, ""


def _segments(text: str) -> list[str]:
    """Sentences of a title-and-journal stretch, not split after initials or common abbreviations."""
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[max(start, match.start() - 40) : match.start()].split()  # the word before, in bounded time
        word = before[-1].lower().rstrip(".") if before else ""
        if match.group(1) == "." and (len(word) <= 1 or word in _ABBREVIATIONS):
            continue
        pieces.append(text[start : match.end(2)].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in (p.strip(" ,;") for p in pieces) if p]


def _journal_like(text: str) -> bool:
    words = re.findall(r"[^\s]+", text.strip(" .,;:"))
    if not words or len(words) > 12 or not any(c.isalpha() for c in text):
        return False
    for word in words:
        core = word.strip("()[],.;:'\"“”")
        if not core or not any(c.isalpha() for c in core) or core.lower() in _JOURNAL_LOWER_OK:
            continue
        if not (core[0].isupper() or core[0].isdigit()) and "." not in word:
            return False
    return not text.rstrip().endswith("?")


_NUMERIC_TAIL = re.compile(r"(?:[,;:]\s*(?=[\w–-]*\d)[\w–-]++)+\.?$")
_JOURNAL_SECTION = re.compile(r"^(?:Suppl\w*|Part [A-Z]\w?|Section [A-Z]\w?|Series [A-Z]\w?|Sect\. [A-Z])\.?$", re.I)


def _abbreviation_piece(segment: str) -> bool:
    """A short capitalised piece such as "Proc", "Natl" or "J. Child Adolesc" (not "Proteomics" or a title phrase)."""
    words = segment.split()
    return len(words) <= 3 and len(words[-1].strip("().")) <= 9 and _journal_like(segment)


def _split_title_journal(region: str) -> tuple[str, str]:
    """(title, journal) from the text between the authors (and year) and the volume/pages."""
    region = region.strip(" ,;:").lstrip(". ")
    region = re.sub(r"^[\"“‘']+|(?<=[.?!])[\"”’']+", "", region)
    segments = _segments(region)
    while len(segments) > 1 and not any(c.isalpha() for c in segments[-1]):
        segments.pop()  # "2015." left over when no volume/page block was found
    if segments:
        segments[-1] = _NUMERIC_TAIL.sub("", segments[-1]) or segments[-1]  # "Supplementum, 311." -> "Supplementum"
    if len(segments) < 2:
        return (segments[0].strip('"“”').rstrip(".") if segments else ""), ""
    # the journal: the last segment, extended back over the pieces of a dotted abbreviation ("J. Biol. Chem.")
    chosen = len(segments) - 1 if _journal_like(segments[-1]) else 0
    continued = _JOURNAL_SECTION.match(segments[-1]) or segments[-1].startswith("(")
    if chosen > 1 and continued and _journal_like(segments[-2]):
        chosen -= 1  # "Journal of Neural Transmission. Supplementum", "Acta Neuropathol. (Berl.)"
    words = len(segments[chosen].split())
    while chosen > 1 and _abbreviation_piece(segments[chosen - 1]) and words <= 12:
        chosen -= 1
        words += len(segments[chosen].split())
    if chosen:
        journal = " ".join(segments[chosen:])
        return " ".join(segments[:chosen]).strip('"“”').rstrip("."), journal.strip(" .,")
    return " ".join(segments[:-1]).strip('"“”').rstrip("."), segments[-1].strip(" .,")


def _citation(text: str) -> tuple[str, re.Match[str]] | None:
    """The volume/issue/page block: the first style whose shape is found (the last occurrence for loose shapes)."""
    for style, pattern in _CITATIONS:
        matches = list(pattern.finditer(text))
        matches = [m for m in matches if m.group("volume") or m.group("page") or style == "vancouver"]
        if matches:
            return style, matches[-1] if style in _LAST_MATCH else matches[0]
    return None


def _read_chapter(parsed: ParsedReference, title: str, book: str) -> None:
    """A chapter ("Title. In: Editors, editors. Book. City: Publisher; 2015. p. 155-8."): the book is the journal."""
    parsed.title = title.strip(" .").strip('"“”')
    book = _EDITORS.sub("", book, count=1)
    parsed.journal = (_segments(book) or [""])[0].rstrip(".")
    page = _CHAPTER_PAGE.search(book)
    parsed.first_page = (page.group(1) or page.group(2)) if page else ""
    if parsed.year is None:
        years = _YEAR.findall(book)
        parsed.year = int(years[-1]) if years else None
    parsed.style = "chapter"


def parse_reference(text: str) -> ParsedReference:
    """Authors, year, title, journal, volume, issue and first page from a reference string."""
    text = clean_text(text)
    parsed = ParsedReference(text=text)
    dois = extract_dois(text)
    parsed.doi = dois[0] if dois else ""
    body = _TRAILER.sub("", _NUMBERING.sub("", text)).strip()
    body = re.sub(r"\s{2,}", " ", _IN_PRESS.sub("", body)).strip()
    names, end, initials = _scan_authors(body)
    rest = body[end:]
    if not names:
        # a group author is a first sentence naming a body ("... Collaborative Group."); else the work is anonymous
        segments = _segments(body)
        if len(segments) >= 2 and _GROUP.search(segments[0]) and len(segments[0]) <= 200:
            parsed.group_author = segments[0].rstrip(".")
            rest = body[body.find(segments[0]) + len(segments[0]) :]
    else:
        parsed.authors, parsed.first_author, parsed.initials = names, names[0], initials
        trailing_group = _TRAILING_GROUP.match(rest)  # "Choueiri TK, et al; CheckMate 9ER Investigators. Title"
        if trailing_group and _GROUP.search(trailing_group.group(1)):
            rest = rest[trailing_group.end() :]
    year_match = _AUTHOR_YEAR.match(rest)
    if year_match:
        parsed.year = int(year_match.group("year") or year_match.group("year2"))
        rest = rest[year_match.end() :]
    chapter = _CHAPTER.search(rest)
    if chapter and (chapter.group("colon") or _EDITORS.match(chapter.group("book"))):
        _read_chapter(parsed, rest[: chapter.start() + 1], chapter.group("book"))
        parsed.kinds = []
        return parsed
    found = _citation(rest)
    if found:
        parsed.style, citation = found
        region = rest[: citation.start()]
        parsed.volume = (citation.group("volume") or "").strip()
        parsed.issue = (citation.groupdict().get("issue") or "").strip()
        parsed.first_page = citation.group("page") or ""
        if citation.groupdict().get("year") and (parsed.year is None or parsed.style == "vancouver"):
            parsed.year = int(citation.group("year"))
    else:
        region = rest
    parsed.title, parsed.journal = _split_title_journal(region)
    if not found:
        cut = re.split(rf"[.;,]?\s*(?:\(?{_YEAR_NUM}\b|\bin press\b)", parsed.journal, flags=re.I)
        parsed.journal = cut[0].strip(" .,")
    if parsed.year is None:
        years = _YEAR.findall(rest.replace(parsed.title, " ") if parsed.title else rest)
        parsed.year = int(years[-1]) if years else None
    kind = notice_kind(parsed.title) or notice_kind(body)
    parsed.kinds = [kind] if kind else []
    if PREPRINT_WORDS.search(body):
        parsed.kinds.append("preprint")
    return parsed
