"""Every derivative rule of the engine on one page, read from the ops themselves.

Each Function's ``backward`` carries the math of its rule in a one-line comment on its ``def``
line; this module collects them from every glassnet module into ``docs/autograd.md``:

    python -m glassnet.autograd.rules > docs/autograd.md

`tests/test_autograd_rules.py` regenerates the page and fails when the file is stale.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import textwrap
import tokenize
from types import ModuleType

from .function import Function, Op


def modules(package: ModuleType | None = None) -> list[ModuleType]:
    """The package (default: glassnet) and every module below it, imported; `__main__`
    modules are left out because importing one runs the program."""
    if package is None:
        package = importlib.import_module("glassnet")
    found = [package]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            found.append(importlib.import_module(info.name))
    return found


def functions(package: ModuleType | None = None) -> list[type]:
    """Every Function subclass defined in a module of the package, by module name, then in
    the order the module defines them."""
    return [
        obj
        for module in sorted(modules(package), key=lambda m: m.__name__)
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Op)
        and obj not in (Op, Function)
        and obj.__module__ == module.__name__
    ]


def backward_rule(cls: type) -> str:
    """The one-line comment on the ``def backward`` line that `cls` runs (its own or a base's).

    Raises ValueError naming the class when there is none.
    """
    owner = next(c for c in cls.__mro__ if "backward" in vars(c))
    source = textwrap.dedent(inspect.getsource(owner.backward))  # type: ignore[attr-defined]
    in_def = False  # past the decorators
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        in_def = in_def or tok.string == "def"
        if in_def and tok.type == tokenize.COMMENT:
            return tok.string.lstrip("#").strip()
        if in_def and tok.type == tokenize.NEWLINE:  # the end of the def line: no comment
            break
    raise ValueError(
        f"{cls.__module__}.{cls.__name__}: backward has no one-line comment "
        "with its math on the def line, e.g. `def backward(ctx, g):  # d eˣ = eˣ dx`"
    )


def twins(package: ModuleType | None = None) -> dict[str, list[str]]:
    """Function name -> the composed `*_simple` functions whose docstring says
    "The twin of `Name`"."""
    out: dict[str, list[str]] = {}
    for module in modules(package):
        for name, obj in vars(module).items():
            doc = inspect.getdoc(obj) if inspect.isfunction(obj) else None
            if (
                name.endswith("_simple")
                and obj.__module__ == module.__name__
                and doc
                and doc.startswith("The twin of `")
            ):
                out.setdefault(doc.split("`")[1], []).append(f"{module.__name__}.{name}")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(package: ModuleType | None = None) -> str:
    """The Markdown page: one table row per Function, grouped by module."""
    lines = [
        "# The derivative rules of glassnet's autograd",
        "",
        "Generated from the ops themselves by `python -m glassnet.autograd.rules > "
        "docs/autograd.md`:",
        "each row is the one-line comment on that Function's `backward`. Do not edit by hand;",
        "`tests/test_autograd_rules.py` fails when this page is stale.",
        "",
        "Notation: `g` is the gradient arriving at the output, `gx` the one sent to input `x`;",
        "a rule written as a differential (`d(xy) = y dx + x dy`) sends to each input the",
        "factor in front of its `d`. Binary ops sum the gradient back over broadcast axes.",
        "A twin is the same op composed from the primitives of `glassnet.autograd.ops`; it runs",
        "under `glassnet.set_fused(False)`, and its gradient comes from the rules above it.",
    ]
    found, twin = functions(package), twins(package)
    for module in dict.fromkeys(cls.__module__ for cls in found):
        path = "../src/" + module.replace(".", "/") + ".py"
        lines += [
            "",
            f"## [`{module}`]({path})",
            "",
            "| Function | backward rule | twin |",
            "|---|---|---|",
        ]
        for cls in (c for c in found if c.__module__ == module):
            rule = backward_rule(cls)
            base = next(c for c in cls.__mro__ if "backward" in vars(c))
            if base is not cls:
                rule += f" (the rule of `{base.__name__}`)"
            names = ", ".join(f"`{n.rsplit('.', 1)[1]}`" for n in twin.get(cls.__name__, []))
            lines.append(f"| `{cls.__name__}` | {_cell(rule)} | {names} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the page (redirect it into docs/autograd.md)."""
    print(render(), end="")


if __name__ == "__main__":
    main()
