"""命令行入口：python -m pipeline <命令>。每个流水线阶段都是一个命令，dvc.yaml 调用的也是它们。"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from pipeline.errors import UserError
from pipeline.io_utils import atomic_dir

app = typer.Typer(
    help=(
        "岳阳市卫生健康统计流水线。\n\n"
        "日常使用：修改 params.yaml 中的 period（报告期），把直报系统导出文件放到 data/raw/<YYYY-MM>/，"
        "然后运行 dvc repro。下面的命令是流水线的各个步骤，也可以单独运行。"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _echo_rendering(folder: Path, *, recursive: bool = False) -> None:
    """每份文档由哪个排版后端（及版本）生成：见 pipeline/render/render_info.py。"""
    from pipeline.render.render_info import summary_lines

    for line in summary_lines(folder, recursive=recursive):
        typer.echo(f"  {line}")


def _fail(exc: UserError) -> None:
    typer.echo(f"错误：{exc}", err=True)
    raise typer.Exit(code=1)


@app.command("sample-data")
def sample_data(
    root: Annotated[Path, typer.Option(help="项目根目录（写入其中的 data/reference 和 data/raw）")] = Path("."),
    extra_year: Annotated[Optional[int], typer.Option(
        help="再推出下一年的年度文件、1月月报导出文件和参考数据行（例如 2026，由 2025 年推出），用于试用新的一年")] = None,
) -> None:
    """生成示例城市（模拟岳阳市）的机构名录、人口和 24 个月的月报导出文件。结果可重复，逐字节相同。"""
    from pipeline.sample import annual as annual_sample
    from pipeline.sample import city as sd
    from pipeline.sample import further
    from pipeline.sample import life as life_sample

    try:
        summary = sd.generate(root)
        life = life_sample.generate_life(root)  # reads the regions and population just written
        annual = annual_sample.generate_annual(root)  # reads both, and adds its section to data/README.md
        extra = [] if extra_year is None else (further.extend_year(root, extra_year)
                                               + further.extend_month(root, extra_year, 1))
    except UserError as exc:
        _fail(exc)
    typer.echo(sd.main_summary_text(summary))
    typer.echo(life_sample.summary_text(life))
    typer.echo(annual_sample.summary_text(annual))
    if extra_year is not None:
        typer.echo(f"示例城市 {extra_year} 年：年度文件、{extra_year}-01 月报导出文件和参考数据行共 {len(extra)} 个文件"
                   f"（由 {extra_year - 1} 年推出，示例数据）")


@app.command("setup-fonts")
def setup_fonts() -> None:
    """准备报告用的中文字体（思源宋体正文、思源黑体常规/粗体、生僻字补充字体花园明朝 B），首次约需 1 分钟，之后直接复用。"""
    from pipeline.render import fonts

    try:
        path = fonts.ensure_fonts()
    except fonts.FontError as exc:
        typer.echo(f"错误：准备中文字体失败：{exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"中文字体已就绪：{path.name}/ 下 {'、'.join(fonts.FONT_FILENAMES)}")


@app.command("ingest")
def ingest_cmd(
    raw: Annotated[Path, typer.Option(help="原始导出文件目录（按月份分子目录）")] = Path("data/raw"),
    out: Annotated[Path, typer.Option(help="输出目录：规范数据表、隔离表和核对报告")] = Path("data/interim"),
    regions: Annotated[Path, typer.Option(help="地区表：行政区划代码必须是其中的县市区")] = Path("data/reference/regions.csv"),
    corrections: Annotated[Path, typer.Option(help="更正表目录：<YYYY-MM>.csv，向机构核实后的更正")] = Path("data/corrections"),
) -> None:
    """读取直报系统导出文件，生成规范数据表；读不了的行进入隔离表并注明原因，最后打印行数核对。"""
    from pipeline.ingest import exports as ingest
    from pipeline.params import read_params

    try:
        result = ingest.ingest(raw, limits=ingest.limits_from_params(read_params("ingest")), regions=regions,
                               corrections=corrections)
        with atomic_dir(out) as work:  # the whole set appears at once: a kill leaves the old set or the new one
            ingest.write_outputs(result, work)
    except UserError as exc:
        _fail(exc)
    typer.echo(ingest.reconciliation_text(result.report))


@app.command("indicators")
def indicators_cmd(
    canonical: Annotated[Path, typer.Option(help="规范数据表（ingest 的输出）")] = Path("data/interim/canonical.parquet"),
    regions: Annotated[Path, typer.Option(help="地区表")] = Path("data/reference/regions.csv"),
    population: Annotated[Path, typer.Option(help="常住人口表（每千人口指标用）")] = Path(
        "data/reference/population.csv"
    ),
    holidays: Annotated[Path, typer.Option(help="节假日表（医师日均担负诊疗人次的工作日数）")] = Path(
        "data/reference/holidays.csv"
    ),
    annual_working_days: Annotated[str, typer.Option(
        help="1-12月累计的全年工作日数：251（全国统计口径）或 calendar（按节假日表）")] = "251",
    out: Annotated[Path, typer.Option(help="输出的指标表（parquet）")] = Path("data/indicators/indicators.parquet"),
    complete_units_max: Annotated[int, typer.Option(
        help="县级单位不超过此数时，每个县级单位都列出全部机构类别（没有机构的类别为 0）；"
             "超过时（全省、全国）只列出该单位有机构的类别，全市合计始终完整")] = 100,
) -> None:
    """按指标目录计算全部指标（各机构类别 × 全市及各县市区 × 本月/累计，含同期和同比）。"""
    from pipeline.monthly import indicators

    try:
        if not canonical.is_file():
            raise UserError(f"找不到规范数据表 {canonical}", hint="请先运行 python -m pipeline ingest 或 dvc repro")
        from pipeline.workdays import load_calendar, parse_convention

        wide = indicators.compute_wide(indicators.read_canonical(canonical), indicators.load_regions(regions),
                                       indicators.load_population(population), load_calendar(holidays),
                                       parse_convention(annual_working_days), complete_units_max)
        height = indicators.write_table(wide, out)
    except UserError as exc:
        _fail(exc)
    months = sorted(wide["period"].unique().to_list())
    typer.echo(f"指标计算完成：{height} 行，月份 {months[0]} 至 {months[-1]}，写入 {out}")


@app.command("monthly-report")
def monthly_report_cmd(
    period: Annotated[Optional[str], typer.Option(help="报告期 YYYY-MM；不填则读取 params.yaml 的 period")] = None,
    indicators_path: Annotated[Path, typer.Option("--indicators", help="指标表")] = Path(
        "data/indicators/indicators.parquet"
    ),
    out_root: Annotated[Path, typer.Option(help="报告输出根目录")] = Path("reports/monthly"),
    filing: Annotated[Path, typer.Option(help="质控阶段的报送情况表（有则写入“五、数据质量”）")] = Path(
        "data/qc/filing.parquet"
    ),
    annual_root: Annotated[Path, typer.Option(help="年报输出根目录（12月月报的卫生资源取该年年报的年末数）")] = Path(
        "reports/annual"
    ),
    backend: Annotated[Optional[str], typer.Option(help="排版后端：auto / quarto / pandoc")] = None,
) -> None:
    """执行月报笔记本（papermill），生成 report.html、report.pdf 和 indicators.csv。"""
    from pipeline.params import read_params
    from pipeline.period import Month
    from pipeline.render import notebook

    try:
        params = read_params("monthly_report")
        month = Month.parse(period or params["period"])
        _export_apparatus(params, "monthly", str(month))
        out_dir = out_root / str(month)
        notebook.run_monthly_report(
            month=month,
            indicators_path=indicators_path,
            out_dir=out_dir,
            org_name=params["report.org_name"],
            backend=backend or params["report.backend"],
            filing_path=filing,
            annual_root=annual_root,
        )
    except UserError as exc:
        _fail(exc)
    typer.echo(f"月报已生成：{out_dir}/report.html、{out_dir}/report.pdf、{out_dir}/indicators.csv")
    _echo_rendering(out_dir)


@app.command("county-reports")
def county_reports_cmd(
    period: Annotated[Optional[str], typer.Option(help="报告期 YYYY-MM；不填则读取 params.yaml 的 period")] = None,
    indicators_path: Annotated[Path, typer.Option("--indicators", help="指标表")] = Path(
        "data/indicators/indicators.parquet"
    ),
    out_root: Annotated[Path, typer.Option(help="县市区版输出根目录（其下按报告期、地区代码建子目录）")] = Path(
        "reports/county"
    ),
    filing: Annotated[Path, typer.Option(help="质控阶段的报送情况表（有则写入“五、数据质量”）")] = Path(
        "data/qc/filing.parquet"
    ),
    annual_root: Annotated[Path, typer.Option(help="年报输出根目录（12月月报的卫生资源取该年年报的年末数）")] = Path(
        "reports/annual"
    ),
    backend: Annotated[Optional[str], typer.Option(help="排版后端：auto / quarto / pandoc")] = None,
) -> None:
    """生成各县市区版月报（每个县市区一份 report.html、report.pdf、tables.xlsx、indicators.csv）；
    数据没有变化的县市区沿用上次的结果。"""
    from pipeline.params import read_params
    from pipeline.period import Month
    from pipeline.render import notebook

    try:
        params = read_params("county_reports")
        month = Month.parse(period or params["period"])
        _export_apparatus(params, "county", str(month))
        out_dir = out_root / str(month)
        notebook.run_county_reports(month=month, indicators_path=indicators_path, out_root=out_dir,
                                    org_name=params["report.org_name"], backend=backend or params["report.backend"],
                                    filing_path=filing, annual_root=annual_root)
    except UserError as exc:
        _fail(exc)
    typer.echo(f"县市区版月报已生成：{out_dir}/<地区代码>/report.html、report.pdf、tables.xlsx")
    _echo_rendering(out_dir, recursive=True)


A0_HELP = ("0岁组 a0（0岁组死亡者在第一年内平均存活的年数，第一组为 0–1 岁时即比例）：数字（0–1）为固定值，默认 0.1；"
           "cd（或 coale-demeny）按 Coale–Demeny 西区模型推算：给了 --imr-per-1000 时按监测婴儿死亡率 q0，"
           "否则按登记的 m0（0岁死亡数/人口）。输入文件 0岁行填了 ax 列时以该值为准")


def _life_table_options(a0: str, imr_per_1000: Optional[float], confidence: float) -> Any:
    from pipeline.life import lifetable

    text = a0.strip().lower()
    if text in ("cd", "coale-demeny", "coale–demeny"):
        value: Optional[float] = None
    else:
        try:
            value = float(text)
        except ValueError:
            raise lifetable.LifeTableInputError(
                f"参数 --a0 应为0到1之间的数字（固定值，如 0.1）或 cd（按 Coale–Demeny 规则推算），当前为 “{a0}”。"
            ) from None
    return lifetable.LifeTableOptions(a0=value, imr_per_1000=imr_per_1000, confidence=confidence)


@app.command("life-table")
def life_table_cmd(
    input_csv: Annotated[Path, typer.Argument(help="输入 CSV：age（年龄组起点）、population（人口）、deaths（死亡数），"
                                              "可选 sex、region_code（按组分别编表），可选 ax（区间内死亡者平均存活"
                                              "年数，单位为年，0 ≤ ax ≤ 组距；留空的行用默认值，开放组留空）")],
    out: Annotated[Path, typer.Option(help="输出 CSV（每组每个年龄组一行；ax_years 为年数、ax 为占组距的比例，"
                                           "ax_source 为每行 ax 的来源）")],
    confidence: Annotated[float, typer.Option(help="置信水平，默认 0.95")] = 0.95,
    a0: Annotated[str, typer.Option(help=A0_HELP)] = "0.1",
    imr_per_1000: Annotated[Optional[float], typer.Option(
        "--imr-per-1000", help="监测婴儿死亡率（‰，如 5.2）：给出时替换 0岁组 q0（0岁死亡数按 M0·P0 重算），"
                               "--a0 cd 时也由它推算 a0；要求第一个年龄组为 0–1 岁")] = None,
    summary_out: Annotated[Optional[Path], typer.Option(
        "--summary-out", help="另写汇总 CSV（每组一行：e0 及置信区间、a0、a0_rule、ax_rule、方法说明）")] = None,
) -> None:
    """编制简略寿命表（Chiang II 法），给出各年龄组预期寿命及其置信区间（Chiang 方差法）。"""
    from pipeline.life import lifetable

    try:
        options = _life_table_options(a0, imr_per_1000, confidence)
        data = lifetable.read_life_table_input(input_csv)
        result = lifetable.life_tables(data, options)
        summary = lifetable.life_expectancy_summary(data, options)
        lifetable.write_life_table(result, out)
        if summary_out is not None:
            lifetable.write_life_table(summary, summary_out)
    except lifetable.LifeTableInputError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"寿命表已写入 {out}（{result.height} 行）" + (f"，汇总已写入 {summary_out}" if summary_out else ""))
    for row in summary.iter_rows(named=True):
        group = "，".join(f"{k}={row[k]}" for k in ("sex", "region_code") if k in row and row[k] is not None)
        flag = "（人年数不足，结果不稳定）" if row.get("unstable") else ""
        typer.echo(f"  {group or '合计'}：出生时预期寿命 {row['e0']:.2f} 岁，"
                   f"{confidence:.0%} 置信区间 {row['e0_lower']:.2f}–{row['e0_upper']:.2f}{flag}")
        a0_text = "—" if row["a0"] is None else f"{row['a0']:.4g}"
        typer.echo(f"    a0 = {a0_text}（{row['a0_rule']}）；{row['ax_rule']}")


@app.command("life-expectancy")
def life_expectancy_cmd(
    year: Annotated[Optional[int], typer.Option(help="测算年份；不填则读取 params.yaml 的 life_expectancy.year")] = None,
    out_root: Annotated[Path, typer.Option(help="报告输出根目录（其下按年份建子目录）")] = Path(
        "reports/life_expectancy"
    ),
    backend: Annotated[Optional[str], typer.Option(help="排版后端：auto / quarto / pandoc")] = None,
) -> None:
    """人均预期寿命测算：执行测算笔记本（papermill），生成测算报告 report.html、report.pdf，
    寿命表 life_tables.xlsx 和汇总 summary.csv。参数见 params.yaml 的 life_expectancy 一节。"""
    from pipeline.life import expectancy as le
    from pipeline.params import read_params

    try:
        params = read_params("life_expectancy")
        options = le.LifeExpectancyParams.from_params(params, year=year)
        _export_apparatus(params, "life_expectancy", str(options.year))
        out_dir = out_root / str(options.year)
        le.run_life_expectancy(
            params=options,
            out_dir=out_dir,
            org_name=params["report.org_name"],
            backend=backend or params["report.backend"],
        )
    except UserError as exc:
        _fail(exc)
    typer.echo(f"人均预期寿命测算报告已生成：{out_dir}/report.html、{out_dir}/report.pdf、"
               f"{out_dir}/life_tables.xlsx、{out_dir}/summary.csv")
    _echo_rendering(out_dir)


@app.command("qc")
def qc_cmd(
    canonical: Annotated[Path, typer.Option(help="规范数据表（ingest 的输出）")] = Path("data/interim/canonical.parquet"),
    replaced: Annotated[Path, typer.Option(help="被更正报送替换的记录（ingest 的输出）")] = Path(
        "data/interim/replaced.parquet"
    ),
    registry: Annotated[Path, typer.Option(help="机构名录（决定每月应报机构）")] = Path("data/reference/registry.csv"),
    regions: Annotated[Path, typer.Option(help="地区表")] = Path("data/reference/regions.csv"),
    annual: Annotated[Path, typer.Option(help="机构年报目录（其下按年份分子目录，含 annual_report.csv），用于 12 个月月报"
                                              "合计与年报的核对（W008）；目录或某年文件缺少时跳过该年的核对并给出说明")] = Path(
        "data/raw/annual"
    ),
    ingest_report: Annotated[Optional[Path], typer.Option(
        help="导入报告（ingest 的输出）：上报时间相同而数值不同的重复报送、机构代码校验码、已应用的更正；"
             "默认为规范数据表旁边的 ingest_report.json")] = None,
    out: Annotated[Path, typer.Option(help="质控结果目录（results.parquet、filing.parquet）")] = Path("data/qc"),
    report_root: Annotated[Path, typer.Option(help="质控通报输出根目录（其下按季度建子目录）")] = Path("reports/qc"),
    backend: Annotated[Optional[str], typer.Option(help="排版后端：auto / quarto / pandoc")] = None,
) -> None:
    """数据质控：按机构名录核对漏报、迟报、重报和机构代码，执行质控规则目录中的全部审核规则，
    生成季度质控通报（HTML、PDF，委内资料）和各县市区问题清单（xlsx）。季度为 params.yaml 的 period 所在季度
    （截至 period 当月），输出在 reports/qc/<period>/ 下。"""
    from pipeline.params import read_params
    from pipeline.qc import bulletin as qc_report
    from pipeline.qc import checks as qc
    from pipeline.qc.names import check_printable_names

    try:
        params = read_params("qc")
        quarter, month = qc.quarter_of(str(params["period"]))
        _export_apparatus(params, "qc_internal", f"{month.year}Q{(month.month - 1) // 3 + 1}")
        due_day = int(params["qc.due_day"])
        if not 1 <= due_day <= 31:
            raise UserError(f"params.yaml 中 qc.due_day（{due_day}）应为 1–31 之间的日期")
        clean, replaced_rows = qc.load_inputs(canonical, replaced)
        catalogue = qc.load_rules()
        context = qc.load_context(clean, catalogue, annual_dir=annual)
        registry_rows = qc.load_registry(registry)
        check_printable_names(clean, registry_rows)
        report_path = ingest_report or canonical.parent / "ingest_report.json"
        if not report_path.is_file():
            raise UserError(f"找不到导入报告 {report_path.as_posix()}",
                            hint="请先运行 python -m pipeline ingest（或 dvc repro），或用 --ingest-report 指定")
        findings = qc.load_findings(report_path)
        result = qc.run(clean, replaced_rows, registry_rows, due_day=due_day, catalogue=catalogue, context=context,
                        findings=findings)
        out_dir = report_root / str(month)  # the 通报 of the quarter to date, filed under the report month
        interrupted = qc_report.pair_problem(out, out_dir)
        if interrupted:
            typer.echo(f"  说明：{interrupted}；本次重新生成两者", err=True)
        # The 通报 is built from the new results while they are still in the temporary folder; the two folders are
        # then swapped in one right after the other, and the 通报 records the SHA-256 of the data it was built
        # from, so a pair left mismatched by a kill between the two swaps is detected (above) and rebuilt.
        with atomic_dir(out) as work:
            qc.write_outputs(result, work)
            qc_report.run_qc_report(
                period=month, results_path=work / "results.parquet", filing_path=work / "filing.parquet",
                regions_path=regions, out_dir=out_dir, org_name=params["report.org_name"], due_day=due_day,
                backend=backend or params["report.backend"], data_dir=(work, out),
            )
        summary = qc.summarise(result.results, result.filing, quarter, month)
    except UserError as exc:
        _fail(exc)
    typer.echo(qc.summary_text(summary))
    for note in result.notes:
        typer.echo(f"  说明：{note}")
    typer.echo(f"质控结果：{out}/results.parquet；质控通报（委内）：{out_dir}/{qc_report.BULLETIN_STEM}.html、.pdf；"
               f"县市区问题清单：{out_dir}/{qc_report.COUNTY_DIR}/")
    _echo_rendering(out_dir)


@app.command("release")
def release_cmd(
    releases: Annotated[Path, typer.Option(help="发布根目录（版本目录、收件包、索引页都在其中；不是 DVC 输出）")] = Path(
        "releases"
    ),
    registry: Annotated[Path, typer.Option(help="机构名录（保密检查用）")] = Path("data/reference/registry.csv"),
    regions: Annotated[Path, typer.Option(help="地区表（按县市区分的出版物和收件单位）")] = Path(
        "data/reference/regions.csv"
    ),
) -> None:
    """发布：把各出版物复制到 releases/<出版物>/<报告期>/v<N>/（附 manifest.json、SHA256SUMS），内容有变化时
    新建修订版（R）并生成修订说明；为每个收件单位打 zip 收件包；生成 releases/index.html 和数据资源目录。
    已发布的版本从不改写；内容没有变化时什么也不做。报告期取自 params.yaml 的 period 和 life_expectancy.year。"""
    from pipeline.params import read_params
    from pipeline.release import catalogue as release_catalogue
    from pipeline.release import publish as release

    try:
        params = read_params("release")
        catalogue = release_catalogue.load(regions_path=regions)
        summary = release.run_release(root=Path("."), releases=releases, params=params, catalogue=catalogue,
                                      registry_path=registry, regions_path=regions)
    except UserError as exc:
        _fail(exc)
    typer.echo(release.summary_text(summary, releases))


@app.command("verify")
def verify_cmd(
    path: Annotated[Path, typer.Argument(help="版本目录（含 SHA256SUMS）、收件包 zip，或其上级目录（如 releases，逐个核对其下全部）")],
) -> None:
    """核对发布：重新计算每个文件的 SHA-256，与 SHA256SUMS 和 manifest.json 比较，列出被改动、缺少和多出的文件。
    有任何问题时以非零状态退出。"""
    from pipeline.release.manifest import verify_path

    report = verify_path(path)
    if not report.ok:
        typer.echo(f"核对未通过：{path} 有 {len(report.problems)} 处问题：", err=True)
        for problem in report.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"核对通过：{report.checked_dirs} 个目录、{report.checked_zips} 个收件包、"
               f"{report.checked_files} 个文件的 SHA-256 全部相符，没有缺少或多出的文件。")


@app.command("annual-report")
def annual_report_cmd(
    year: Annotated[Optional[int], typer.Option(help="报告年份；不填则读取 params.yaml 的 annual.year")] = None,
    raw: Annotated[Path, typer.Option(help="年度数据目录（其下按年份分子目录）")] = Path("data/raw/annual"),
    reference: Annotated[Path, typer.Option(help="参考数据目录（名录、人口、价格指数、目标表、全省对比值）")] = Path(
        "data/reference"
    ),
    life_expectancy: Annotated[Optional[Path], typer.Option(
        help="人均预期寿命测算结果目录（含 summary.csv）；不填则取 reports/life_expectancy/<life_expectancy.year>")] = None,
    out_root: Annotated[Path, typer.Option(help="报告输出根目录（其下按年份建子目录）")] = Path("reports/annual"),
    backend: Annotated[Optional[str], typer.Option(help="排版后端：auto / quarto / pandoc")] = None,
    monthly_indicators: Annotated[Path, typer.Option(
        help="月报指标表（indicators 的输出）：说明中列出年报数与12月月报1—12月累计数的差别；没有该文件时只说明口径")] = Path(
        "data/indicators/indicators.parquet"),
) -> None:
    """年度统计报告及提要：提要、卫生资源、医疗服务、基层卫生、中医药、公共卫生、妇幼与健康水平、规划指标监测
    （规划期内为序时进度监测，规划末年为终期评估；规划见 pipeline/catalogues/plans.yaml）和县市区附表，生成 report.html、report.pdf、tables.xlsx、indicators.csv、monitoring.csv。参数见 params.yaml 的 annual 一节；
    新的一年：把该年文件放入 data/raw/annual/<年份>/ 并修改 annual.year。"""
    from pipeline.annual import report as annual_report
    from pipeline.annual.indicators import AnnualPaths, AnnualSettings
    from pipeline.params import read_params

    try:
        params = read_params("annual_report")
        settings = AnnualSettings.from_params(params, year=year)
        _export_apparatus(params, "annual", str(settings.year))
        life_dir = life_expectancy or Path("reports/life_expectancy") / str(params["life_expectancy.year"])
        paths = AnnualPaths(raw=raw, reference=reference, life_expectancy=life_dir, monthly_indicators=monthly_indicators)
        out_dir = out_root / str(settings.year)
        annual_report.run_annual_report(paths=paths, settings=settings, out_dir=out_dir,
                                        org_name=params["report.org_name"], backend=backend or params["report.backend"])
    except UserError as exc:
        _fail(exc)
    typer.echo(f"统计报告及提要已生成：{out_dir}/report.html、{out_dir}/report.pdf、{out_dir}/tables.xlsx、"
               f"{out_dir}/indicators.csv、{out_dir}/monitoring.csv")
    _echo_rendering(out_dir)


def _export_apparatus(params: dict[str, object], edition: str, period: str) -> None:
    """刊头（期号、编制单位、编印日期、版次）交给随后执行的笔记本和渲染器（pipeline/render/apparatus.py）。"""
    from pipeline.render import apparatus

    apparatus.export(apparatus.from_params(params, edition=edition, period=period))


def main() -> None:
    try:
        app()
    except UserError as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(1)
