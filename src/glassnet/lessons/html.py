"""Static HTML pages of the lessons: one page per lesson and language, figures beside them,
and an index, for a teacher to hand out. Every text is escaped; no script, no external
resource; each file is written atomically."""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..io import atomic_write_bytes
from ._lesson import LANGS

STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}img{max-width:100%;border:1px solid #ddd;margin:.5rem 0}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;"
    "text-align:left;vertical-align:top}.erratum{background:#fff6e0;padding:.5rem;"
    "border-left:4px solid #e0a000}code{word-break:break-all}pre{overflow-x:auto;"
    "font-size:.8rem;background:#f6f6f6;padding:.5rem}"
)
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
WORDS = {
    "en": {
        "index": "Lessons",
        "tutorials": "tutorials",
        "numbers": "Numbers",
        "figures": "Figures",
        "errata": "Corrections to the tutorial",
        "says": "the tutorial says",
        "correct": "correct",
        "other": "한국어",
        "coming": "coming (needs {})",
    },
    "ko": {
        "index": "레슨",
        "tutorials": "튜토리얼",
        "numbers": "숫자",
        "figures": "그림",
        "errata": "튜토리얼 바로잡기",
        "says": "튜토리얼",
        "correct": "맞는 값",
        "other": "English",
        "coming": "준비 중 ({} 필요)",
    },
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _page(lang: str, title: str, body: list[str]) -> bytes:
    head = (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
    )
    return (head + "\n".join(body) + "</body></html>\n").encode("utf-8")


def lesson_page(result: dict, lang: str, site: Path) -> bytes:
    """One lesson as a page: its steps (errata highlighted), numbers and figures."""
    w = WORDS[lang]
    name, title = result["name"], result["title"][0 if lang == "ko" else 1]
    other = LANGS[1 - LANGS.index(lang)]
    body = [
        f'<p><a href="index.{lang}.html">{_e(w["index"])}</a> · '
        f'<a href="{_e(name)}.{other}.html">{_e(w["other"])}</a></p>',
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(w['tutorials'])}: {_e(', '.join(result['tutorials']))}</p>",
        "<ol>",
    ]
    for step in result["steps"]:
        cls = ' class="erratum"' if step.kind == "erratum" else ""
        block = f"<pre>{_e(step.block)}</pre>" if step.block else ""
        body.append(f"<li{cls}>{_e(step.sentence(lang))}{block}</li>")
    body.append("</ol>")
    if result["errata"]:
        body += [
            f"<h2>{_e(w['errata'])}</h2><table><tr><th>{_e(w['tutorials'])}</th>"
            f"<th>{_e(w['says'])}</th><th>{_e(w['correct'])}</th></tr>"
        ]
        body += [
            f"<tr><td>{_e(e['tutorial'])}</td><td>{_e(e['says'])}</td><td>{_e(e['correct'])}</td></tr>"
            for e in result["errata"]
        ]
        body.append("</table>")
    rows = {  # the numbers the steps print (an erratum's own quoted figures are in its table)
        k: v
        for s in result["steps"]
        for k, v in s.numbers.items()
        if k not in ("tutorial", "says", "correct")
    }
    body.append(f"<h2>{_e(w['numbers'])}</h2><table>")
    body += [f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in rows.items()]
    body.append("</table>")
    if result["figures"]:
        body.append(f"<h2>{_e(w['figures'])}</h2>")
        for p in result["figures"]:
            rel = Path(os.path.relpath(p, site)).as_posix()
            body.append(f'<p><img src="{_e(rel)}" alt="{_e(Path(p).stem)}"></p>')
    return _page(lang, title, body)


def index_page(rows: list[dict], lang: str) -> bytes:
    """The list of lessons (with links to the pages written) and the coming ones."""
    w = WORDS[lang]
    other = LANGS[1 - LANGS.index(lang)]
    body = [
        f'<p><a href="index.{other}.html">{_e(w["other"])}</a></p>',
        f"<h1>glassnet: {_e(w['index'])}</h1><ul>",
    ]
    for r in rows:
        if r["needs"]:
            body.append(f"<li>{_e(r['name'])}: {_e(w['coming'].format(r['needs']))}</li>")
        elif r.get("written"):
            body.append(
                f'<li><a href="{_e(r["name"])}.{lang}.html">{_e(r["title"])}</a> '
                f"({_e(', '.join(r['tutorials']))})</li>"
            )
    body.append("</ul>")
    return _page(lang, w["index"], body)


def write_site(
    out: str | Path,
    names: Iterable[str] | None = None,
    langs: Iterable[str] = LANGS,
    log: Any = None,
) -> list[Path]:
    """Run the lessons (all, or `names`) in each language and write the pages, their figures
    (under figures/<lang>/) and index.<lang>.html into `out`; returns the pages written."""
    from . import LESSONS, catalog, run

    site = Path(out)
    site.mkdir(parents=True, exist_ok=True)
    chosen = list(names) if names is not None else list(LESSONS)
    pages, written = [], set()  # by the lessons' own names (a typed name may use underscores)
    for lang in langs:
        for name in chosen:
            if log:
                log(f"{name} ({lang})")
            result = run(name, lang=lang, plot_dir=site / "figures" / lang)
            path = site / f"{result['name']}.{lang}.html"
            atomic_write_bytes(path, lesson_page(result, lang, site))
            pages.append(path)
            written.add(result["name"])
        rows = [{**r, "written": r["name"] in written} for r in catalog(lang)]
        index = index_page(rows, lang)
        atomic_write_bytes(site / f"index.{lang}.html", index)
        pages.append(site / f"index.{lang}.html")
        if lang == "en" or not (site / "index.html").exists():
            atomic_write_bytes(site / "index.html", index)
    return pages
