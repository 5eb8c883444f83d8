"""One fold, one state (issue 10 deliverable 2): outside ``reemploi/inventory`` nobody
reads an asset, lot or donor record of the projection by its keys; they read the typed
state (``Inventory.state``, ``states``, ``lot_state``, ``donor_states``...).

An AST walk over reemploi/: in each function, a value that comes from the inventory's
record reads (``inv.machine(id)``, ``inv.records(ids)``, ``inv.parts()``...) is
followed through assignments, ``for`` loops, comprehensions and ``.values()``; a string
subscript (``doc["status"]``) or ``.get("status")`` on it fails the test, naming the
file and line. Precise on purpose: a dict that never came from those reads (an event
payload, a verdict) is not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "reemploi"
# The Inventory methods that hand out projection records (dicts).
RECORD_READS = {"machine", "asset", "records", "machines", "parts", "search", "lot", "lots",
                "donors", "catalog_of"}
# Names an inventory goes by in the stages: ``inv``, ``self.inv``, ``ctx.inventory()``,
# ``_inventory(ctx)``, ``open_inventory(ctx)``.
INVENTORY_NAMES = {"inv", "inventory", "again"}
INVENTORY_CALLS = {"inventory", "_inventory", "open_inventory"}
# Modules allowed to read records by key, each with why. None today: the central
# server folds the stations' journals into its own views (``view.asset``), which are
# not the Inventory's reads and are not flagged; the statistics keep their own ledger.
ALLOWED: dict[str, str] = {}


def _is_inventory(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in INVENTORY_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in INVENTORY_NAMES
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in INVENTORY_CALLS
    return False


def _record_read(node: ast.AST) -> bool:
    """``inv.machine(x)`` and the like."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in RECORD_READS and _is_inventory(node.func.value))


class _Walker(ast.NodeVisitor):
    def __init__(self, path: Path, returning: set[str]) -> None:
        self.path = path
        self.tainted: set[str] = set()
        self.found: list[str] = []
        # The module's functions that hand a record on (``return inv.machine(x)``, or
        # in a tuple): a call of one holds a record too.
        self.returning = returning
        self.function: str | None = None

    def _bad(self, node: ast.AST) -> bool:
        """Does ``node`` hold a record (or records) read from the inventory?"""
        if _record_read(node):
            return True
        if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id in self.returning)
                or (isinstance(node.func, ast.Attribute) and node.func.attr in self.returning
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("self", "cls"))):
            return True
        if isinstance(node, ast.Name):
            return node.id in self.tainted
        if isinstance(node, ast.Subscript):        # records[aid]
            return self._bad(node.value) and not _string_key(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                (node.func.attr == "get" and node.args and not _string_arg(node))  # records.get(aid)
                or (node.func.attr == "values" and not node.args)):
            return self._bad(node.func.value)
        if isinstance(node, ast.BoolOp):           # doc = inv.machine(x) or {}
            return any(self._bad(v) for v in node.values)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("next", "list", "sorted", "reversed", "iter") and node.args:
            return self._bad(node.args[0])
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            return any(self._bad(g.iter) for g in node.generators) and \
                isinstance(node.elt, ast.Name) and node.elt.id in \
                {t.id for g in node.generators for t in ast.walk(g.target)
                 if isinstance(t, ast.Name)}
        return False

    def _taint(self, target: ast.AST) -> None:
        for t in ast.walk(target):
            if isinstance(t, ast.Name):
                self.tainted.add(t.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        saved, self.tainted = self.tainted, set()
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.tainted, self.function = saved, outer

    def visit_Return(self, node: ast.Return) -> None:
        self.generic_visit(node)
        value = node.value
        parts = value.elts if isinstance(value, ast.Tuple) else [value]
        if self.function and any(p is not None and self._bad(p) for p in parts):
            self.returning.add(self.function)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        if self._bad(node.value):
            for target in node.targets:
                self._taint(target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        if self._bad(node.value):
            self._taint(node.target)

    def visit_For(self, node: ast.For) -> None:
        if self._bad(node.iter):
            self._taint(node.target)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if self._bad(node.iter):
            self._taint(node.target)
        self.generic_visit(node)

    def _comp(self, node: ast.AST) -> None:
        # Generators first: their targets are tainted before the element is read.
        for g in node.generators:       # type: ignore[attr-defined]
            self.visit_comprehension(g)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.comprehension):
                self.visit(child)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp  # type: ignore

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _string_key(node) and self._bad(node.value):
            self._report(node, f"[{node.slice.value!r}]")     # type: ignore[attr-defined]
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "get" and _string_arg(node) \
                and self._bad(f.value):
            self._report(node, f".get({node.args[0].value!r})")    # type: ignore[attr-defined]
        self.generic_visit(node)

    def _report(self, node: ast.AST, what: str) -> None:
        rel = self.path.relative_to(ROOT.parent)
        self.found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:60]} ({what})")


def _string_key(node: ast.Subscript) -> bool:
    return isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)


def _string_arg(node: ast.Call) -> bool:
    return bool(node.args) and isinstance(node.args[0], ast.Constant) \
        and isinstance(node.args[0].value, str)


def record_key_reads(source: str, path: Path) -> list[str]:
    tree = ast.parse(source)
    returning: set[str] = set()
    while True:             # until no new function is found handing a record on
        known = set(returning)
        walker = _Walker(path, returning)
        walker.visit(tree)
        if returning == known:
            return walker.found


def test_no_reader_outside_the_inventory_reads_a_record_by_key():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("inventory/") or rel in ALLOWED:
            continue
        found += record_key_reads(path.read_text(encoding="utf-8"), path)
    assert not found, "read the typed state (Inventory.state...) instead:\n" + "\n".join(found)


def test_the_walk_finds_what_it_is_meant_to_find():
    """The checker itself, on the shapes it must catch and those it must leave."""
    caught = '''
def a(inv, x):
    return inv.machine(x)["status"]
def b(self, x):
    doc = self.inv.machine(x)
    return doc.get("status")
def c(ctx, ids):
    for d in _inventory(ctx).records(ids).values():
        print(d["id"])
def d(inv):
    return [p.get("facts") for p in inv.parts(status="stock")]
def e(inv, x):
    donor = next((d for d in inv.donors() if d["id"] == x), None) or {}
    return donor.get("name")
def owner(inv, x):
    doc = inv.machine(x)
    return doc, "donor"
def uses_owner(inv, x):
    machine, donor = owner(inv, x)
    return (machine or {}).get("validation")
'''
    left = '''
def f(inv, x):
    state = inv.state(x)
    return state.status
def g(ev):
    return ev.payload.get("status"), ev.payload["disk"]
def h(inv, x):
    doc = inv.machine(x)
    doc = {"status": "ready"}
    return 1
'''
    found = record_key_reads(caught, ROOT / "x.py")
    assert [line.split(":")[1] for line in found] == ["3", "6", "9", "11", "13", "14", "20"]
    assert record_key_reads(left, ROOT / "y.py") == []
