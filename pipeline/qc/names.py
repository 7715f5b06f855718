"""Institution names the 质控通报 prints: each must have a glyph in a report font or in the fallback for rare characters
(a legal name cannot be rewritten), checked before typesetting so that the error names the institution and the export
file and row."""

from __future__ import annotations

import polars as pl

from pipeline.errors import UserError


def check_printable_names(clean: pl.DataFrame, registry: pl.DataFrame) -> None:
    """Before the 通报 is typeset: every institution name it may print has a glyph in the report font; otherwise a
    Chinese error naming the institution and where its name comes from (export file and row, or the registry)."""
    from pipeline.render.html_fonts import missing_glyphs

    # The glyph check needs each distinct name once (a country files the same names every month); the places a
    # name comes from are worked out only when some character lacks a glyph.
    distinct = pl.concat([clean.select("name"), registry.select("name")]).drop_nulls("name").unique()
    missing = missing_glyphs("".join(distinct["name"].to_list()))
    if not missing:
        return
    sources = [clean.select("name", "org_code", where=pl.format("导出文件 {} 第 {} 行", "file", "row"))
               if {"file", "row"} <= set(clean.columns) else clean.select("name", "org_code", where=pl.lit("导出文件")),
               registry.select("name", "org_code", where=pl.lit("机构名录"))]
    names = pl.concat(sources).drop_nulls("name").unique(maintain_order=True)
    lacking = set(missing)
    found = [r for r in names.iter_rows(named=True) if lacking & set(r["name"])][:5]
    listed = "；".join(f"机构“{r['name']}”（代码 {r['org_code']}，{r['where']}）" for r in found)
    chars = "、".join(f"“{c}”(U+{ord(c):04X})" for c in missing)
    raise UserError(f"质控通报无法排版：报告字体（含生僻字补充字体花园明朝 B）都没有字符 {chars} 的字形，涉及 {listed}",
                    hint="机构的法定名称不能改写。这多半是单位自造字（私用区编码）或新近收入 Unicode 的字：请与机构核实名称"
                         "在直报系统中的写法（应使用 Unicode 标准编码的字），或联系维护者增补含该字的字体（开源许可）")
