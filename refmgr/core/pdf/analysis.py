"""What a PDF's text says about its article: DOI, title, figure captions, keywords and the full text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from refmgr.core.identifiers import extract_dois, normalise_doi
from refmgr.core.model import Article, Figure, Keyword, normalise_title
from refmgr.core.pdf.extract import Line, PdfText

PDF_SOURCE = "pdf"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_CAPTION = re.compile(
    r"^\s*(?P<word>Fig\.?|Figure|FIGURE|FIG\.?)\s*(?P<num>S?\d{1,3})(?P<sep>\s*[.:|]\s*|\s+|$)(?P<rest>.*)$"
)
_KEYWORDS = re.compile(r"^\s*(?:key\s?words?|index terms)\b\s*[:.\-—]?\s*(?P<rest>.*)$", re.IGNORECASE)
_XMP_DOI_FIELDS = re.compile(
    r"(?:prism:doi|pdfx:doi|crossmark:DOI|dc:identifier|pdfx:WPS-ARTICLEDOI)\s*(?:=\s*\"([^\"]*)\"|>([^<]*)<)",
    re.IGNORECASE,
)
_CITE_CUES = re.compile(r"cite this article|how to cite|published in final edited form", re.IGNORECASE)
MAX_CAPTION_LINES = 60
FIRST_PAGES = 2
LAST_PAGES = 2


@dataclass(frozen=True)
class Caption:
    """A figure caption found in the text: its label ("Fig. 1"), legend, full text and 1-based page."""

    label: str
    legend: str
    text: str
    page: int


def clean(text: str) -> str:
    """Text with PDFium's soft-hyphen marks joined, control characters dropped and spaces collapsed."""
    text = text.replace("\ufffe", "").replace("\u00ad", "")
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def join_lines(lines: list[str]) -> str:
    """Lines as one paragraph: soft hyphens joined, a hyphen kept where the word has one, else a space."""
    out = ""
    for line in lines:
        line = _CONTROL.sub("", line).rstrip()
        if not out:
            out = line
        elif out.endswith(("\ufffe", "\u00ad")):
            fragment = re.split(r"[\s(/]", out[:-1])[-1]
            # PDFium marks every hyphen at a line end; one after a fragment like "33RE" or "IL" is part of the word
            keep = any(ch.isdigit() for ch in fragment) or sum(ch.isupper() for ch in fragment) > 1
            out = out[:-1] + ("-" if keep else "") + line.lstrip()
        elif out.endswith("-") and len(out) > 1 and out[-2].isalnum():
            out += line.lstrip()
        else:
            out += " " + line.lstrip()
    return clean(out)


def page_text(lines: list[Line]) -> str:
    """One page's text, a line per line."""
    return "\n".join(clean(line.text) for line in lines)


def full_text(pdf: PdfText) -> str:
    """The whole document's text, pages separated by form feeds (for the full-text index)."""
    return "\f".join(page_text(page) for page in pdf.pages)


# --- DOI ---------------------------------------------------------------------------------------


def _article_dois(text: str) -> list[str]:
    """DOIs in a text, without journal-level ones (10.1002/(ISSN)...)."""
    return [doi for doi in extract_dois(text) if "(issn)" not in doi]


def doi_from_metadata(pdf: PdfText) -> str:
    """The DOI of the document's own DOI fields (Info, XMP), else one inside its descriptive metadata."""
    for key in ("doi", "DOI", "WPS-ARTICLEDOI"):
        doi = normalise_doi(pdf.info.get(key, ""))
        if doi and "(issn)" not in doi:
            return doi
    for match in _XMP_DOI_FIELDS.finditer(pdf.xmp):
        dois = _article_dois(match.group(1) or match.group(2) or "")
        if dois:
            return dois[0]
    for text in (pdf.info.get("Subject", ""), pdf.info.get("Keywords", ""), pdf.xmp):
        dois = _article_dois(text)
        if len(set(dois)) == 1:
            return dois[0]
    return ""


def _doi_on_pages(pages: list[str], cue_needed: bool) -> str:
    """The first DOI printed on these pages; with cue_needed, the one nearest a "Cite this article" line."""
    for text in pages:
        lines = text.split("\n")
        found = [(number, dois[0]) for number, line in enumerate(lines) if (dois := _article_dois(line))]
        if not found:
            continue
        if not cue_needed:
            return found[0][1]
        cues = [number for number, line in enumerate(lines) if _CITE_CUES.search(line)]
        near = [(min(abs(number - cue) for cue in cues), number, doi) for number, doi in found if cues]
        near = [entry for entry in near if entry[0] <= 3]
        if near:
            return min(near)[2]
    return ""


def find_doi(pdf: PdfText) -> tuple[str, str]:
    """(DOI, where it was found) from metadata, the first pages, then the last pages; ("", "") if none."""
    doi = doi_from_metadata(pdf)
    if doi:
        return doi, "metadata"
    texts = [page_text(page) for page in pdf.pages]
    doi = _doi_on_pages(texts[:FIRST_PAGES], cue_needed=False)
    if doi:
        return doi, "first pages"
    tail = texts[max(FIRST_PAGES, len(texts) - LAST_PAGES) :]
    doi = _doi_on_pages(list(reversed(tail)), cue_needed=True)
    return (doi, "last pages") if doi else ("", "")


# --- title -------------------------------------------------------------------------------------


def _plausible_title(text: str, min_words: int = 3) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    lowered = text.lower()
    junk = lowered.startswith(("microsoft", "untitled"))
    return len(text.split()) >= min_words and letters >= 0.6 * len(text) and not junk


def largest_text(lines: list[Line]) -> str:
    """The run of page lines set in the largest type (the title on most first pages)."""
    horizontal = [i for i, line in enumerate(lines) if line.right - line.left > 3 * (line.top - line.bottom)]
    sized = [i for i in horizontal if lines[i].height > 0 and _plausible_title(clean(lines[i].text), 2)]
    if not sized:
        return ""
    index = max(sized, key=lambda i: lines[i].height)
    threshold = 0.7 * lines[index].height

    def near(upper: Line, lower: Line) -> bool:
        return lower.height >= threshold and upper.bottom - lower.top < 1.5 * (upper.top - upper.bottom)

    start = end = index
    while start > 0 and near(lines[start - 1], lines[start]) and lines[start - 1].height >= threshold:
        start -= 1
    while end + 1 < len(lines) and near(lines[end], lines[end + 1]):
        end += 1
    return join_lines([line.text for line in lines[start : end + 1]])


def find_title(pdf: PdfText) -> str:
    """The metadata title when the first pages print it, else the largest text on page 1."""
    first = normalise_title(" ".join(page_text(page) for page in pdf.pages[:FIRST_PAGES]))
    meta = clean(pdf.info.get("Title", ""))
    if meta and _plausible_title(meta) and normalise_title(meta) in first:
        return meta
    return largest_text(pdf.pages[0]) if pdf.pages else ""


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _vancouver_authors(line: str) -> str:
    """An author line ("Greg M. Allen1*, Nicholas W. Frankel2 and ...") as "Allen GM, Frankel NW"."""
    names = []
    for part in re.split(r",|;|\band\b|&", re.sub(r"[\d*†‡§¶∗]+", " ", line)):
        tokens = [t for t in re.split(r"[\s.]+", part) if t]
        if len(tokens) < 2 or not tokens[-1][:1].isupper():
            continue
        family = tokens[-1].title() if tokens[-1].isupper() else tokens[-1]
        names.append(f"{family} {''.join(t[0] for t in tokens[:-1])}")
    return ", ".join(names[:6])


def citation_guess(pdf: PdfText) -> str:
    """A reference string to look the PDF up by: the line after the title (authors), the title, a year."""
    title = find_title(pdf)
    if not title:
        return ""
    lines = [clean(line.text) for line in pdf.pages[0]] if pdf.pages else []
    after = next((i + 1 for i, line in enumerate(lines) if line and title.endswith(line)), len(lines))
    authors = _vancouver_authors(lines[after]) if after < len(lines) else ""
    years = Counter(_YEAR.findall(" ".join(lines)))
    year = years.most_common(1)[0][0] if years else ""
    return ". ".join(part.rstrip(".") for part in (authors, title, year) if part) + "."


# --- captions ----------------------------------------------------------------------------------


def _continues(previous: Line, line: Line, start: Line) -> bool:
    """Whether a line goes on with a caption: just below the previous one, or atop the next column."""
    pitch = max(previous.top - previous.bottom, 1.0)
    gap = previous.bottom - line.top
    overlaps = line.left < previous.right and line.right > previous.left
    if overlaps and -pitch * 0.5 <= gap <= pitch * 0.9:
        return True
    next_column = line.left >= previous.right - 5 and abs(line.top - start.top) <= 2 * pitch
    return next_column


def _candidates(pdf: PdfText) -> list[tuple[str, Caption]]:
    """Every caption-like block with its label word ("Fig.", "Figure", "FIGURE"), in page order."""
    found: list[tuple[str, Caption]] = []
    for page_number, lines in enumerate(pdf.pages, start=1):
        index = 0
        while index < len(lines):
            match = _CAPTION.match(clean(lines[index].text))
            if not match or not _starts_caption(match):
                index += 1
                continue
            block = [lines[index]]
            while len(block) < MAX_CAPTION_LINES and index + len(block) < len(lines):
                following = lines[index + len(block)]
                if not _continues(block[-1], following, block[0]):
                    break
                other = _CAPTION.match(clean(following.text))
                if other and other.group("word") == match.group("word"):
                    break  # the next caption; "Figure 6." inside a "FIGURE 8" caption is a reference
                block.append(following)
            text = join_lines([line.text for line in block])
            head = _CAPTION.match(text)
            if head:
                word, number = head.group("word"), head.group("num")
                legend = clean(head.group("rest"))
                found.append((word, Caption(f"{word} {number}", legend, text, page_number)))
            index += len(block)
    return found


def _starts_caption(match: re.Match[str]) -> bool:
    """A label that opens a caption, not a sentence about the figure ("Figure 2 shows...")."""
    rest = match.group("rest").lstrip()
    separator = match.group("sep").strip()
    if not rest or separator in ("|", ":") or match.group("word").isupper():
        return True
    first_word = rest.split()[0]
    return not (first_word.isalpha() and first_word.islower()) and rest[0] not in ",;)"


def find_captions(pdf: PdfText) -> list[Caption]:
    """The figure captions, one per label, in the style the document uses for most of its figures."""
    candidates = _candidates(pdf)
    if not candidates:
        return []
    numbers_by_word: dict[str, set[str]] = {}
    for word, caption in candidates:
        numbers_by_word.setdefault(word, set()).add(caption.label.split()[-1])
    style = Counter({word: len(numbers) for word, numbers in numbers_by_word.items()}).most_common(1)[0][0]
    captions: dict[str, Caption] = {}
    for word, caption in candidates:
        if word == style and caption.legend:
            captions.setdefault(caption.label, caption)
    return list(captions.values())


# --- keywords ----------------------------------------------------------------------------------


def find_keywords(pdf: PdfText) -> list[str]:
    """The article's own keyword line on its first pages ("Keywords: a, b; c"), split into terms."""
    for lines in pdf.pages[:FIRST_PAGES]:
        for index, line in enumerate(lines):
            match = _KEYWORDS.match(clean(line.text))
            if not match:
                continue
            parts = [match.group("rest")] if match.group("rest") else []
            previous = line
            for following in lines[index + 1 : index + 6]:
                if not (parts and _continues(previous, following, line)) and parts:
                    break
                if not parts and following.top > line.bottom + 2 * max(line.top - line.bottom, 1.0):
                    break
                parts.append(following.text)
                previous = following
            terms = [clean(term) for term in re.split(r"[;,·•]|\s{2,}", join_lines(parts))]
            return [term for term in terms if 1 < len(term) <= 80][:20]
    return []


# --- the article -------------------------------------------------------------------------------


def article_and_pages(pdf: PdfText) -> tuple[Article, dict[str, int]]:
    """An article from the PDF alone (DOI, title, captions as legends, keywords) and each caption's 1-based page."""
    doi, _ = find_doi(pdf)
    captions = find_captions(pdf)
    article = Article(title=find_title(pdf), doi=doi, source=PDF_SOURCE)
    article.figures = [Figure(c.label, c.legend, source=PDF_SOURCE) for c in captions]
    article.keywords = [Keyword(term) for term in find_keywords(pdf)]
    return article, {c.label: c.page for c in captions}
