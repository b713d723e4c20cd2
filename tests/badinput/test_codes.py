"""Every diagnostic code has a bad-input case, and every code the source emits is documented.

* README.md's "## Diagnostics" tables are the documented codes (abbreviations such as
  ``-unterminated`` and wildcards such as ``glossary-*-key`` expanded);
* the codes the source can emit are found by reading ``src/tougen_pub`` (by content, not by
  module names: the arguments bound to a ``code`` parameter of any function or dataclass of
  the package, ``code = "…"`` assignments, ``key_codes`` dicts, ``code_prefix`` values
  combined with the ``f"{code_prefix}-…"`` suffixes, and ``(…, "code", "message", …)`` tuples);
* the cases are the corpora of this folder: ``check`` and ``build`` runs
  (test_badinput.py), ``import`` runs (test_badimport.py) and ``preflight`` runs on one-fault
  PDFs (test_badpdf.py), each asserting its code, place, level and exit status through the CLI.

A code that no input can produce (it is about the machine, or only a stub reaches it) may
instead name a test that asserts it (``ELSEWHERE``).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
README = REPO / "README.md"
SRC = REPO / "src" / "tougen_pub"

CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

# Codes that no manuscript or export can make tougen-pub report, with the test (path::function)
# that asserts them where they are made. The test must exist and name the code.
ELSEWHERE = {
    # Only `build --volume N` reports it (a book without volumes, or past its last volume).
    "volume-none": "tests/e2e/test_volumes.py::test_volume_errors",
    # WeasyPrint's warnings about this machine (e.g. no HarfBuzz subsetting): not the input.
    "pdf-environment": (
        "tests/unit/test_doctor.py::test_environment_warnings_are_reported_once_without_a_location"
    ),
    # Only a Markdown converter without an image policy emits it (see DOCUMENTED_BUT_NOT_EMITTED).
    "image-unsupported": "tests/unit/ingest/test_mdext.py::test_images_without_policy_are_refused",
    # SVG references are refused when the manuscript loads (svg-external); the PDF's
    # fetcher is the second line of defence.
    "pdf-fetch-refused": (
        "tests/unit/pdf/test_pdf_fetch.py::test_refusal_is_a_located_error_and_nothing_is_written"
    ),
}

# Documented codes that no input of the command line can produce (the gap stays visible here).
DOCUMENTED_BUT_NOT_EMITTED = {
    # README (build table): "an image file … of a kind the format cannot carry". No builder
    # checks that: the code is only made by ingest.mdext.Converter when it has no image policy
    # (``images is None``), and the loader sets one before every conversion (articles and
    # glossary definitions), so no manuscript can produce it.
    "image-unsupported",
}

# README gives another level than the source uses.
LEVEL_MISMATCH: dict[str, str] = {}

# Codes of README's check-time table that `tougen-pub check` cannot report.
CHECK_TABLE_BUT_NOT_CHECKED: dict[str, str] = {}

# Codes that another command than their README table's reports too: code -> those kinds.
OTHER_KINDS: dict[str, set[str]] = {
    # README lists it with the build's findings (the EPUB reader gets nothing), but check.py
    # reports it before any build: its case is a `check` run.
    "image-alt-missing": {"check"},
}


# -- the cases -------------------------------------------------------------------------------


def _load(name: str) -> ModuleType:
    """A corpus module of this folder, by path (whatever pytest's import mode)."""
    qualified = f"_badinput_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def _all_cases() -> list[tuple[str, object]]:
    """(kind, case) over every corpus; the kinds are check, build-epub, build-pdf, import
    and preflight."""
    badinput, badimport, badpdf = (
        _load("test_badinput"),
        _load("test_badimport"),
        _load("test_badpdf"),
    )
    return (
        [(case.kind, case) for case in badinput.CASES + badinput.BUILD]
        + [("import", case) for case in badimport.CASES]
        + [("preflight", case) for case in badpdf.CASES]
    )


@cache
def cases() -> dict[str, dict[str, str]]:
    """code -> {case name: kind} over every corpus."""
    out: dict[str, dict[str, str]] = {}
    for kind, case in _all_cases():
        names = out.setdefault(case.code, {})  # type: ignore[attr-defined]
        assert case.name not in names, f"two cases named {case.name}"  # type: ignore[attr-defined]
        names[case.name] = kind  # type: ignore[attr-defined]
    return out


@cache
def case_levels() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for _kind, case in _all_cases():
        out.setdefault(case.code, set()).add(case.expected_level)  # type: ignore[attr-defined]
    return out


# -- README ----------------------------------------------------------------------------------


# README's Diagnostics tables, by the words of the paragraph that introduces each.
TABLES = {
    "check": "`tougen-pub check` prints",
    "build": "Found while building",
    "preflight": "Found by the preflight",
    "import": "Found while importing",
}
# The kinds of case that may stand for a code of each table.
TABLE_KINDS = {
    "check": {"check", "build-epub", "build-pdf"},  # a build checks the manuscript too
    "build": {"build-epub", "build-pdf"},
    "preflight": {"preflight"},
    "import": {"import"},
}


@cache
def documented() -> dict[str, tuple[str, frozenset[str]]]:
    """code -> (its table: check, build, preflight or import; the README levels of its row)."""
    text = README.read_text("utf-8")
    section = text.split("\n## Diagnostics\n", 1)[1].split("\n## ", 1)[0]
    out: dict[str, tuple[str, frozenset[str]]] = {}
    table = ""
    seen: list[str] = []
    paragraph: list[str] = []  # the last paragraph of text before the current line
    blank = True
    for line in section.splitlines():
        if not line.startswith("|"):
            if line.strip():
                paragraph = [*paragraph, line] if not blank else [line]
            blank = not line.strip()
            continue
        blank = False
        if set(line) <= {"|", "-", " "}:
            continue  # the line under a table's header
        cells = [c.strip() for c in line.strip("| ").split("|")]  # code | level | what…
        assert len(cells) >= 3, f"README row is not code | level | what: {line}"
        if cells[0] == "code":
            intro = " ".join(paragraph)
            named = [name for name, words in TABLES.items() if words in intro]
            assert len(named) == 1, f"README table not introduced as one of {TABLES}: {intro!r}"
            table = named[0]
            assert table not in seen, f"README has two {table} tables"
            seen.append(table)
            paragraph = []
            continue
        levels = frozenset(re.findall(r"\b(?:error|warning|info)\b", cells[1]))
        assert levels, f"README row without a level: {line}"
        names = re.findall(r"`([^`]+)`", cells[0])
        assert names, f"README row without a code: {line}"
        prefix = names[0].split("-", 1)[0]
        for name in names:
            for code in expand(prefix + name if name.startswith("-") else name):
                assert code not in out, f"{code} is documented twice"
                out[code] = (table, levels)
    assert sorted(seen) == sorted(TABLES), (
        f"README's Diagnostics section has the tables {sorted(TABLES)}, not {seen}"
    )
    return out


def expand(name: str) -> list[str]:
    """A README entry as codes: ``glossary-*-key`` → the emitted codes it matches."""
    if "*" not in name:
        assert CODE.fullmatch(name), f"not a code: {name!r}"
        return [name]
    matches = sorted(fnmatch.filter(emitted(), name))
    assert matches, f"README's {name} matches no code the source emits"
    return matches


# -- the source ------------------------------------------------------------------------------


def _text_of(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_message(node: ast.AST) -> bool:
    """A human message: a string (or f-string) with a space in it."""
    if isinstance(node, ast.JoinedStr):
        return any(" " in (_text_of(v) or "") for v in node.values)
    return " " in (_text_of(node) or "")


class _Signature:
    def __init__(self, params: list[str], method: bool, defaults: dict[str, ast.expr]) -> None:
        self.params = params
        self.method = method
        self.defaults = defaults
        self.roles: dict[str, str] = {}  # parameter -> "code" | "prefix"


ROLE_NAMES = {"code": "code", "code_prefix": "prefix"}


def _signatures(trees: dict[Path, ast.Module]) -> dict[str, list[_Signature]]:
    """Functions and dataclass-like classes of the package by name, with the parameters
    that take a diagnostic code (named ``code``/``code_prefix``, or passed on as one)."""
    sigs: dict[str, list[_Signature]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                positional = [a.arg for a in (*args.posonlyargs, *args.args)]
                defaults = dict(zip(positional[::-1], args.defaults[::-1], strict=False))
                defaults |= {
                    a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
                }
                params = positional + [a.arg for a in args.kwonlyargs]
                sig = _Signature(
                    params, bool(positional) and positional[0] in ("self", "cls"), defaults
                )
                for p in params:
                    if p in ROLE_NAMES:
                        sig.roles[p] = ROLE_NAMES[p]
                for call in ast.walk(node):  # a parameter passed on as code=/code_prefix=
                    for kw in call.keywords if isinstance(call, ast.Call) else []:
                        if (
                            kw.arg in ROLE_NAMES
                            and isinstance(kw.value, ast.Name)
                            and kw.value.id in params
                        ):
                            sig.roles[kw.value.id] = ROLE_NAMES[kw.arg]
                sigs.setdefault(node.name, []).append(sig)
            elif isinstance(node, ast.ClassDef):
                fields = [
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]
                if "code" in fields:
                    sig = _Signature(fields, False, {})
                    sig.roles["code"] = "code"
                    sigs.setdefault(node.name, []).append(sig)
    return sigs


def _bound(call: ast.Call, sig: _Signature) -> Iterator[tuple[str, ast.expr]]:
    """(role, argument) for each argument of ``call`` bound to a code parameter of ``sig``."""
    shift = 1 if sig.method and isinstance(call.func, ast.Attribute) else 0
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            break
        if i + shift < len(sig.params) and sig.params[i + shift] in sig.roles:
            yield sig.roles[sig.params[i + shift]], arg
    for kw in call.keywords:
        if kw.arg in sig.roles:
            yield sig.roles[kw.arg], kw.value


@cache
def emitted() -> dict[str, list[str]]:
    """code -> places (path:line) in src/tougen_pub where it is given to a diagnostic."""
    trees = {p: ast.parse(p.read_text("utf-8"), str(p)) for p in sorted(SRC.rglob("*.py"))}
    sigs = _signatures(trees)
    codes: dict[str, list[str]] = {}
    prefixes: dict[str, list[str]] = {}
    suffixes: set[str] = set()

    for path, tree in trees.items():
        rel = path.relative_to(REPO)
        consts = {
            t.id: _text_of(s.value)
            for s in tree.body
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name) and _text_of(s.value) is not None
        }

        def value(node: ast.AST, consts: dict[str, str | None] = consts) -> str | None:
            if isinstance(node, ast.Name):
                return consts.get(node.id)
            return _text_of(node)

        def add(table: dict[str, list[str]], node: ast.expr, rel: Path = rel) -> None:
            text = value(node)
            place = f"{rel}:{node.lineno}"
            if text is not None and CODE.fullmatch(text) and place not in table.get(text, []):
                table.setdefault(text, []).append(place)

        def add_dict(node: ast.AST) -> None:
            if isinstance(node, ast.Dict):
                for v in node.values:
                    add(codes, v)

        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                for sig in sigs.get(name or "", []):
                    for role, arg in _bound(node, sig):
                        add(codes if role == "code" else prefixes, arg)
                for kw in node.keywords:
                    if kw.arg == "key_codes":
                        add_dict(kw.value)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for sig in sigs.get(node.name, []):
                    for param, role in sig.roles.items():
                        if param in sig.defaults:
                            add(codes if role == "code" else prefixes, sig.defaults[param])
                    if "key_codes" in sig.defaults:
                        add_dict(sig.defaults["key_codes"])
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "code":
                        add(codes, node.value)
                    elif isinstance(target, ast.Name) and target.id.endswith("CODES"):
                        add_dict(node.value)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts, strict=False):
                            if isinstance(t, ast.Name) and t.id == "code":
                                add(codes, v)
            elif isinstance(node, ast.Tuple):  # (line, needle, "code", "message") records
                for item, after in zip(node.elts, node.elts[1:], strict=False):
                    text = value(item)
                    if text and "-" in text and CODE.fullmatch(text) and _is_message(after):
                        add(codes, item)
            elif isinstance(node, ast.JoinedStr) and len(node.values) >= 2:
                first, rest = node.values[0], node.values[1]
                if (
                    isinstance(first, ast.FormattedValue)
                    and isinstance(first.value, ast.Name)
                    and first.value.id == "code_prefix"
                    and (_text_of(rest) or "").startswith("-")
                ):
                    suffixes.add(_text_of(rest) or "")
    assert suffixes, "no f'{code_prefix}-…' codes found: has validate_model changed?"
    for prefix, places in prefixes.items():
        for suffix in suffixes:
            codes.setdefault(prefix + suffix, []).extend(places)
    return codes


# -- the tests -------------------------------------------------------------------------------


def test_every_documented_code_has_a_case() -> None:
    covered = set(cases()) | set(ELSEWHERE) | DOCUMENTED_BUT_NOT_EMITTED
    missing = sorted(set(documented()) - covered)
    assert not missing, f"documented in README, but no bad-input case produces them: {missing}"


def test_every_emitted_code_is_documented() -> None:
    undocumented = {c: p for c, p in emitted().items() if c not in documented()}
    assert not undocumented, f"emitted by src/, missing from README's Diagnostics: {undocumented}"


def test_every_case_code_is_found_in_the_source() -> None:
    """The scan of the source misses no code that a case sees tougen-pub report."""
    unseen = sorted(set(cases()) - set(emitted()))
    assert not unseen, f"reported by tougen-pub, but the scan of src/ does not find: {unseen}"


def test_every_case_code_is_documented() -> None:
    undocumented = sorted(set(cases()) - set(documented()))
    assert not undocumented, f"cases for codes README does not document: {undocumented}"


def test_case_levels_are_the_documented_levels() -> None:
    wrong = {}
    for code, levels in case_levels().items():
        allowed = documented()[code][1] | {LEVEL_MISMATCH.get(code, "")}
        if levels - allowed:
            wrong[code] = (sorted(levels), sorted(documented()[code][1]))
    assert not wrong, f"code: (levels of the cases, levels README gives): {wrong}"
    for code, level in LEVEL_MISMATCH.items():  # still true, or the entry must go
        assert level not in documented()[code][1] and level in case_levels()[code], code


def test_check_table_codes_are_reported_by_check() -> None:
    not_checked = {
        code: sorted(set(cases().get(code, {}).values()))
        for code, (table, _) in documented().items()
        if table == "check" and "check" not in cases().get(code, {}).values()
    }
    not_checked = {c: k for c, k in not_checked.items() if c not in ELSEWHERE}
    expected = {c: [k] for c, k in CHECK_TABLE_BUT_NOT_CHECKED.items()}
    assert not_checked == expected, (
        "codes of README's check-time table without a `check` case (kinds that report them) "
        f"differ from CHECK_TABLE_BUT_NOT_CHECKED: {not_checked}"
    )


def test_cases_run_the_command_of_their_table() -> None:
    """A code of the preflight table has preflight cases, an import code import cases…:
    the case runs the command README says reports the code."""
    wrong = {}
    for code, named in cases().items():
        if code not in documented():
            continue  # test_every_case_code_is_documented
        table = documented()[code][0]
        kinds = set(named.values())
        if kinds - TABLE_KINDS[table] - OTHER_KINDS.get(code, set()):
            wrong[code] = (table, sorted(kinds))
    assert not wrong, f"code: (its README table, the kinds of its cases): {wrong}"
    for table, kinds in TABLE_KINDS.items():  # each table is run by its own corpus
        codes = [c for c, (t, _) in documented().items() if t == table and c in cases()]
        assert codes, f"no case for any code of README's {table} table"
        assert any(set(cases()[c].values()) & kinds for c in codes), table


def test_preflight_codes_are_the_preflight_table() -> None:
    """Every preflight-… code the source emits is in README's preflight table, and the
    preflight table documents only preflight-… codes."""
    table = {c for c, (t, _) in documented().items() if t == "preflight"}
    emitted_preflight = {c for c in emitted() if c.startswith("preflight-")}
    assert emitted_preflight, "the scan of src/ finds no preflight-… code"
    assert table == emitted_preflight, (
        f"README only: {sorted(table - emitted_preflight)}; "
        f"source only: {sorted(emitted_preflight - table)}"
    )


def test_gaps_are_real() -> None:
    """Each entry of the exception tables still stands for a gap (or goes)."""
    assert set(documented()) >= DOCUMENTED_BUT_NOT_EMITTED | set(LEVEL_MISMATCH)
    produced = DOCUMENTED_BUT_NOT_EMITTED & set(cases())
    assert not produced, f"a case produces {produced}: take it out of DOCUMENTED_BUT_NOT_EMITTED"
    for code, kinds in OTHER_KINDS.items():  # still reported by that other command
        assert code in documented() and kinds <= set(cases().get(code, {}).values()), code
        assert not kinds & TABLE_KINDS[documented()[code][0]], f"{code}: not another command"


def test_elsewhere_names_a_test_that_asserts_the_code() -> None:
    for code, where in ELSEWHERE.items():
        assert code in documented(), code
        rel, _, function = where.partition("::")
        path = REPO / rel
        assert path.is_file(), f"{code}: {rel} does not exist"
        tree = ast.parse(path.read_text("utf-8"))
        found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
        assert found, f"{code}: no test function {function} in {rel}"
        source = ast.get_source_segment(path.read_text("utf-8"), found[0]) or ""
        assert re.search(rf"""["']{re.escape(code)}["']""", source), f"{where} never names {code}"
        assert "assert" in source, f"{where} asserts nothing"


def test_readme_expansions() -> None:
    """Abbreviated and wildcard entries of README are expanded to real codes."""
    docs = documented()
    for code in (
        "frontmatter-unterminated",
        "frontmatter-syntax",
        "frontmatter-unknown-key",
        "glossary-missing-key",
        "glossary-unknown-key",
        "sources-missing-key",
        "sources-unknown-key",
    ):
        assert code in docs, code
    assert not [c for c in docs if c.startswith("-") or "*" in c]
