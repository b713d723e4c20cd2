"""The bad-input corpus of ``tougen-pub import``: one small blog export per fault.

Every case is the export below with one fault, imported through the CLI into ``ms`` in a
fresh folder. The expected code must be reported at its place in the export (or at the
target folder, or at a kept book.toml), at its level, with the expected exit status, no
traceback and no other error or warning. An error writes nothing: the folder holds exactly
what it held before; a warning or an info still imports the manuscript.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main

# Two posts: a glossary entry (☞), sources, and a 参照 link from the second to the first.
EXPORT = """\
【桃源閑話】最初の記事2025年03月01日 09:30

Ainovaで作成
【桃源閑話】最初の記事

【概要】

　全角で字下げした段落。

【参考】

 ☞ 平和のためのパートナーシップ（PFP、Partnership for Peace）

 NATOの協力プログラム。

【引用・参照・底本】

Some Report NATIONAL SECURITY ARCHIVE
https://example.org/report/some-report

【桃源閑話】次の記事2025年03月02日 10:00

Microsoft Designerで作成
【桃源閑話】次の記事

 参照:
【桃源閑話】最初の記事
 https://blog.example.jp/2025/03/01/1

【概要】

 PFPについての本文。

【引用・参照・底本】

Budapest Blow Up
"""
END = EXPORT.count("\n")  # the export's last line (36)
SECOND = 21  # the header line of the second post


def third(see_also: str = "", block: str = "", date: str = "2025年03月03日 11:00") -> str:
    """EXPORT and a third post (header at line 38): ``see_also`` lines go before its 【概要】
    (line 40 on), ``block`` lines after its text (line 44 on)."""
    post = f"\n【桃源閑話】三の記事{date}\n\n{see_also}【概要】\n\n 三つ目の本文。\n\n{block}"
    return EXPORT + post + "【引用・参照・底本】\n\nBudapest Blow Up\n"


def see_also(title: str, url: str) -> str:
    return f" 参照:\n【桃源閑話】{title}\n {url}\n\n"  # the entry is at the line after 参照:


def glossary(*lines: str) -> str:
    return "【参考】\n\n" + "".join(f"{line}\n\n" for line in lines)


@dataclass(frozen=True)
class ImportCase:
    name: str
    export: str | bytes | None  # None: no export file is written (a setup may make one)
    code: str
    line: int | None
    column: int | None = None  # checked when given
    level: str = "error"
    where: str = "export"  # the reported path: "export", "target" (ms) or "book" (ms/book.toml)
    setup: Callable[[Path], None] | None = None  # called with the folder before the import
    into: str = "ms"  # the target, relative to the folder
    force: bool = False
    also: frozenset[str] = field(default_factory=frozenset)  # other codes that may appear

    @property
    def expected_level(self) -> str:
        return self.level

    @property
    def exit(self) -> int:
        return 1 if self.level == "error" else 0


def _sparse_export(folder: Path) -> None:
    """An export one byte over the 64 MB limit (a sparse file: nothing on the disk)."""
    with (folder / "export.txt").open("wb") as fh:
        fh.truncate(64 * 1024 * 1024 + 1)


def _manuscript_there(folder: Path) -> None:
    (folder / "ms").mkdir()
    (folder / "ms" / "book.toml").write_text('name = "kept"\n', "utf-8")


def _file_there(folder: Path) -> None:
    (folder / "ms").write_text("not a folder\n", "utf-8")


def _file_as_parent(folder: Path) -> None:
    (folder / "file").write_text("not a folder\n", "utf-8")


def _old_book_toml(folder: Path) -> None:
    (folder / "ms").mkdir()
    (folder / "ms" / "book.toml").write_text('name = "kept"\narticles = ["01-old"]\n', "utf-8")


CASES = [
    # -- the file -------------------------------------------------------------------------
    ImportCase("not-an-export", "こんにちは。\nただの文章です。\n", "import-not-export", 1, 1),
    ImportCase("binary", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "import-not-export", 3, 1),
    ImportCase(
        "cut-short",
        EXPORT.split("【概要】\n\n PFP")[0],
        "import-truncated",
        28,  # the last line that is there
    ),
    ImportCase(
        "cut-in-a-character",
        EXPORT.encode() + "続".encode()[:2],  # the last character is cut in two
        "import-truncated",
        END + 1,
        1,
    ),
    ImportCase(
        "not-utf8",
        EXPORT.encode().replace("本文".encode(), "本文".encode("shift_jis")),
        "import-encoding",
        32,
        10,  # " PFPについての本文。": 本
    ),
    ImportCase("utf16", EXPORT.encode("utf-16"), "import-encoding", 1, 1),
    ImportCase(
        "control-char",
        EXPORT.replace("本文", "本\x07文"),
        "import-control-char",
        32,
        11,
        level="warning",
    ),
    ImportCase("too-large", None, "import-too-large", None, setup=_sparse_export),
    ImportCase("no-such-file", None, "import-unreadable", None),
    # -- post headers ---------------------------------------------------------------------
    ImportCase(
        "header-without-time",
        EXPORT.replace("2025年03月02日 10:00", "2025年03月02日"),
        "import-bad-header",
        SECOND,
        11,  # the date
    ),
    ImportCase(
        "header-without-title",
        EXPORT.replace("次の記事2025年03月02日", "2025年03月02日"),
        "import-bad-header",
        SECOND,
        1,
    ),
    ImportCase(
        "header-bad-date",
        EXPORT.replace("2025年03月02日 10:00", "2025年02月30日 10:00"),
        "import-bad-date",
        SECOND,
        11,
    ),
    # -- the target -----------------------------------------------------------------------
    ImportCase(
        "target-holds-a-manuscript",
        EXPORT,
        "import-exists",
        None,
        where="target",
        setup=_manuscript_there,
    ),
    ImportCase(
        "target-is-a-file", EXPORT, "import-target", None, where="target", setup=_file_there
    ),
    ImportCase(
        "target-cannot-be-made",
        EXPORT,
        "import-write",
        None,
        where="target",
        setup=_file_as_parent,
        into="file/ms",
    ),
    # -- warnings: imported anyway --------------------------------------------------------
    ImportCase("preamble", "前書き\n" + EXPORT, "import-preamble", 1, 1, level="warning"),
    ImportCase(
        "post-twice",
        EXPORT.split("【桃源閑話】次の記事2025")[0] + EXPORT,
        "import-duplicate-post",
        SECOND,  # the copy's header (the first post is lines 1-20)
        1,
        level="warning",
    ),
    ImportCase(
        "post-without-sources",
        EXPORT.replace(
            "【引用・参照・底本】\n\nSome Report NATIONAL SECURITY ARCHIVE\n"
            "https://example.org/report/some-report\n\n",
            "",
        ),
        "import-no-sources",
        1,
        1,
        level="warning",
    ),
    ImportCase(
        "two-addresses",
        third(see_also=see_also("最初の記事", "https://blog.example.jp/2025/03/01/2")),
        "import-url-conflict",
        41,
        level="warning",
    ),
    ImportCase(
        "glossary-twice",
        third(block=glossary(" ☞ 平和のためのパートナーシップ", " 別の定義。")),
        "import-glossary-duplicate",
        46,
        4,
        level="warning",
    ),
    ImportCase(
        "glossary-no-definition",
        third(block=glossary(" ☞ 空の用語")),
        "import-glossary-empty",
        46,
        4,
        level="warning",
        also=frozenset({"import-empty-block"}),
    ),
    ImportCase(
        "glossary-alias-taken",
        third(block=glossary(" ☞ 協力計画（PFP）", " 別の定義。")),
        "import-glossary-alias",
        46,
        4,
        level="warning",
    ),
    ImportCase(
        "glossary-mark-alone",
        third(block=glossary(" ☞", " 何かの説明。")),
        "import-glossary-empty-term",
        46,
        2,
        level="warning",
    ),
    ImportCase(
        "kept-book-toml-lists-old-articles",
        EXPORT,
        "import-book-articles",
        None,
        level="warning",
        where="book",
        setup=_old_book_toml,
        force=True,
    ),
    # -- infos ----------------------------------------------------------------------------
    ImportCase(
        "see-also-outside",
        third(see_also=see_also("外の記事", "https://blog.example.jp/2025/02/01/9")),
        "import-external-link",
        41,
        level="info",
    ),
    ImportCase(
        "out-of-date-order",
        third(date="2025年02月28日 11:00"),
        "import-reordered",
        None,
        level="info",
    ),
    ImportCase(
        "see-also-itself",
        third(see_also=see_also("三の記事", "https://blog.example.jp/2025/03/03/1")),
        "import-self-link",
        41,
        level="info",
    ),
    ImportCase("empty-block", third(block="【詳細】\n\n"), "import-empty-block", 44, level="info"),
]

DIAG = re.compile(
    r"^(?:(?P<path>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: )?(?P<level>error|warning|info): "
    r"(?P<msg>.+) \[(?P<code>[a-z0-9]+(?:-[a-z0-9]+)*)\]$"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result.exit_code, result.output


def parse(output: str) -> list[re.Match[str]]:
    diags = []
    for line in output.splitlines():
        if re.search(r"(^|: )(error|warning|info): ", line):
            m = DIAG.match(line)
            assert m, f"diagnostic not in path:line:col: level: message [code] form: {line!r}"
            diags.append(m)
    return diags


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder``: a file's bytes, None for a folder."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def test_the_export_imports_cleanly(tmp_path: Path) -> None:
    code, out = run("import", str(_write(tmp_path, EXPORT)), "--into", str(tmp_path / "ms"))
    assert code == 0, out
    assert parse(out) == [], out
    assert run("check", "-m", str(tmp_path / "ms"))[0] == 0  # (book.toml is to be filled in)


def _write(folder: Path, export: str | bytes) -> Path:
    path = folder / "export.txt"
    path.write_bytes(export.encode() if isinstance(export, str) else export)
    return path


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_export(tmp_path: Path, case: ImportCase) -> None:
    export = tmp_path / "export.txt"
    if case.export is not None:
        _write(tmp_path, case.export)
    if case.setup:
        case.setup(tmp_path)
    into = tmp_path / case.into
    before = snapshot(tmp_path)
    args = ["import", str(export), "--into", str(into)] + (["--force"] if case.force else [])
    code, out = run(*args)
    assert "Traceback" not in out
    diags = parse(out)
    hits = [d for d in diags if d["code"] == case.code]
    assert hits, f"expected [{case.code}] in:\n{out}"
    hit = hits[0]
    place = {"export": export, "target": into, "book": into / "book.toml"}[case.where]
    assert hit["path"] == str(place), out
    assert (int(hit["line"]) if hit["line"] else None) == case.line, out
    if case.column is not None:
        assert hit["col"] is not None and int(hit["col"]) == case.column, out
    assert hit["level"] == case.level, out
    assert code == case.exit, out
    unexpected = {
        d["code"]
        for d in diags
        if d["level"] != "info" and d["code"] not in {case.code, *case.also}
    }
    assert not unexpected, f"one fault, but also {unexpected}:\n{out}"
    if case.exit:
        assert snapshot(tmp_path) == before, "a refused import changed the folder"
    else:
        assert (into / "articles").is_dir() and (into / "glossary.toml").is_file(), out


def test_corpus_size() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
