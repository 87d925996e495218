"""The record every lesson fills in: bilingual steps with their numbers, errata and figures.

A step holds a Korean and an English template that name the same numbers (`{loss:.4f}`), so
both languages print the same figures and a test can check that they do.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGS = ("en", "ko")


def fields(template: str) -> set[str]:
    """The number names a step template uses (`{w:.2f}` -> {"w"})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass
class Step:
    """One paragraph of a lesson in both languages, with the numbers it prints."""

    ko: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)
    kind: str = "text"  # "text", or "erratum" (a tutorial's figure next to the correct one)
    block: str = ""  # an instrument's printout shown as it is (a table), the same in both

    def sentence(self, lang: str) -> str:
        """The paragraph in `lang` with its numbers filled in."""
        return (self.ko if lang == "ko" else self.en).format(**self.numbers)

    def text(self, lang: str) -> str:
        """The paragraph and, below it, its block."""
        return f"{self.sentence(lang)}\n{self.block}" if self.block else self.sentence(lang)


class Lesson:
    """Collects a lesson's steps, numbers, errata and figure paths; `result()` hands them back."""

    def __init__(
        self,
        name: str,
        title: tuple[str, str],
        tutorials: tuple[str, ...],
        lang: str = "en",
        plot_dir: str | Path | None = None,
    ) -> None:
        if lang not in LANGS:
            raise ValueError(f"lesson {name}: lang must be one of {LANGS}, got {lang!r}")
        self.name, self.title, self.tutorials, self.lang = name, title, tutorials, lang
        self.plot_dir = Path(plot_dir) if plot_dir is not None else None
        if self.plot_dir is not None:
            self.plot_dir.mkdir(parents=True, exist_ok=True)
        self.steps: list[Step] = []
        self.numbers: dict[str, Any] = {}
        self.errata: list[dict[str, Any]] = []
        self.figures: list[Path] = []

    def say(self, ko: str, en: str, block: str = "", **numbers: Any) -> None:
        """Add a step: the same sentence in Korean and English, with its numbers (earlier
        steps' numbers may be named again); `block` is printed below it verbatim (a table)."""
        self.numbers.update(numbers)
        self.steps.append(Step(ko, en, self._used(ko, en, self.numbers), block=block))

    @staticmethod
    def _used(ko: str, en: str, known: dict[str, Any]) -> dict[str, Any]:
        missing = (fields(ko) | fields(en)) - set(known)
        if missing:
            raise KeyError(f"lesson step names unknown numbers {sorted(missing)}")
        return {k: known[k] for k in fields(ko) | fields(en)}

    def record(self, **numbers: Any) -> None:
        """Keep numbers (arrays too) in the result without printing them."""
        self.numbers.update(numbers)

    def erratum(
        self, tutorial: str, says: str, correct: str, ko: str, en: str, **numbers: Any
    ) -> None:
        """A tutorial's figure, the correct one and the slip, said politely in both languages."""
        self.numbers.update(numbers)
        known = {**self.numbers, "tutorial": tutorial, "says": says, "correct": correct}
        self.steps.append(Step(ko, en, self._used(ko, en, known), kind="erratum"))
        self.errata.append({"tutorial": tutorial, "says": says, "correct": correct})

    def t(self, ko: str, en: str) -> str:
        """A figure label in the lesson's language."""
        return ko if self.lang == "ko" else en

    def figure(self, stem: str) -> Path | None:
        """The path for figure `stem` (a PNG in plot_dir), or None when no plots were asked for."""
        if self.plot_dir is None:
            return None
        path = self.plot_dir / f"{self.name}-{stem}.png"
        self.figures.append(path)
        return path

    def text(self, lang: str | None = None) -> str:
        """The whole lesson as printable text in `lang` (default: the lesson's language)."""
        lang = lang or self.lang
        head = self.title[0] if lang == "ko" else self.title[1]
        lines = [f"{head}  [{', '.join(self.tutorials)}]", ""]
        for i, s in enumerate(self.steps, 1):
            mark = "  !" if s.kind == "erratum" else f"{i:>2}."
            lines.append(f"{mark} {s.text(lang)}".replace("\n", "\n    "))
        if self.figures:
            lines += ["", *(f"figure: {p}" for p in self.figures)]
        return "\n".join(lines)

    def result(self) -> dict[str, Any]:
        """Everything the lesson computed: numbers, steps (both languages), errata, figures."""
        return {
            "name": self.name,
            "title": self.title,
            "tutorials": self.tutorials,
            "lang": self.lang,
            "numbers": self.numbers,
            "steps": self.steps,
            "errata": self.errata,
            "figures": [p for p in self.figures if p.exists()],
            "text": self.text(),
        }
