"""Every public function, class and method of glassnet has a docstring (issue 11).

Public means a name without a leading ``_``: each module-level function and class a module
defines, and each method (static, class, property included) such a class defines itself. A
method that overrides a base-class method with a docstring (``forward``, ``extra_repr``, the
Callback hooks, ``step``) is covered by the base's. The auto-generated docstrings of
dataclasses and namedtuples ("Point(x, y)") do not count. `__main__` modules are read with
`ast` instead of imported, since importing one runs the program.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import pkgutil
import types
from pathlib import Path

import glassnet


def _member(obj: object) -> object | None:
    """The function (or property) behind a class attribute or a module global, else None."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, (property, functools.cached_property)):
        return obj
    return obj if inspect.isfunction(inspect.unwrap(obj)) else None  # type: ignore[arg-type]


def _doc(obj: object) -> str | None:
    """The docstring a method carries itself (None for a non-method), not one it inherits."""
    member = _member(obj)
    return None if member is None else member.__doc__


def _auto_doc(cls: type) -> bool:
    """Is the class's docstring the one `dataclass` or `namedtuple` wrote for it?"""
    doc = vars(cls).get("__doc__")
    if dataclasses.is_dataclass(cls):
        return doc == cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    fields = getattr(cls, "_fields", None)
    return (
        issubclass(cls, tuple)
        and fields is not None
        and doc == f"{cls.__name__}({', '.join(fields)})"
    )


def _documented_in_a_base(cls: type, name: str) -> bool:
    return any(name in vars(base) and _doc(vars(base)[name]) for base in cls.__mro__[1:])


def missing_in(module: types.ModuleType) -> list[str]:
    """`module.name` (and `module.Class.method`) for each public name it defines undocumented."""
    out: dict[str, None] = {}  # ordered and without repeats (aliases such as `clip = clamp`)
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if not inspect.isclass(obj):
            if _member(obj) is not None and not obj.__doc__:  # a function (lru_cache'd too)
                out[f"{module.__name__}.{getattr(obj, '__qualname__', name)}"] = None
            continue
        if not vars(obj).get("__doc__") or _auto_doc(obj):
            out[f"{module.__name__}.{obj.__qualname__}"] = None
        for attr, member in vars(obj).items():
            if attr.startswith("_") or _member(member) is None or _doc(member):
                continue
            if not _documented_in_a_base(obj, attr):
                out[f"{module.__name__}.{obj.__qualname__}.{attr}"] = None
    return list(out)


def missing_in_source(module_name: str, source: str) -> list[str]:
    """The same check on a module's source, for `__main__` modules that cannot be imported."""
    out = []
    for node in ast.parse(source).body:
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ) or node.name.startswith("_"):
            continue
        if not ast.get_docstring(node):
            out.append(f"{module_name}.{node.name}")
        if isinstance(node, ast.ClassDef):
            out += [
                f"{module_name}.{node.name}.{m.name}"
                for m in node.body
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                and not m.name.startswith("_")
                and not ast.get_docstring(m)
            ]
    return out


def all_missing() -> tuple[int, list[str]]:
    """How many glassnet modules were checked, and every undocumented public name in them."""
    missing = missing_in(glassnet)
    # onerror re-raises a subpackage's ImportError, which walk_packages would skip silently
    infos = list(
        pkgutil.walk_packages(glassnet.__path__, "glassnet.", onerror=importlib.import_module)
    )
    for info in infos:
        if info.name.rsplit(".", 1)[-1] == "__main__":
            spec = importlib.util.find_spec(info.name)
            assert spec is not None and spec.origin is not None, info.name
            missing += missing_in_source(info.name, Path(spec.origin).read_text(encoding="utf-8"))
        else:
            missing += missing_in(importlib.import_module(info.name))
    return 1 + len(infos), missing


def test_every_public_function_class_and_method_has_a_docstring():
    checked, missing = all_missing()
    assert checked >= 60  # every subpackage was walked
    assert not missing, (
        f"{len(missing)} public names without a docstring (one or two lines: "
        "what and why):\n  " + "\n  ".join(missing)
    )


# ----- the check itself ---------------------------------------------------------------------
_FAKE = '''
import dataclasses
import functools
from collections import namedtuple

class Base:
    """A base."""
    def hook(self):
        """Documented once, here."""
    def bare(self):
        pass

class Child(Base):
    """A child."""
    def hook(self):  # covered by Base.hook
        pass
    def bare(self):  # Base.bare has no docstring either
        pass
    def new(self):
        pass
    @staticmethod
    def static():
        pass
    @property
    def prop(self):
        return 1
    @functools.cached_property
    def cached(self):
        return 1
    async def coro(self):
        pass
    stat = property(lambda self: 1, doc="Documented by doc=.")
    def _private(self):
        pass

class Undocumented:
    def fine(self):
        """Has one."""

@dataclasses.dataclass
class Point:
    x: int

Pair = namedtuple("Pair", ["a", "b"])

def f():
    pass

@functools.lru_cache
def cached_f():
    pass

def g():
    """Has one."""

def _h():
    pass

alias = f
'''


def test_the_check_finds_each_undocumented_kind_of_name():
    fake = types.ModuleType("fake")
    exec(compile(_FAKE, "fake.py", "exec", dont_inherit=True), vars(fake))
    assert missing_in(fake) == [
        "fake.Base.bare",
        "fake.Child.bare",
        "fake.Child.new",
        "fake.Child.static",
        "fake.Child.prop",
        "fake.Child.cached",
        "fake.Child.coro",
        "fake.Undocumented",
        "fake.Point",
        "fake.Pair",
        "fake.f",
        "fake.cached_f",
    ]
    main = (
        'def main():\n    pass\n\nclass App:\n    """An app."""\n    def run(self):\n'
        '        pass\n    def _helper(self):\n        pass\n\nif __name__ == "__main__":\n'
        "    main()\n"
    )
    assert missing_in_source("fake.__main__", main) == [
        "fake.__main__.main",
        "fake.__main__.App.run",
    ]
