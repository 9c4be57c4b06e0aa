"""A loopback stand-in for Europe PMC's REST service and NCBI's E-utilities, from recorded and authored records."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element, tostring

import pytest
from defusedxml.ElementTree import fromstring

from tests.loopback import LoopbackServer

DATA = Path(__file__).parent / "data" / "enrichment"
FAULTS = ("429", "500", "503", "html", "truncated", "empty", "drop", "json-garbage")
NCBI_LIMIT = 3  # requests per second per user without an API key
RECORDED_PMIDS = ("29768149", "33474827", "29915538", "38833988")


@dataclass
class Logged:
    """One request the server saw."""

    method: str
    path: str
    params: dict[str, list[str]]
    time: float
    fault: str = ""

    @property
    def service(self) -> str:
        """ "eutils" or "europepmc"."""
        return "eutils" if self.path.endswith(".fcgi") else "europepmc"


def pubmed_xml(entry: dict[str, Any]) -> str:
    """An efetch <PubmedArticle> for an authored record (the shapes of the recorded ones)."""
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="D{n:06d}" MajorTopicYN="{"Y" if major and not quals else "N"}">'
        f"{escape(term)}</DescriptorName>"
        + "".join(f'<QualifierName UI="Q{n:06d}" MajorTopicYN="{"Y" if major else "N"}">{escape(q)}</QualifierName>'
                  for q in quals)
        + "</MeshHeading>"
        for n, (term, major, quals) in enumerate(entry.get("mesh", []), 1)
    )
    keywords = "".join(f'<Keyword MajorTopicYN="N">{escape(k)}</Keyword>' for k in entry.get("keywords", []))
    types = "".join(f'<PublicationType UI="D0{n}">{escape(t)}</PublicationType>'
                    for n, t in enumerate(entry.get("types", [])))  # fmt: skip
    banks: dict[str, list[str]] = {}
    for trial in entry.get("trials", []):
        banks.setdefault("ClinicalTrials.gov" if trial.startswith("NCT") else "ISRCTN", []).append(trial)
    databank = "".join(
        f"<DataBank><DataBankName>{name}</DataBankName><AccessionNumberList>"
        + "".join(f"<AccessionNumber>{a}</AccessionNumber>" for a in numbers)
        + "</AccessionNumberList></DataBank>"
        for name, numbers in banks.items()
    )
    pmc = f'<ArticleId IdType="pmc">{entry["pmcid"]}</ArticleId>' if entry.get("pmcid") else ""
    databank = f'<DataBankList CompleteYN="Y">{databank}</DataBankList>' if databank else ""
    mesh = f"<MeshHeadingList>{mesh}</MeshHeadingList>" if mesh else ""
    keywords = f'<KeywordList Owner="NOTNLM">{keywords}</KeywordList>' if keywords else ""
    abstract = escape(entry.get("abstract", entry["title"]))
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{entry["pmid"]}</PMID>'
        f'<Article PubModel="Print"><Journal><Title>{escape(entry["journal"])}</Title><JournalIssue>'
        f'<Volume>{entry.get("volume", "12")}</Volume><Issue>3</Issue><PubDate><Year>{entry["year"]}</Year>'
        f"<Month>Mar</Month></PubDate></JournalIssue><ISOAbbreviation>{escape(entry['ta'])}</ISOAbbreviation>"
        f"</Journal><ArticleTitle>{escape(entry['title'])}.</ArticleTitle><Pagination><MedlinePgn>101-9"
        f'</MedlinePgn></Pagination><ELocationID EIdType="doi" ValidYN="Y">{entry["doi"]}</ELocationID>'
        f'<Abstract><AbstractText Label="BACKGROUND">{abstract}</AbstractText>'
        f'</Abstract><AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Tester</LastName>'
        f"<ForeName>Ada</ForeName><Initials>A</Initials></Author></AuthorList><Language>eng</Language>"
        f"{databank}"
        f"<PublicationTypeList>{types}</PublicationTypeList></Article><MedlineJournalInfo><Country>England</Country>"
        f"<MedlineTA>{escape(entry['ta'])}</MedlineTA></MedlineJournalInfo>"
        f"{mesh}{keywords}"
        f'</MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>'
        f'<ArticleId IdType="pubmed">{entry["pmid"]}</ArticleId><ArticleId IdType="doi">{entry["doi"]}</ArticleId>'
        f"{pmc}</ArticleIdList></PubmedData></PubmedArticle>"
    )


def jats_xml(entry: dict[str, Any]) -> bytes:
    """A Europe PMC full text for an authored open-access record: front matter, licence and figures."""
    figures = "".join(
        f'<fig id="F{n}" position="float"><label>{label}</label><caption>{caption}</caption>'
        f'<graphic xlink:href="fig{n}"/></fig>'
        for n, (label, caption) in enumerate(entry.get("figures", []), 1)
    )
    return (
        '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD with MathML3 '
        'v1.2 20190208//EN" "JATS-archivearticle1-mathml3.dtd"><article xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' xmlns:ali="http://www.niso.org/schemas/ali/1.0/" article-type="research-article"><front><article-meta>'
        f'<article-id pub-id-type="pmcid">{entry["pmcid"].removeprefix("PMC")}</article-id>'
        f'<article-id pub-id-type="doi">{entry["doi"]}</article-id><title-group><article-title>'
        f"{escape(entry['title'])}</article-title></title-group><permissions><license>"
        "<ali:license_ref>https://creativecommons.org/licenses/by/4.0/</ali:license_ref></license></permissions>"
        f"</article-meta></front><body><sec><title>Results</title><p>Text.</p></sec></body><back/>"
        f"<floats-group>{figures}</floats-group></article>"
    ).encode()


def epmc_result(element: Element, open_access: bool) -> dict[str, Any]:
    """A Europe PMC core result made from a PubMed record (flags as "Y"/"N" strings, DOI lower-cased)."""
    citation = element.find("MedlineCitation")
    assert citation is not None
    pmid = citation.findtext("PMID", "")
    ids = {i.get("IdType"): (i.text or "") for i in element.findall("PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next((e.text or "" for e in citation.findall("Article/ELocationID")
                                   if e.get("EIdType") == "doi"), "")  # fmt: skip
    result: dict[str, Any] = {"id": pmid, "source": "MED", "pmid": pmid, "doi": doi.lower(),
                              "title": "".join(citation.find("Article/ArticleTitle").itertext()),
                              "isOpenAccess": "Y" if open_access else "N", "inEPMC": "Y" if open_access else "N",
                              "inPMC": "Y" if ids.get("pmc") else "N", "hasPDF": "N"}  # fmt: skip
    if ids.get("pmc"):
        result["pmcid"] = ids["pmc"]
    headings = []
    for heading in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        quals = [{"abbreviation": "XX", "qualifierName": q.text, "majorTopic_YN": q.get("MajorTopicYN")}
                 for q in heading.findall("QualifierName")]  # fmt: skip
        entry = {"majorTopic_YN": descriptor.get("MajorTopicYN"), "descriptorName": descriptor.text}
        if quals:
            entry["meshQualifierList"] = {"meshQualifier": quals}
        headings.append(entry)
    if headings:
        result["meshHeadingList"] = {"meshHeading": headings}
    keywords = [k.text for k in citation.findall("KeywordList/Keyword") if k.text]
    if keywords:
        result["keywordList"] = {"keyword": keywords}
    types = citation.findall("Article/PublicationTypeList/PublicationType")
    result["pubTypeList"] = {"pubType": [t.text for t in types]}
    result["journalInfo"] = {"journal": {"medlineAbbreviation": citation.findtext("MedlineJournalInfo/MedlineTA")}}
    if open_access:
        result["license"] = "cc by"
    return result


class EnrichServer(LoopbackServer):
    """PubMed records, Europe PMC results and full texts served on 127.0.0.1; faults and limits switchable."""

    def __init__(self) -> None:
        self.records: dict[str, Element] = {}  # PubMed records by PMID
        self.epmc: dict[str, dict[str, Any]] = {}  # recorded Europe PMC results by PMID
        self.full_texts: dict[str, bytes] = {}  # by PMCID
        self.log: list[Logged] = []
        self.faults: dict[str, deque[str]] = {"eutils": deque(), "europepmc": deque(), "fulltext": deque()}
        self.fault_all: dict[str, str] = {}
        self.latency: dict[str, float] = {}  # seconds each "eutils", "europepmc" or "fulltext" answer waits
        self.full_text_faults: dict[str, str] = {}  # by PMCID: that full text always gets the fault
        self.dropped_pmids: set[str] = set()  # efetch leaves these out silently, as NCBI does
        self.search_unknown: set[str] = set()  # DOIs Europe PMC does not know (esearch still does)
        self.esearch_extra: list[str] = []  # PMIDs esearch adds to every answer (a tokenised [doi] near-miss)
        self.enforce_ncbi_limit = False
        self.too_many = 0
        self.retry_after = "1"
        self.shuffle = random.Random(7)
        self._ncbi_starts: deque[float] = deque()
        self.lock = threading.Lock()
        self._load()
        super().__init__(_make_handler(self))
        self.europepmc_url = f"{self.url}/europepmc/webservices/rest"
        self.eutils_url = f"{self.url}/entrez/eutils"

    def _load(self) -> None:
        for path in sorted(DATA.glob("efetch_pubmed_*.xml")):
            for element in fromstring(path.read_bytes()).findall("PubmedArticle"):
                self.records[element.findtext("MedlineCitation/PMID", "")] = element
        self.authored = json.loads((DATA / "authored.json").read_text(encoding="utf-8"))["records"]
        for entry in self.authored:
            self.add_record(entry)
        for name in ("europepmc_search_core_query-cancer.json", "europepmc_search_core_ext-id-39466770_retracted.json"):
            for result in json.loads((DATA / name).read_text(encoding="utf-8"))["resultList"]["result"]:
                if result.get("pmid"):
                    self.epmc[result["pmid"]] = result
        self.full_texts["PMC8249384"] = (DATA / "europepmc_fulltextxml_PMC8249384.xml").read_bytes()
        self.full_texts["PMC3574550"] = (DATA / "pmc_oa_jats_PMC3574550_annonc-mds526.nxml").read_bytes()

    def add_record(self, entry: dict[str, Any]) -> None:
        """Serve an authored record (and its full text when it has a PMCID and figures)."""
        self.records[entry["pmid"]] = fromstring(pubmed_xml(entry).encode())
        if entry.get("pmcid") and entry.get("figures") is not None:
            self.full_texts[entry["pmcid"]] = jats_xml(entry)

    def fail_next(self, service: str, *faults: str) -> None:
        """Answer the next requests to "eutils", "europepmc" (search) or "fulltext" with these faults."""
        for fault in faults:
            assert fault in FAULTS, fault
            self.faults[service].append(fault)

    def requests(self, path_end: str = "") -> list[Logged]:
        """Logged requests whose path ends with path_end (all when empty)."""
        with self.lock:
            return [r for r in self.log if r.path.endswith(path_end)]

    # ----- what the services know ---------------------------------------------------------

    def doi_index(self) -> dict[str, str]:
        """PMID by lower-case DOI, over every PubMed record."""
        index = {}
        for pmid, element in self.records.items():
            for ident in element.findall("PubmedData/ArticleIdList/ArticleId"):
                if ident.get("IdType") == "doi" and ident.text:
                    index[ident.text.lower()] = pmid
        return index

    def result_for(self, pmid: str) -> dict[str, Any] | None:
        """The Europe PMC core result of a PMID: the recorded one, or one made from the PubMed record."""
        if pmid in self.epmc:
            return self.epmc[pmid]
        element = self.records.get(pmid)
        if element is None:
            return None
        pmcid = next((i.text or "" for i in element.findall("PubmedData/ArticleIdList/ArticleId")
                      if i.get("IdType") == "pmc"), "")  # fmt: skip
        return epmc_result(element, open_access=pmcid in self.full_texts)

    def search(self, query: str) -> list[dict[str, Any]]:
        """Answer DOI:"..", EXT_ID:n and PMCID:PMCn terms OR-ed together; misses are simply absent."""
        dois = self.doi_index()
        pmids: list[str] = []
        for doi in re.findall(r'DOI:"([^"]+)"', query):
            if doi.lower() not in self.search_unknown and doi.lower() in dois:
                pmids.append(dois[doi.lower()])
            pmids += [p for p, r in self.epmc.items() if str(r.get("doi", "")).lower() == doi.lower()]
        pmids += re.findall(r"EXT_ID:(\d+)", query)
        for pmcid in re.findall(r"PMCID:(PMC\d+)", query):
            pmids += [p for p in self.records if self.result_for(p) and self.result_for(p).get("pmcid") == pmcid]
        results = [r for r in (self.result_for(p) for p in dict.fromkeys(pmids)) if r is not None]
        with self.lock:
            self.shuffle.shuffle(results)
        return results

    def ncbi_over_limit(self) -> bool:
        """With enforce_ncbi_limit, whether this E-utilities request is a 4th within a second (then 429)."""
        if not self.enforce_ncbi_limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self._ncbi_starts and now - self._ncbi_starts[0] >= 1.0:
                self._ncbi_starts.popleft()
            if len(self._ncbi_starts) >= NCBI_LIMIT:
                self.too_many += 1
                return True
            self._ncbi_starts.append(now)
        return False


def _make_handler(server: EnrichServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._handle("GET", {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._handle("POST", parse_qs(self.rfile.read(length).decode()))

        def _handle(self, method: str, form: dict[str, list[str]]) -> None:
            parts = urlsplit(self.path)
            params = {**parse_qs(parts.query), **form}
            entry = Logged(method, parts.path, params, time.monotonic())
            kind = "eutils" if entry.service == "eutils" else "fulltext" if "fullTextXML" in parts.path else "europepmc"
            with server.lock:
                queue = server.faults[kind]
                entry.fault = queue.popleft() if queue else server.fault_all.get(kind, "")
                pmcid = re.search(r"/(PMC\d+)/fullTextXML$", parts.path)
                entry.fault = entry.fault or (server.full_text_faults.get(pmcid.group(1), "") if pmcid else "")
            if not entry.fault and kind == "eutils" and server.ncbi_over_limit():
                entry.fault = "429"
            with server.lock:
                server.log.append(entry)
            if server.latency.get(kind):
                time.sleep(server.latency[kind])
            if entry.fault:
                self._fault(entry.fault)
                return
            path = parts.path
            if path.endswith("/efetch.fcgi"):
                self._efetch(params)
            elif path.endswith("/esearch.fcgi"):
                self._esearch(params)
            elif path.endswith("/search") or path.endswith("/searchPOST"):
                results = server.search(params.get("query", [""])[0])
                body = {"version": "6.9", "hitCount": len(results), "request": {"queryString": "..."},
                        "resultList": {"result": results}}  # fmt: skip
                self._send(200, json.dumps(body).encode(), "application/json")
            elif match := re.search(r"/(PMC\d+)/fullTextXML$", path):
                text = server.full_texts.get(match.group(1))
                if text is None:
                    self._send(404, b"<error>not found</error>", "application/xml")
                else:
                    self._send(200, text, "application/xml")
            else:
                self._send(404, b"not here", "text/plain")

        def _efetch(self, params: dict[str, list[str]]) -> None:
            ids = [i for i in ",".join(params.get("id", [""])).split(",") if i]
            found = [server.records[i] for i in ids if i in server.records and i not in server.dropped_pmids]
            body = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st '
                    'January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
                    "<PubmedArticleSet>" + "\n".join(tostring(e, encoding="unicode") for e in found)
                    + "</PubmedArticleSet>")  # fmt: skip
            self._send(200, body.encode(), "text/xml; charset=UTF-8", {"X-RateLimit-Limit": str(NCBI_LIMIT)})

        def _esearch(self, params: dict[str, list[str]]) -> None:
            term = params.get("term", [""])[0]
            dois = server.doi_index()
            ids = [dois[d.lower()] for d in re.findall(r"(\S+)\[doi\]", term) if d.lower() in dois]
            ids += server.esearch_extra
            body = {"header": {"type": "esearch", "version": "0.3"},
                    "esearchresult": {"count": str(len(ids)), "retmax": str(len(ids)), "retstart": "0",
                                      "idlist": ids, "translationset": [], "querytranslation": term}}  # fmt: skip
            self._send(200, json.dumps(body).encode(), "application/json; charset=UTF-8")

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, fault: str) -> None:
            if fault == "429":
                self._send(429, b'{"error":"API rate limit exceeded"}', "application/json",
                           {"Retry-After": server.retry_after})  # fmt: skip
            elif fault in ("500", "503"):
                self._send(int(fault), b"This API is temporarily unavailable due to maintenance.", "text/plain")
            elif fault == "html":
                self._send(200, b"<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>",
                           "text/html; charset=utf-8")  # fmt: skip
            elif fault == "truncated":
                self._send(200, b'<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation>',
                           "text/xml")  # fmt: skip
            elif fault == "json-garbage":
                self._send(200, b'{"version": "6.9", "resultList": {"result": [{"pmid": ', "application/json")
            elif fault == "empty":
                self._send(200, b"", "application/json")
            elif fault == "drop":
                self.close_connection = True
                self.connection.close()

    return Handler


@pytest.fixture
def enrich_server() -> Iterator[EnrichServer]:
    """A running loopback PubMed + Europe PMC server."""
    server = EnrichServer().start()
    yield server
    server.stop()


@pytest.fixture
def sources(enrich_server: EnrichServer) -> Iterator[Any]:
    """Clients for the loopback server whose limiters sleep on a fake clock (no real waiting in tests)."""
    from refmgr.core.crossref.ratelimit import RateLimiter
    from refmgr.core.sources.enrich import EUROPEPMC_LIMITS, make_sources
    from refmgr.core.sources.pubmed import WITHOUT_KEY
    from tests.crossref_server import FakeClock

    clock = FakeClock()
    made = make_sources(
        enrich_server.europepmc_url, enrich_server.eutils_url, email="dev@example.org", timeout=5,
        europepmc_limiter=RateLimiter(clock=clock, sleep=clock.sleep, limits=EUROPEPMC_LIMITS),
        eutils_limiter=RateLimiter(clock=clock, sleep=clock.sleep, limits=WITHOUT_KEY),
    )  # fmt: skip
    yield made
    made.close()
