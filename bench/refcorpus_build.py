"""Build the reference-resolution corpus (tests/data/refcorpus) from recorded Crossref and JATS reference lists.

Run once, by hand, where ../shared exists: `python -m bench.refcorpus_build [SHARED_FIXTURES_DIR]`.
The truth (DOI, first author, title, journal, year, volume, pages) comes from the structured reference
metadata that publishers deposited with Crossref and from JATS `element-citation`s of open-access articles;
printed strings come from the deposited `unstructured` text where there is one, otherwise they are rendered
here in the common styles. Target works and confusers (errata, corrections, comments, replies, preprints,
other editions) are authored Crossref-shaped records; see tests/data/refcorpus/README.md.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "refcorpus"
CROSSREF_STRUCTURED = [
    "works_10.1371_journal.pone.0033693.json", "works_10.1016_j.neurobiolaging.2010.03.024.json",
    "works_10.7554_elife.01567.json", "works_10.1016_j.pediatrneurol.2015.06.002.json",
    "works_10.1371_journal.pone.0020476.json", "works_10.1016_s0140-6736_97_11096-0.json",
    "works_10.5694_j.1326-5377.1943.tb44329.x.json", "works_10.1136_jclinpath-2020-206745.json",
    "works_10.1101_2020.12.01.406702.json", "works_10.1002_jor.1100150407.json",
]  # fmt: skip
CROSSREF_PRINTED = {  # record file -> style of its deposited `unstructured` strings
    "works_10.1038_srep16696.json": "nature",
    "works_10.1007_978-3-662-46370-3_13.json": "vancouver",
    "works_10.1007_s00120-007-1345-2.json": "springer",
}
JATS = ["enrichment/europepmc_fulltextxml_PMC8249384.xml", "enrichment/pmc_oa_jats_PMC3574550_annonc-mds526.nxml"]
STYLES = ["vancouver", "vancouver_date", "ama", "apa", "harvard_upper", "springer", "nature", "chicago"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TUNE_SHARE = 35  # percent of works (by DOI hash) used for tuning; the rest is the held-apart test set
ABSENT_SHARE = 9  # percent of works that are not in the server (their confusers may be)
CONFUSED_SHARE = 30  # percent of works that get confusers


ABBREVIATIONS = ["journal_abbreviations_medicus.csv", "journal_abbreviations_lifescience.csv",
                 "journal_abbreviations_entrez.csv"]  # fmt: skip


def journal_names(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(full name by dotless abbreviation key, dotted ISO and NLM abbreviations by lower-case full name), CC0 lists."""
    full: dict[str, str] = {}
    dotted: dict[str, str] = {}
    nlm: dict[str, str] = {}
    for name in ABBREVIATIONS:
        path = folder / name
        if not path.exists():
            continue
        for row in csv.reader(path.open(encoding="utf-8")):
            if len(row) >= 2:
                full.setdefault(re.sub(r"[^a-z0-9]", "", row[1].lower()), row[0])
                if "lifescience" in name:
                    dotted.setdefault(row[0].lower(), row[1])
                elif "medicus" in name:
                    nlm.setdefault(row[0].lower(), row[1])
    return full, dotted, nlm


def _hash(text: str, salt: str = "") -> int:
    return int(hashlib.sha1(f"{salt}{text}".encode()).hexdigest()[:8], 16)


def _split_name(value: str) -> tuple[str, str]:
    """'AF Arnsten' or 'Arnsten' -> ('Arnsten', 'AF')."""
    value = value.strip()
    trailing = re.match(r"^(?P<family>.+?),?\s+(?P<initials>(?:[A-Z]\.\s?)+)$", value)  # "Cope C. L."
    if trailing:
        return trailing.group("family"), trailing.group("initials").replace(".", "").replace(" ", "")
    parts = value.replace(".", " ").split()
    if len(parts) > 1 and parts[0].isupper() and len(parts[0]) <= 4:
        return " ".join(parts[1:]), parts[0]
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 4 and not parts[0].isupper():
        return " ".join(parts[:-1]), parts[-1]  # "Booth FW"
    return value, ""


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", title))).strip().rstrip(".")


_TITLE_START = {
    "nature": re.compile(r"^.*(?:\b[A-Z]\.|Jr\s?\.|et al\.)\s"),  # after the last initial
    "springer": re.compile(r"^.*?\(\d{4}[a-z]?\)\s"),  # after "(1993) "
    "vancouver": re.compile(r"^.*?(?:\b[A-Z]{1,4}|et al)\.\s"),  # after the first "Kim HW. "
}


def _printed_title(text: str, style: str, journal: str) -> str:
    """The title inside a deposited printed reference: from the end of the authors to the deposited journal name."""
    end = text.find(f" {journal.rstrip('.')}")
    if end < 0:
        return ""
    start = _TITLE_START[style].match(text[:end])
    return text[start.end() : end].strip().rstrip(".") if start else ""


def crossref_works(fixtures: Path) -> list[dict[str, Any]]:
    """Works cited by recorded Crossref records, with their truth and (where deposited) printed string."""
    works: list[dict[str, Any]] = []
    for name, style in [*((n, "") for n in CROSSREF_STRUCTURED), *CROSSREF_PRINTED.items()]:
        message = json.loads((fixtures / "crossref" / name).read_text(encoding="utf-8"))["message"]
        for ref in message.get("reference", []):
            doi = ref.get("DOI", "").lower()
            if not doi or not ref.get("author") or not ref.get("year") or not ref.get("journal-title"):
                continue
            family, initials = _split_name(ref["author"])
            printed = ref.get("unstructured", "") if style else ""
            shown = re.match(rf"{re.escape(family)},?\s+((?:[A-Z]\.?\s?){{1,4}})\b", printed)
            if not initials and shown:  # the printed string has them: "Evins SC"
                initials = re.sub(r"[^A-Z]", "", shown.group(1))
            initials = initials or "ABCDEFGHJKLMNPRSTW"[_hash(doi, "initial") % 18]  # made up where none deposited
            title = _clean_title(ref.get("article-title", "")) or (
                _printed_title(printed, style, ref["journal-title"]) if printed else ""
            )
            if not title or not ref["year"][:4].isdigit():
                continue
            works.append({
                "doi": doi, "authors": [(family, initials)], "title": title, "journal": ref["journal-title"],
                "year": int(ref["year"][:4]), "volume": ref.get("volume", ""), "issue": ref.get("issue", ""),
                "first_page": ref.get("first-page", ""), "last_page": "", "printed": printed,
                "printed_style": style, "source": f"crossref:{message['DOI']}",
            })  # fmt: skip
    return works


def recorded_works(fixtures: Path) -> list[dict[str, Any]]:
    """The recorded (real) Crossref journal articles themselves, to be cited in every style against their records."""
    _, dotted, nlm = journal_names(fixtures.parent / "data" / "journal-abbreviations")
    works = []
    for path in sorted((fixtures / "crossref").glob("works_10.*.json")):
        message = json.loads(path.read_text(encoding="utf-8")).get("message")
        if not isinstance(message, dict) or message.get("type") != "journal-article":
            continue
        title = re.sub(r"^RETRACTED:\s*", "", _clean_title((message.get("title") or [""])[0]))
        year = ((message.get("issued") or {}).get("date-parts") or [[None]])[0][0]
        first = re.split(r"[-–]", message.get("page") or "")[0] or message.get("article-number", "")
        if not title or not year or not message.get("volume") or not first or not message.get("author"):
            continue
        if title.isupper():
            title = title[:1] + title[1:].lower()  # reference lists print capitals in sentence case
        container = message["container-title"][0]
        short = (message.get("short-container-title") or [""])[0]
        abbreviation = nlm.get(container.lower()) or short or container
        pages = (message.get("page") or "").split("-")
        works.append({
            "doi": message["DOI"].lower(), "authors": [(a.get("family", ""), re.sub(r"[^A-Z]", "", a.get("given", "")))
                                                       for a in message["author"] if a.get("family")],
            "title": title, "journal": abbreviation, "journal_full": container,
            "journal_dotted": dotted.get(container.lower(), ""), "year": int(year), "volume": message["volume"],
            "issue": message.get("issue", ""), "first_page": first, "last_page": pages[1] if len(pages) > 1 else "",
            "printed": "", "printed_style": "", "source": f"record:{message['DOI']}",
        })  # fmt: skip
    return works


def _tag(xml: str, name: str) -> str:
    match = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", xml, re.S)
    return _clean_title(match.group(1)) if match else ""


def jats_works(fixtures: Path) -> list[dict[str, Any]]:
    """Journal articles cited in JATS files, with every author (element-citation)."""
    works: list[dict[str, Any]] = []
    for name in JATS:
        text = (fixtures / name).read_text(encoding="utf-8")
        for ref in re.findall(r"<ref\b.*?</ref>", text, re.S):
            if 'publication-type="journal"' not in ref:
                continue
            doi_match = re.search(r'pub-id-type="doi">([^<]+)<', ref) or re.search(r"doi:(10\.[^<\s]+)<", ref)
            group = re.search(r'person-group-type="author">(.*?)</person-group>', ref, re.S)
            if not doi_match or not group:
                continue
            names = re.findall(r"<surname>(.*?)</surname>\s*<given-names>(.*?)</given-names>", group.group(1))
            year = _tag(ref, "year")[:4]
            if not names or not year.isdigit() or not _tag(ref, "article-title"):
                continue
            works.append({
                "doi": doi_match.group(1).lower(), "authors": [(html.unescape(s), g.replace(".", "").replace(" ", ""))
                                                               for s, g in names],
                "et_al": "<etal/>" in group.group(1), "title": _tag(ref, "article-title"),
                "journal": _tag(ref, "source"), "year": int(year), "volume": _tag(ref, "volume"),
                "issue": _tag(ref, "issue"), "first_page": _tag(ref, "fpage"), "last_page": _tag(ref, "lpage"),
                "printed": "", "printed_style": "", "source": f"jats:{Path(name).name}",
            })  # fmt: skip
    return works


def _pages(work: dict[str, Any], sep: str = "–") -> str:
    first, last = work["first_page"], work["last_page"]
    return f"{first}{sep}{last}" if first and last else first


def _dotted(initials: str) -> str:
    return " ".join(f"{c}." for c in initials)


def _deviate(title: str, variant: int) -> str:
    """What copying does to titles now and then: a transposed letter, a dropped subtitle, sentence case."""
    words = title.split()
    if variant % 11 == 3 and len(words) > 3:  # a typo: two letters of the longest word swapped
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        words[i] = w[:2] + w[3] + w[2] + w[4:] if len(w) > 5 else w
        return " ".join(words)
    if variant % 11 == 7 and ": " in title and len(title.split(": ")[0].split()) >= 4:
        return title.split(": ")[0]  # subtitle left out
    if variant % 11 == 9:
        return title[:1] + title[1:].lower()  # sentence case
    return title


def render(work: dict[str, Any], style: str, variant: int) -> str:
    """The work printed in one citation style (with the deviations real lists show, chosen by variant)."""
    if not work["volume"] or not work["first_page"]:
        style = "vancouver_loose" if style in ("vancouver", "vancouver_date", "ama") else "apa_loose"
    authors = work["authors"]
    more = work.get("et_al") or len(authors) > 6
    shown = authors[:6] if style in ("vancouver", "vancouver_date", "ama") else authors[:3]
    title, journal, year, volume, issue = work["title"], work["journal"], work["year"], work["volume"], work["issue"]
    title = _deviate(title, variant)
    if style in ("apa", "apa_loose", "harvard_upper", "chicago"):
        journal = work.get("journal_full") or journal  # these styles spell journal names out
    elif style == "nature":
        journal = work.get("journal_dotted") or journal
    pages = _pages(work, "-" if variant % 2 else "–")
    etal = "et al" if variant % 5 == 0 else "et al."
    if style in ("vancouver", "vancouver_date", "ama"):
        names = ", ".join(f"{f} {i}".strip() for f, i in shown) + (f", {etal}" if more or len(authors) > 6 else "")
        when = str(year)
        if style == "vancouver_date":
            when = f"{year} {MONTHS[variant % 12]}" + (f" {variant % 28 + 1}" if variant % 3 else "")
        journal_dotless = journal.replace(".", "")
        where = f"{volume}({issue})" if issue and variant % 4 else volume
        return f"{names.rstrip('.')}. {title}. {journal_dotless}. {when};{where}:{pages}."
    if style == "vancouver_loose":
        names = ", ".join(f"{f} {i}".strip() for f, i in shown)
        where = "".join(f";{x}" if k == 0 else f":{x}" for k, x in enumerate(v for v in (work["volume"], pages) if v))
        return f"{names}. {title}. {journal.replace('.', '')}. {year}{where}."
    if style == "apa_loose":
        names = ", ".join(f"{f}, {_dotted(i)}" for f, i in shown)
        tail = ", ".join(v for v in (work["volume"], pages) if v)
        return f"{names} ({year}). {title}. {journal}" + (f", {tail}." if tail else ".")
    if style == "apa":
        names = ", ".join(f"{f}, {_dotted(i)}".strip(", ") for f, i in shown)
        if len(shown) > 1:
            last_f, last_i = shown[-1]
            names = ", ".join(f"{f}, {_dotted(i)}" for f, i in shown[:-1]) + f", & {last_f}, {_dotted(last_i)}"
        where = f"{volume}({issue})" if issue else volume
        return f"{names} ({year}). {title}. {journal}, {where}, {pages}."
    if style == "harvard_upper":
        names = ", ".join(f"{f.upper()}, {''.join(c + '.' for c in i)}" for f, i in shown)
        extra = f", no. {issue}" if issue else ""
        return f"{names}, {year}. {title}. {journal}, vol. {volume}{extra}, pp. {pages}."
    if style == "springer":
        names = ", ".join(f"{f} {i}".strip() for f, i in shown) + (" et al" if more else "")
        where = f"{volume}({issue})" if issue else volume
        return f"{names} ({year}) {title}. {journal} {where}:{pages}"
    if style == "nature":
        parts = [f"{f}, {_dotted(i)}" for f, i in shown]
        names = parts[0] + " et al." if more else (", ".join(parts[:-1]) + " & " + parts[-1] if len(parts) > 1
                                                   else parts[0])  # fmt: skip
        return f"{names} {title}. {journal} {volume}, {pages} ({year})."
    # chicago
    first_f, first_i = shown[0]
    rest = [f"{_dotted(i)} {f}" for f, i in shown[1:]]
    names = f"{first_f}, {_dotted(first_i)}" + (
        "".join(f", {r}" for r in rest[:-1]) + f", and {rest[-1]}" if rest else ""
    )
    no = f", no. {issue}" if issue else ""
    return f'{names} "{title}." {journal} {volume}{no} ({year}): {pages}.'


def _authors_json(work: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for index, (family, initials) in enumerate(work["authors"]):
        out.append({"given": " ".join(f"{c}." for c in initials), "family": family,
                    "sequence": "first" if index == 0 else "additional", "affiliation": []})  # fmt: skip
    return out


def record(work: dict[str, Any]) -> dict[str, Any]:
    """The authored Crossref work of a cited article."""
    message: dict[str, Any] = {
        "DOI": work["doi"], "type": "journal-article", "title": [work["title"]],
        "author": _authors_json(work), "container-title": [work.get("journal_full") or work["journal"]],
        "short-container-title": [work["journal"]], "issued": {"date-parts": [[work["year"]]]},
        "published-print": {"date-parts": [[work["year"]]]}, "volume": work["volume"],
        "source": "refmgr tests (authored)",
    }  # fmt: skip
    noise = _hash(work["doi"], "noise") % 6
    if noise == 0:  # Crossref often holds titles in Title Case
        message["title"] = [re.sub(r"\b([a-z])(\w{3,})", lambda m: m.group(1).upper() + m.group(2), work["title"])]
    elif noise == 1:  # ... or with a subtitle the reference list left out
        message["title"] = [f"{work['title']}: a cohort study"]
    elif noise == 2:  # online a year before print
        message["published-online"] = {"date-parts": [[work["year"] - 1, 11, 20]]}
    if work["issue"]:
        message["issue"] = work["issue"]
    if work["first_page"]:
        message["page"] = f"{work['first_page']}-{work['last_page']}" if work["last_page"] else work["first_page"]
    return message


def confusers(work: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Records that share the cited work's title (errata, comments, preprints) or author (other editions)."""
    doi, title, year = work["doi"], work["title"], work["year"]
    out: list[dict[str, Any]] = []
    notice = ["Erratum to: {t}", "Correction: {t}", "Corrigendum to “{t}”", "Correction to: {t}"][seed % 4]
    erratum = {
        "DOI": f"{doi}.err", "type": "journal-article", "title": [notice.format(t=title)],
        "container-title": [work["journal"]], "short-container-title": [work["journal"]],
        "issued": {"date-parts": [[year + (seed % 2)]]}, "volume": work["volume"] if seed % 3 else "",
        "source": "refmgr tests (authored)",
    }  # fmt: skip
    if seed % 2:
        erratum["update-to"] = [{"type": "correction", "DOI": doi, "label": "Correction"}]
    out.append(erratum)
    kind = (seed // 4) % 3
    if kind == 0:
        server = ["medRxiv", "bioRxiv", "Research Square"][seed % 3]
        out.append({
            "DOI": f"10.1101/{year - 1}.{seed % 100:02d}.{seed % 1000:03d}", "type": "posted-content",
            "subtype": "preprint", "title": [title], "author": _authors_json(work), "institution": [{"name": server}],
            "publisher": "Cold Spring Harbor Laboratory" if server != "Research Square" else "Research Square",
            "issued": {"date-parts": [[year if seed % 2 else year - 1]]}, "source": "refmgr tests (authored)",
        })  # fmt: skip
    elif kind == 1:
        other = ["Re: {t}", "Comment on: {t}", "Reply to: {t}", "Response to “{t}”"][seed % 4]
        out.append({
            "DOI": f"{doi}.cmt", "type": "journal-article", "title": [other.format(t=title)],
            "author": [{"given": "R.", "family": ["Okafor", "Lindqvist", "Moreau", "Tanaka"][seed % 4],
                        "sequence": "first", "affiliation": []}],
            "container-title": [work["journal"]], "issued": {"date-parts": [[year + 1]]},
            "volume": str(int(work["volume"]) + 1) if work["volume"].isdigit() else "", "page": str(seed % 900 + 1),
            "source": "refmgr tests (authored)",
        })  # fmt: skip
    else:
        later = year + 3 + seed % 4
        out.append({
            **record(work), "DOI": f"{doi}.upd", "title": [f"{title}: {later} update"],
            "issued": {"date-parts": [[later]]}, "published-print": {"date-parts": [[later]]},
            "volume": str(int(work["volume"]) + 3) if work["volume"].isdigit() else "9",
            "page": str((seed % 700) + 11),
        })  # fmt: skip
    return out


def build(fixtures: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(server records, references) of the corpus."""
    works, seen = [], set()
    for work in [*crossref_works(fixtures), *jats_works(fixtures)]:
        if work["doi"] not in seen:
            seen.add(work["doi"])
            works.append(work)
    full, dotted, _ = journal_names(fixtures.parent / "data" / "journal-abbreviations")
    for work in works:
        name = full.get(re.sub(r"[^a-z0-9]", "", work["journal"].lower()), "")
        if name and name != name.lower():  # the lists' lower-case entries are not how Crossref spells names
            work["journal_full"] = name
            work["journal_dotted"] = dotted.get(name.lower(), "")
    records, references = [], []
    for index, work in enumerate(works):
        h = _hash(work["doi"])
        split = "tune" if h % 100 < TUNE_SHARE else "test"
        absent = _hash(work["doi"], "absent") % 100 < ABSENT_SHARE
        confused = absent or _hash(work["doi"], "confuse") % 100 < CONFUSED_SHARE
        if not absent:
            records.append(record(work))
        if confused:
            records.extend(confusers(work, h))
        strings: list[tuple[str, str]] = []
        if work["printed"]:
            strings.append((work["printed_style"] + "_printed", work["printed"]))
        else:
            for k in range(3):
                style = STYLES[(index + 3 * k) % len(STYLES)]
                strings.append((style, render(work, style, h + k)))
        for style, text in strings:
            references.append({"text": text, "style": style, "doi": work["doi"], "absent": absent,
                               "confusers": confused, "split": split, "source": work["source"]})  # fmt: skip
    for index, work in enumerate(recorded_works(fixtures)):
        for k, style in enumerate(STYLES):
            text = render(work, style, index + k)
            references.append({"text": text, "style": style, "doi": work["doi"], "absent": False,
                               "confusers": False, "split": "records", "source": work["source"]})  # fmt: skip
    return records, references


def main() -> None:
    """Write tests/data/refcorpus/{works,references}.json."""
    fixtures = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "fixtures"
    records, references = build(fixtures)
    OUT.mkdir(parents=True, exist_ok=True)
    one_per_line = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (OUT / "works.json").write_text(f"[\n{one_per_line}\n]\n", encoding="utf-8")
    (OUT / "references.json").write_text(json.dumps(references, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(records)} records, {len(references)} references")


if __name__ == "__main__":
    main()
