"""发布目录与收件单位目录（pipeline/catalogues/editions.yaml、recipients.yaml）：读取并校验。

出版物（edition）说明从哪里取、发布哪些文件、密级和允许出现的机构范围；收件单位（recipient）说明
每个单位收到哪些出版物。校验在读取时完成：未知出版物、不在地区表中的区划代码、密级不允许的收件类别、
重复的编号都会给出中文错误，release 不会在目录有误时发出任何东西。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import load_yaml

EDITIONS_PATH = CATALOGUE_DIR / "editions.yaml"
RECIPIENTS_PATH = CATALOGUE_DIR / "recipients.yaml"

INSTITUTION_SCOPES = ("none", "region", "all")
FIGURE_KINDS = ("indicators", "table")
GENERATORS = ("data_dictionary",)
PLACEHOLDERS = ("period", "region_code")
_ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_REGION_RE = re.compile(r"^\d{6}$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_EDITION_KEYS = {"name", "source", "files", "optional_files", "period_param", "per_region", "stage",
                 "classification", "institutions", "optional", "generator", "figures", "inputs"}


@dataclass(frozen=True)
class Classification:
    id: str
    note: str
    kinds: tuple[str, ...]
    own_region: bool = False


@dataclass(frozen=True)
class FigureValue:
    column: str
    label: str
    decimals: int


@dataclass(frozen=True)
class FigureSpec:
    """Which tidy table of an edition the change log compares, and how its figures are printed."""

    file: str
    kind: str  # indicators | table
    keys: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    values: tuple[FigureValue, ...] = ()


@dataclass(frozen=True)
class Edition:
    id: str
    name: str
    files: tuple[str, ...]
    classification: str
    institutions: str
    source: str | None = None
    optional_files: tuple[str, ...] = ()
    period_params: tuple[str, ...] = ()
    per_region: bool = False
    stage: str | None = None
    optional: bool = False
    generator: str | None = None
    figures: FigureSpec | None = None
    inputs: tuple[str, ...] = ()

    @property
    def periodic(self) -> bool:
        return bool(self.period_params)


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    kind: str
    editions: tuple[str, ...]
    region_code: str | None = None


@dataclass(frozen=True)
class ReleaseCatalogue:
    classifications: dict[str, Classification]
    editions: dict[str, Edition]  # in catalogue order
    kinds: dict[str, str]  # kind id → Chinese label
    recipients: tuple[Recipient, ...]
    warnings: tuple[str, ...] = ()

    def edition(self, edition_id: str) -> Edition:
        return self.editions[edition_id]

    def recipient(self, recipient_id: str) -> Recipient:
        for r in self.recipients:
            if r.id == recipient_id:
                return r
        raise KeyError(recipient_id)


def _load_yaml(path: Path) -> Any:
    if not path.is_file():
        raise UserError(f"找不到目录文件 {path}")
    try:
        return load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"目录文件 {path.name} 格式有误：{exc}", hint="请检查缩进和冒号（YAML 格式）") from exc


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    return tuple(str(v) for v in value)


def _check_pattern(text: str, where: str, problems: list[str], *, allowed: tuple[str, ...] = PLACEHOLDERS) -> None:
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in allowed:
            problems.append(f"{where}：“{text}”中的 {{{name}}} 无法识别（可用：{'、'.join('{' + a + '}' for a in allowed)}）")


def _check_file_name(name: str, where: str, problems: list[str]) -> None:
    if not name or "/" in name or "\\" in name or name.startswith(".") or name in ("manifest.json", "SHA256SUMS"):
        problems.append(f"{where}：文件名“{name}”无效（不能含路径分隔符、不能以点开头、不能是 manifest.json 或 SHA256SUMS）")
    _check_pattern(name, where, problems, allowed=("region_code",))


def _parse_figures(raw: Any, edition_id: str, files: tuple[str, ...], problems: list[str]) -> FigureSpec | None:
    if raw is None:
        return None
    where = f"editions.yaml：出版物 {edition_id} 的 figures"
    if not isinstance(raw, dict) or "file" not in raw:
        problems.append(f"{where} 应包含 file 与 kind")
        return None
    kind = str(raw.get("kind", "indicators"))
    if kind not in FIGURE_KINDS:
        problems.append(f"{where}：kind“{kind}”无效（可选：{'、'.join(FIGURE_KINDS)}）")
        return None
    file = str(raw["file"])
    if file not in files:
        problems.append(f"{where}：文件 {file} 不在该出版物发布的文件中")
    values: list[FigureValue] = []
    for column, spec in (raw.get("values") or {}).items():
        spec = spec or {}
        values.append(FigureValue(column=str(column), label=str(spec.get("label", column)),
                                  decimals=int(spec.get("decimals", 0))))
    keys = _strings(raw.get("keys"))
    if kind == "table" and (not keys or not values):
        problems.append(f"{where}：kind 为 table 时须给出 keys 和 values")
    return FigureSpec(file=file, kind=kind, keys=keys, labels=_strings(raw.get("labels")), values=tuple(values))


def _parse_editions(raw: Any, classifications: dict[str, Classification], problems: list[str]) -> dict[str, Edition]:
    editions: dict[str, Edition] = {}
    if not isinstance(raw, dict) or not raw:
        problems.append("editions.yaml：缺少 editions（出版物列表）")
        return editions
    for edition_id, e in raw.items():
        edition_id = str(edition_id)
        where = f"editions.yaml：出版物 {edition_id}"
        if not _ID_RE.match(edition_id):
            problems.append(f"{where}：编号只能用小写英文字母、数字、下划线和连字符")
        if not isinstance(e, dict):
            problems.append(f"{where}：应为一组键值")
            continue
        unknown = sorted(set(e) - _EDITION_KEYS)
        if unknown:
            problems.append(f"{where}：未知的键 {'、'.join(unknown)}")
        files = _strings(e.get("files"))
        optional_files = _strings(e.get("optional_files"))
        if not files:
            problems.append(f"{where}：没有列出发布的文件（files）")
        for name in files + optional_files:
            _check_file_name(name, where, problems)
        classification = str(e.get("classification", ""))
        if classification not in classifications:
            problems.append(f"{where}：密级“{classification}”不在 classifications 中（可选：{'、'.join(classifications)}）")
        institutions = str(e.get("institutions", "none"))
        if institutions not in INSTITUTION_SCOPES:
            problems.append(f"{where}：institutions“{institutions}”无效（可选：none、region、all）")
        per_region = bool(e.get("per_region", False))
        if institutions == "region" and not per_region:
            problems.append(f"{where}：institutions 为 region 的出版物必须 per_region: true")
        own_region = classifications.get(classification, Classification("", "", ())).own_region
        if own_region and not per_region:
            problems.append(f"{where}：密级“{classification}”只能用于按县市区分的出版物（per_region: true）")
        generator = e.get("generator")
        source = e.get("source")
        if generator is not None:
            if generator not in GENERATORS:
                problems.append(f"{where}：generator“{generator}”无效（可选：{'、'.join(GENERATORS)}）")
            if source is not None:
                problems.append(f"{where}：由 release 生成的出版物不能同时给出 source")
        elif not source:
            problems.append(f"{where}：缺少 source（报告目录）")
        else:
            _check_pattern(str(source), where, problems)
            if per_region and "{region_code}" not in str(source) + "".join(files):
                problems.append(f"{where}：per_region 的出版物，source 或文件名中须含 {{region_code}}")
        period_params = _strings(e.get("period_param"))
        if generator is None and not period_params:
            problems.append(f"{where}：缺少 period_param（报告期取自哪个参数）")
        editions[edition_id] = Edition(
            id=edition_id, name=str(e.get("name", edition_id)), files=files, optional_files=optional_files,
            classification=classification, institutions=institutions,
            source=None if source is None else str(source), period_params=period_params, per_region=per_region,
            stage=None if e.get("stage") is None else str(e["stage"]), optional=bool(e.get("optional", False)),
            generator=None if generator is None else str(generator),
            figures=_parse_figures(e.get("figures"), edition_id, files + optional_files, problems),
            inputs=_strings(e.get("inputs")),
        )
    return editions


def _parse_classifications(raw: Any, kinds: dict[str, str], problems: list[str]) -> dict[str, Classification]:
    out: dict[str, Classification] = {}
    if not isinstance(raw, dict) or not raw:
        problems.append("editions.yaml：缺少 classifications（密级）")
        return out
    for cid, c in raw.items():
        c = c or {}
        ckinds = _strings(c.get("kinds"))
        bad = [k for k in ckinds if kinds and k not in kinds]
        if bad:
            problems.append(f"editions.yaml：密级“{cid}”的 kinds 中有未知的收件类别 {'、'.join(bad)}")
        out[str(cid)] = Classification(id=str(cid), note=str(c.get("note", "")), kinds=ckinds,
                                       own_region=bool(c.get("own_region", False)))
    return out


def read_region_codes(regions_path: Path) -> dict[str, str]:
    """County-level units of regions.csv (the city row excluded): code → name, in code order."""
    from pipeline.monthly.indicators import load_regions

    regions = load_regions(regions_path)
    return {code: regions.name(code) for code in regions.unit_codes}


def _parse_recipients(raw: Any, kinds: dict[str, str], editions: dict[str, Edition],
                      classifications: dict[str, Classification], regions: dict[str, str],
                      problems: list[str]) -> tuple[Recipient, ...]:
    out: list[Recipient] = []
    seen: set[str] = set()
    if not isinstance(raw, list) or not raw:
        problems.append("recipients.yaml：缺少 recipients（收件单位列表）")
        return ()
    for index, r in enumerate(raw, start=1):
        if not isinstance(r, dict):
            problems.append(f"recipients.yaml：第 {index} 个收件单位应为一组键值")
            continue
        rid = str(r.get("id", ""))
        where = f"recipients.yaml：收件单位 {rid or f'第 {index} 个'}"
        if not _ID_RE.match(rid):
            problems.append(f"{where}：id 只能用小写英文字母、数字、下划线和连字符（用作文件名）")
        if rid in seen:
            problems.append(f"{where}：id 重复")
        seen.add(rid)
        name = str(r.get("name", "")).strip()
        if not name:
            problems.append(f"{where}：缺少 name（中文名称）")
        kind = str(r.get("kind", ""))
        if kind not in kinds:
            problems.append(f"{where}：类别“{kind}”无效（可选：{'、'.join(f'{k}（{v}）' for k, v in kinds.items())}）")
        region = r.get("region_code")
        region = None if region is None else str(region).strip()
        if kind == "county" and not region:
            problems.append(f"{where}：县市区卫健委须填写 region_code（6 位区划代码）")
        if region is not None:
            if not _REGION_RE.match(region):
                problems.append(f"{where}：区划代码“{region}”应为 6 位数字")
            elif region not in regions:
                problems.append(f"{where}：区划代码 {region} 不在地区表 data/reference/regions.csv 的县市区中")
        wanted = _strings(r.get("editions"))
        if not wanted:
            problems.append(f"{where}：没有列出收到的出版物（editions）")
        if len(set(wanted)) != len(wanted):
            problems.append(f"{where}：editions 中有重复的出版物")
        for eid in wanted:
            edition = editions.get(eid)
            if edition is None:
                problems.append(f"{where}：未知的出版物“{eid}”（可选：{'、'.join(editions)}）")
                continue
            if edition.per_region and not region:
                problems.append(f"{where}：出版物 {eid} 按县市区分，收件单位须有 region_code")
            cls = classifications.get(edition.classification)
            if cls is not None and kind in kinds and kind not in cls.kinds:
                problems.append(f"{where}：出版物 {eid} 的密级为“{cls.id}”，不能发给{kinds[kind]}")
        out.append(Recipient(id=rid, name=name, kind=kind, editions=wanted, region_code=region))
    return tuple(out)


def load(editions_path: Path = EDITIONS_PATH, recipients_path: Path = RECIPIENTS_PATH, *,
         regions_path: Path = Path("data/reference/regions.csv")) -> ReleaseCatalogue:
    """Read both catalogues and check them against each other and the regions table; all problems at once."""
    regions = read_region_codes(regions_path)
    raw_e = _load_yaml(editions_path)
    raw_r = _load_yaml(recipients_path)
    problems: list[str] = []
    kinds = {str(k): str(v) for k, v in (raw_r.get("kinds") or {}).items()}
    if not kinds:
        problems.append("recipients.yaml：缺少 kinds（收件单位类别）")
    classifications = _parse_classifications(raw_e.get("classifications"), kinds, problems)
    editions = _parse_editions(raw_e.get("editions"), classifications, problems)
    recipients = _parse_recipients(raw_r.get("recipients"), kinds, editions, classifications, regions, problems)
    if problems:
        raise UserError("发布目录有误：\n" + "\n".join(f"  - {p}" for p in problems),
                        hint="请改正 pipeline/catalogues/editions.yaml 或 recipients.yaml")
    covered = {r.region_code for r in recipients if r.kind == "county"}
    warnings = tuple(f"地区表中的 {code} {name} 没有对应的县市区收件单位（recipients.yaml）"
                     for code, name in regions.items() if code not in covered)
    return ReleaseCatalogue(classifications=classifications, editions=editions, kinds=kinds,
                            recipients=recipients, warnings=warnings)
