"""Journal-club handouts: numbered citation, the list note, abstract, keywords and figure legends per article."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date

from refmgr.core.export.bibliography import format_entries, style_spec
from refmgr.core.model import Article

HANDOUT_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
p.date { color: #555; margin-top: 0; }
article { border-top: 1px solid #bbb; padding-top: 0.8em; margin-top: 1.2em; }
h2 { font-size: 1.05em; font-weight: normal; }
h2 .number { font-weight: bold; }
.note { background: #fff8dc; border-left: 4px solid #e0b000; padding: 0.4em 0.8em; }
h3 { font-size: 0.95em; text-transform: uppercase; letter-spacing: 0.05em; color: #444; margin-bottom: 0.2em; }
.keywords { font-size: 0.92em; }
.retracted { color: #b00000; font-weight: bold; }
dl.figures dt { font-weight: bold; }
dl.figures dd { margin: 0 0 0.6em 0; font-size: 0.92em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  article { break-inside: auto; page-break-inside: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .note { background: none; border-left: 2px solid #000; }
  a { color: inherit; text-decoration: none; }
}
""".strip()


def _today() -> str:
    return date.today().isoformat()


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def handout_html(articles: Sequence[Article], notes: Mapping[int, str] | None = None, title: str | None = None,
                 style: str | None = None, on: str | None = None) -> str:
    """A self-contained, printable HTML page (inline CSS, no scripts, no remote resources)."""
    notes = notes or {}
    title = title or "Reading list"
    citations = format_entries(articles, style or "vancouver", "html")
    numbered = style_spec(style or "vancouver").numeric
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_esc(title)}</title>",
        f"<style>\n{HANDOUT_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="date">{_esc(on or _today())} · {len(articles)} article{"s" if len(articles) != 1 else ""}</p>',
    ]
    for number, (article, citation) in enumerate(zip(articles, citations, strict=True), 1):
        label = f'<span class="number">{number}.</span> ' if numbered else ""
        parts.append(f'<article id="item-{number}">')
        parts.append(f"<h2>{label}{citation}</h2>")
        if article.retracted:
            parts.append('<p class="retracted">Retracted: this article has a retraction notice.</p>')
        note = notes.get(article.id or -1, "")
        if note:
            parts.append('<div class="note">' + "".join(f"<p>{_esc(p)}</p>" for p in _paragraphs(note)) + "</div>")
        if article.abstract:
            parts.append("<h3>Abstract</h3>")
            parts += [f"<p>{_esc(p)}</p>" for p in _paragraphs(article.abstract)]
        if article.keywords:
            terms = "; ".join(_esc(k.display) for k in article.keywords)
            parts.append(f'<p class="keywords"><strong>Keywords:</strong> {terms}</p>')
        if article.figures:
            parts.append("<h3>Figures</h3>")
            parts.append('<dl class="figures">')
            for figure in article.figures:
                parts.append(f"<dt>{_esc(figure.label)}</dt><dd>{_esc(figure.legend)}</dd>")
            parts.append("</dl>")
        parts.append("</article>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def handout_markdown(articles: Sequence[Article], notes: Mapping[int, str] | None = None, title: str | None = None,
                     style: str | None = None, on: str | None = None) -> str:
    """The same handout as Markdown: one section per article, in list order."""
    notes = notes or {}
    title = title or "Reading list"
    citations = format_entries(articles, style or "vancouver", "markdown")
    numbered = style_spec(style or "vancouver").numeric
    count = f"{len(articles)} article{'s' if len(articles) != 1 else ''}"
    lines = [f"# {_md(title)}", "", f"{on or _today()} · {count}", ""]
    for number, (article, citation) in enumerate(zip(articles, citations, strict=True), 1):
        lines += [f"## {number}. {citation}" if numbered else f"## {citation}", ""]
        if article.retracted:
            lines += ["**Retracted: this article has a retraction notice.**", ""]
        note = notes.get(article.id or -1, "")
        if note:
            lines += [f"> {_md(p)}\n>" for p in _paragraphs(note)]
            lines[-1] = lines[-1].removesuffix("\n>")
            lines.append("")
        if article.abstract:
            lines += ["**Abstract.** " + "\n\n".join(_md(p) for p in _paragraphs(article.abstract)), ""]
        if article.keywords:
            lines += ["**Keywords:** " + "; ".join(_md(k.display) for k in article.keywords), ""]
        if article.figures:
            lines += ["**Figures**", ""]
            lines += [f"- **{_md(f.label)}** {_md(f.legend)}" for f in article.figures]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
