"""The package layering: a module imports only from its own layer or the layers below it.

Read from the source with `ast` (imports inside functions count too), so a lazy import
cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "ocrpipe"

# lowest first; a module may import its own layer and any lower one
LAYERS: list[set[str]] = [
    {"errors", "_version", "_io", "_models", "config"},
    {"output"},
    {"structure"},
    {"acquire", "vision"},
    {"recognition"},
    {"review"},
    {"pipeline"},
    {"corpus"},
    {"api"},  # above corpus: ocrpipe.Corpus wraps it; the CLI does not need the API
    {"cli"},
    {"__init__", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def unit(module: str) -> str:
    """ocrpipe.acquire._fetch -> acquire; ocrpipe.config -> config; ocrpipe -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            assert not node.level, f"{path}:{node.lineno}: a relative import; ocrpipe imports itself absolutely"
            target = node.module or ""
            if target.startswith("ocrpipe"):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.startswith("ocrpipe"))
    return found


def test_every_module_has_a_layer():
    units = {unit("ocrpipe." + ".".join(p.relative_to(PKG).with_suffix("").parts)) for p in PKG.rglob("*.py")}
    assert units <= set(RANK), f"modules with no layer: {units - set(RANK)}"


def test_imports_go_downwards_only():
    bad = []
    for path in PKG.rglob("*.py"):
        here = unit("ocrpipe." + ".".join(path.relative_to(PKG).with_suffix("").parts))
        for line, target in imports(path):
            there = unit(target)
            if there in RANK and RANK[there] > RANK[here]:
                bad.append(f"{path.relative_to(PKG)}:{line} ({here}) imports {target} ({there})")
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_stage_packages_say_what_they_own():
    for init in PKG.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc and doc.strip(), f"{init.parent.name}/__init__.py has no docstring"
