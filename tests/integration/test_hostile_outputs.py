"""Hostile values in institution names must print as text, never act: the outputs are opened the way a reader opens
them (csv module, openpyxl, an HTML parser, pypdf), not checked by grepping our own markdown."""

from __future__ import annotations

import csv
import errno
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pypdf
import pytest

from pipeline.errors import UserError
from pipeline.escaping import markdown_text, spreadsheet_text
from pipeline.io_utils import write_csv
from pipeline.qc import bulletin as qc_report
from pipeline.qc import checks as qc
from pipeline.qc.names import check_printable_names
from tests.unit.test_qc import CLEAN, REGISTRY, REPLACED
from tests.unit.test_qc_report import REGIONS

LINK = "[点我](javascript:alert(1))"
IMAGE = "![x](http://e/x.png)"
# institution code → hostile name; each of these institutions is listed by name in the 通报
HOSTILE = {
    "A4": LINK,  # 漏报
    "A3": "@某某",  # 迟报
    "A5": IMAGE,  # 迟报, 重报
    "X9": "=1+1",  # 非应报机构报送
    "N2": "*粗*医院",  # 非应报机构报送 (branch)
    "A6": "<b>x</b><script>alert(1)</script>",  # 一码多机构
    "A8": "甲\x00乙",  # NUL byte
    "A7": "𠮷祥卫生院",  # 漏报; U+20BB7 (CJK Extension B): a legal name printed from the fallback font HanaMinB
}


def _rename(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(name=pl.col("org_code").replace_strict(HOSTILE, default=pl.col("name")))


def hostile_data() -> qc_report.QcData:
    result = qc.run(_rename(CLEAN), _rename(REPLACED), _rename(REGISTRY), due_day=20)
    q, month = qc.quarter_of("2025-12")
    return qc_report.QcData(
        quarter=q, period=month, regions=REGIONS, results=result.results, filing=result.filing,
        summary=qc.summarise(result.results, result.filing, q, month),
        previous=qc.summarise(result.results, result.filing, q.previous, q.previous.months[-1]),
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._skip += tag in ("style", "script", "svg")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "svg")

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bulletin")
    doc = qc_report.build_bulletin(hostile_data(), out_dir=out, org_name="岳阳市卫生健康委员会", due_day=20)
    qc_report.render_bulletin(doc, backend="pandoc")
    return out


def _printed(name: str) -> str:
    return name.replace("\x00", "□")  # documents show a control character as □


def test_bulletin_html_prints_hostile_names_as_text(bulletin):
    parser = _Collector()
    parser.feed((bulletin / "bulletin_internal.html").read_text(encoding="utf-8"))
    text = "".join(parser.text)
    for name in HOSTILE.values():
        assert _printed(name) in text, name
    hrefs = [a.get("href") or "" for tag, a in parser.tags if tag == "a"]
    assert not any(h.strip().lower().startswith("javascript:") for h in hrefs)
    srcs = [a.get("src") or "" for tag, a in parser.tags if tag == "img"]
    assert "http://e/x.png" not in srcs
    assert not [t for t, _ in parser.tags if t in ("script", "b")]  # no element made from data
    assert not any("citation" in (a.get("class") or "") for _, a in parser.tags)  # @某某 is not a citation


def test_bulletin_pdf_prints_hostile_names_literally(bulletin):
    reader = pypdf.PdfReader(bulletin / "bulletin_internal.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    flat = "".join(text.split())
    for name in HOSTILE.values():
        assert "".join(_printed(name).split()) in flat, name
    assert all("/URI" not in str(page.get("/Annots", "")) for page in reader.pages)


def test_county_workbooks_keep_names_as_text_and_survive_nul(tmp_path):
    paths = qc_report.write_county_workbooks(hostile_data(), tmp_path, org_name="岳阳市卫生健康委员会")
    cells = {}
    for path in paths:
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cells.setdefault(cell.value, cell)
    formula = cells["=1+1"]
    assert formula.data_type == "s" and formula.quotePrefix  # text, and stays text when edited in Excel
    assert "甲␀乙" in cells  # the NUL is shown, not dropped and not a crash
    assert LINK in cells and IMAGE in cells


def test_csv_guards_formulas_but_keeps_numbers(tmp_path):
    frame = pl.DataFrame({"name": ["=1+1", "+86 电话", "@某某", "-", "-12.5", "\t=x", "甲\x00乙", "普通医院", None],
                          "value": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
    write_csv(frame, tmp_path / "q.csv")
    with (tmp_path / "q.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["name", "value"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+86 电话", "'@某某", "'-", "-12.5", "'\t=x", "甲␀乙", "普通医院", ""]
    assert rows[1][1] == "-5.0"  # a real negative number stays a number


def test_quarantine_csv_from_a_real_ingest_is_guarded(tmp_path):
    from pipeline.ingest import exports as ingest
    from tests.integration.test_ingest import HEADER, _row

    month = tmp_path / "raw" / "2025-10"
    month.mkdir(parents=True)
    with (month / "月报.csv").open("w", encoding="utf-8", newline="") as fh:  # a CSV export keeps '=' as text
        csv.writer(fh).writerows([HEADER, _row("12430600A", "甲医院", visits=10),
                                  _row("12430600C", "=HYPERLINK(\"http://e\")", visits="abc")])
    raw = tmp_path / "raw"
    result = ingest.ingest(raw, progress=False)
    ingest.write_outputs(result, tmp_path / "out")
    with (tmp_path / "out" / "quarantine.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 and rows[0]["name"] == "'=HYPERLINK(\"http://e\")"
    assert rows[0]["row"] == "3"  # numbers stay as they were


def test_escaping_functions_by_hand():
    assert markdown_text("[a](b)") == "\\[a\\](b)"
    assert markdown_text("@某 *x* <b> $y$ ~z~ a|b") == "\\@某 \\*x\\* \\<b\\> \\$y\\$ \\~z\\~ a\\|b"
    assert markdown_text("岳阳市第一人民医院（2025-10）#政府办") == "岳阳市第一人民医院（2025-10）#政府办"  # clean: unchanged
    assert markdown_text("甲\n乙\x00") == "甲 乙□"
    assert spreadsheet_text("-1,234.5") == "-1,234.5" and spreadsheet_text("-1e3") == "-1e3"
    assert spreadsheet_text("- 3") == "'- 3" and spreadsheet_text("=A1") == "'=A1"


def test_a_name_without_glyph_names_institution_file_and_row():
    """U+F0000: a private-use code point (an office's self-made character), in no font we ship; 𠮷 (U+20BB7, CJK
    Extension B) is in the fallback font and passes."""
    clean = CLEAN.with_columns(file=pl.lit("2025-10/月报.xlsx"), row=pl.int_range(4, 4 + CLEAN.height, dtype=pl.Int64))
    clean = clean.with_columns(name=pl.when(pl.col("org_code") == "A2").then(pl.lit("\U000F0000祥卫生院"))
                               .when(pl.col("org_code") == "A1").then(pl.lit("𠮷祥卫生院")).otherwise("name"))
    with pytest.raises(UserError) as err:
        check_printable_names(clean, REGISTRY)
    text = str(err.value)
    assert "\U000F0000祥卫生院" in text and "A2" in text and "2025-10/月报.xlsx 第 5 行" in text and "U+F0000" in text
    assert "𠮷" not in text and "U+20BB7" not in text
    check_printable_names(clean.filter(pl.col("org_code") != "A2"), REGISTRY)  # 𠮷 has a glyph: no error
    check_printable_names(CLEAN.with_columns(file=pl.lit("f"), row=pl.lit(1)), REGISTRY)  # clean names pass


def test_disk_full_and_read_only_give_a_chinese_message_naming_the_folder(tmp_path, monkeypatch):
    from pipeline import io_utils

    target = tmp_path / "interim"
    target.mkdir()
    (target / "canonical.parquet").write_bytes(b"old")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(UserError) as err:
        with io_utils.atomic_dir(target) as work:
            (work / "a.txt").write_text("x")
            full()
    assert "磁盘空间已满" in str(err.value) and target.as_posix() in str(err.value)
    assert (target / "canonical.parquet").read_bytes() == b"old"  # the old set stays
    assert [p.name for p in tmp_path.iterdir()] == ["interim"]  # and no temporary folder is left
    monkeypatch.setattr(io_utils.tempfile, "mkdtemp", lambda **kw: (_ for _ in ()).throw(
        OSError(errno.EROFS, "Read-only file system")))
    with pytest.raises(UserError) as err:
        with io_utils.atomic_dir(target):
            pass
    assert "文件夹只读" in str(err.value) and tmp_path.as_posix() in str(err.value)


def test_atomic_dir_swaps_the_whole_set_and_keeps_other_files(tmp_path):
    from pipeline.io_utils import atomic_dir

    target = tmp_path / "out"
    target.mkdir()
    (target / "a.txt").write_text("old a")
    (target / "b.txt").write_text("old b")
    (target / ".gitignore").write_text("keep")
    stale = tmp_path / ".out.tmp-stale"
    stale.mkdir()
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as work:
            (work / "a.txt").write_text("new a")
            raise RuntimeError("killed half-way")
    assert (target / "a.txt").read_text() == "old a" and not stale.exists()
    with atomic_dir(target) as work:
        (work / "a.txt").write_text("new a")
        (work / "b.txt").write_text("new b")
        assert not (target / "a.txt").read_text().startswith("new")  # nothing visible before the end
    assert {p.name: p.read_text() for p in target.iterdir()} == {"a.txt": "new a", "b.txt": "new b", ".gitignore": "keep"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_recovers_the_old_set_after_a_kill_between_renames(tmp_path):
    from pipeline.io_utils import atomic_dir

    target = tmp_path / "out"
    old = tmp_path / ".out.tmp-old"
    old.mkdir()
    (old / "a.txt").write_text("old a")  # a run without an atomic swap was killed after moving the old set aside
    with pytest.raises(RuntimeError):
        with atomic_dir(target):
            raise RuntimeError("this run fails too")
    assert (target / "a.txt").read_text() == "old a" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_markdown_table_cells_stay_in_their_cells():
    md = qc_report.text_table("表1\u3000名单", ["机构名称", "代码"], "l", [["甲|乙\n```\n- 丙<b>", "A1"]])
    html_block = md.split("```{=html}\n", 1)[1]
    row = next(ln for ln in html_block.splitlines() if ln.startswith("<tr><th scope=\"row\""))
    # the line break and the fence in the name did not end the row or the raw block; markup stays text
    assert row == '<tr><th scope="row" class="stub">甲|乙 ``` - 丙&lt;b&gt;</th><td class="l">A1</td></tr>'
    typst_block = md.split("```{=typst}\n", 1)[1].split("\n```", 1)[0]
    assert '(label: "甲|乙 ``` - 丙<b>", depth: 0, cells: ("A1", ))' in typst_block
