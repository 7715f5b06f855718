"""发布（dvc 阶段 release，也是命令 python -m pipeline release）：报告目录 → 不可变的版本目录、收件包和索引页。

对出版物目录（editions.yaml）中的每种出版物、每个报告期：

1. 找到报告目录中要发布的文件（笔记本、戳记和 source/ 不发布），先做保密检查（confidentiality.py）；
   任何一份不合格，什么都不写。
2. 与 releases/<出版物>/<报告期>/ 下最新版本的 manifest.json 比较已发布文件的 SHA-256：
   相同则什么也不做（重复运行是空操作）；不同则新建 v<N+1>，N ≥ 1 时标记为修订（R），
   并生成修订说明 CHANGES.md/.html/.csv（changelog.py）。已有的版本目录从不改写、从不删除。
3. 新版本目录先在同级的隐藏临时目录中写好（文件、manifest.json、SHA256SUMS），再一次改名为 v<N>，
   不会留下写了一半的版本；文件设为只读。
4. 为每个收件单位（recipients.yaml）打一个确定的 zip（bundles.py），内容变化时才新建 v<N+1>。
5. 重写 releases/index.html（release_index.py）。

manifest.json 记录：出版物、报告期、版本、是否修订、git 提交（git rev-parse HEAD，取不到为 unknown）
及其提交时间、dvc.lock 的 SHA-256（以及生成该出版物的阶段在 dvc.lock 中那一段的 SHA-256）、该阶段及其
上游阶段声明的参数、输入文件（沿 dvc.yaml 的依赖图追溯到不由任何阶段产生的文件）的 SHA-256，
版本目录中每个文件的大小和 SHA-256，
以及每份发布的 HTML/PDF 由哪个排版后端及版本生成（rendered_by，取自报告目录的 *.render.json）。没有墙上时钟时间：同样的内容得到同样的字节。
git 提交会随提交而变，所以“是否变化”只比较发布文件的哈希，从不比较 manifest 本身。
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.io_utils import atomic_path, write_if_changed
from pipeline.period import Month, PeriodError, period_label
from pipeline.release import bundles, confidentiality, consistency, data_catalogue
from pipeline.render import render_info
from pipeline.release import index_page as release_index
from pipeline.release.catalogue import (
    Edition,
    Recipient,
    ReleaseCatalogue,
    read_region_codes,
)
from pipeline.release.manifest import (
    MANIFEST,
    SUMS,
    file_entry,
    manifest_bytes,
    read_manifest,
    sha256_bytes,
    sha256_file,
    sums_text,
    tree_files,
    verify_version_dir,
    zip_member,
)
from pipeline.release.provenance import DvcGraph, expand_dep, git_info

SCHEMA = 1
CHANGES_FILES = ("CHANGES.md", "CHANGES.html", "CHANGES.csv")
BUNDLES_DIR = "bundles"
_VERSION_RE = re.compile(r"^v(\d+)$")
Log = Callable[[str], None]


def _echo(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------
# edition instances
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """One edition for one period (and one county for per-region editions), ready to be released."""

    edition: Edition
    period: str | None
    region_code: str | None
    region_name: str | None
    source_dir: Path
    source_label: str
    files: tuple[str, ...]

    @property
    def series(self) -> str:
        return self.edition.id + (f"/{self.region_code}" if self.region_code else "")

    @property
    def rel_dir(self) -> str:
        return self.series + (f"/{self.period}" if self.period else "")

    @property
    def title(self) -> str:
        parts = [self.edition.name]
        if self.region_name:
            parts.append(self.region_name)
        if self.period:
            parts.append(period_label(self.period))
        return " ".join(parts)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.edition.id, self.region_code)


def normalise_period(key: str, value: Any) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    try:
        return str(Month.parse(text))
    except PeriodError as exc:
        raise UserError(f"params.yaml 中 {key} 的值“{value}”无法识别为报告期：{exc}") from exc


def _fill(pattern: str, period: str | None, region_code: str | None) -> str:
    return pattern.replace("{period}", period or "").replace("{region_code}", region_code or "")


def resolve_instances(catalogue: ReleaseCatalogue, params: dict[str, Any], root: Path, regions_path: Path,
                      staging: Path) -> tuple[list[Instance], list[str]]:
    """Every edition instance to release, and notes about optional editions that are skipped."""
    instances: list[Instance] = []
    skipped: list[str] = []
    problems: list[str] = []
    regions = read_region_codes(regions_path)
    for edition in catalogue.editions.values():
        if edition.generator == "data_dictionary":
            out = staging / edition.id
            files = data_catalogue.write_dictionary(out, regions_path)
            instances.append(Instance(edition, None, None, None, out, "（由 release 生成）", files))
            continue
        key = next((k for k in edition.period_params if k in params), None)
        if key is None:
            note = f"{edition.name}：release 阶段没有声明参数 {' 或 '.join(edition.period_params)}"
            if edition.optional:
                skipped.append(note + "，跳过")
                continue
            problems.append(note + "（请在 dvc.yaml 的 release 阶段 params 中加上）")
            continue
        period = normalise_period(key, params[key])
        regions_list: list[tuple[str | None, str | None]] = (
            list(regions.items()) if edition.per_region else [(None, None)])
        for code, name in regions_list:
            assert edition.source is not None
            rel = _fill(edition.source, period, code)
            folder = root / rel
            if not folder.is_dir():
                if edition.optional:
                    skipped.append(f"{edition.name}{f' {name}' if name else ''} {period_label(period)}：没有 {rel}，跳过")
                    continue
                problems.append(f"{edition.name}{f' {name}' if name else ''}：找不到报告目录 {rel}")
                continue
            files: list[str] = []
            for pattern in edition.files:
                fname = _fill(pattern, period, code)
                if (folder / fname).is_file():
                    files.append(fname)
                else:
                    problems.append(f"{edition.name}{f' {name}' if name else ''}：找不到 {rel}/{fname}")
            files += [_fill(p, period, code) for p in edition.optional_files if (folder / _fill(p, period, code)).is_file()]
            instances.append(Instance(edition, period, code, name, folder, rel, tuple(files)))
    if problems:
        raise UserError("无法发布：\n" + "\n".join(f"  - {p}" for p in problems),
                        hint="请先运行 dvc repro 生成全部报告，或检查 params.yaml 与 pipeline/catalogues/editions.yaml")
    return instances, skipped


def screen(instances: list[Instance], registry: confidentiality.Registry) -> list[str]:
    problems: list[str] = []
    for inst in instances:
        for name in inst.files:
            for p in confidentiality.screen_file(inst.source_dir / name, registry, inst.edition.institutions,
                                                 inst.region_code):
                problems.append(f"{inst.title}（{inst.source_label}/{name}）：{p}")
    return problems


def check_consistency(instances: list[Instance], regions_path: Path, log: Log) -> None:
    """Every figure printed in more than one place of the release carries one value (release/consistency.py)."""
    printed, missing = consistency.read_documents((i.title, i.source_dir) for i in instances)
    regions = {r["region_code"]: r["region_name"] for r in _csv_rows(regions_path)}
    log(f"一致性检查：{len(instances) - len(missing)} 份出版物、{len(printed)} 个数字"
        + (f"（{len(missing)} 份没有数字记录，未参加：{'、'.join(missing)}）" if missing else ""))
    problems = consistency.disagreements(printed, regions)
    if problems:
        raise UserError(f"一致性检查未通过：{len(problems)} 个数字在不同出版物（或同一出版物的不同位置）中数值不同，"
                        "没有发布任何内容：\n" + "\n".join(f"  - {p}" for p in problems),
                        hint="同一指标、口径、地区和时期只能有一个数：请核对这些数字的来源，改正后重新生成报告再发布")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------


def list_versions(series_dir: Path) -> list[int]:
    if not series_dir.is_dir():
        return []
    return sorted(int(m.group(1)) for p in series_dir.iterdir() if p.is_dir() and (m := _VERSION_RE.match(p.name)))


@dataclass(frozen=True)
class Released:
    instance: Instance
    version: int
    path: Path
    status: str  # new | revision | unchanged

    @property
    def revision(self) -> bool:
        return self.version > 1


@dataclass
class Context:
    root: Path
    releases: Path
    catalogue: ReleaseCatalogue
    graph: DvcGraph
    git: dict[str, str]
    registry: confidentiality.Registry
    hash_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    expand_cache: dict[str, list[str]] = field(default_factory=dict)

    def expand(self, dep: str) -> list[str]:
        """expand_dep, walked once per run: the 29 manifests name the same input folders (data/raw, …) again and
        again, and nothing writes into them while release runs."""
        if dep not in self.expand_cache:
            self.expand_cache[dep] = expand_dep(self.root, dep)
        return self.expand_cache[dep]

    def inputs(self, paths: list[str]) -> list[dict[str, Any]]:
        out = []
        for rel in sorted({f for p in paths for f in self.expand(p)}):
            if rel not in self.hash_cache:
                self.hash_cache[rel] = file_entry(self.root / rel, rel)
            out.append(self.hash_cache[rel])
        return out


def build_manifest(ctx: Context, inst: Instance, version: int, folder: Path) -> dict[str, Any]:
    edition = inst.edition
    stage = edition.stage or "release"
    if edition.generator:
        inputs, params = ctx.inputs(list(edition.inputs)), {}
    elif stage in ctx.graph.stages:
        inputs, params = ctx.inputs(ctx.graph.source_deps(stage)), ctx.graph.params_of(stage)
    else:
        inputs, params = ctx.inputs(list(edition.inputs)), {}
    files = []
    for name, path in tree_files(folder).items():
        if name in (MANIFEST, SUMS):
            continue
        entry = file_entry(path, name)
        entry["role"] = "published" if name in inst.files else "changelog"
        files.append(entry)
    cls = ctx.catalogue.classifications[edition.classification]
    return {
        "schema": SCHEMA,
        "edition": edition.id,
        "edition_name": edition.name,
        "title": inst.title,
        "region_code": inst.region_code,
        "region_name": inst.region_name,
        "period": inst.period,
        "version": version,
        "revision": version > 1,
        "revision_mark": "R" if version > 1 else "",
        "previous_version": version - 1 if version > 1 else None,
        "classification": edition.classification,
        "classification_note": cls.note,
        "institutions": edition.institutions,
        "source": inst.source_label,
        "stage": stage,
        "stage_in_dvc_yaml": stage in ctx.graph.stages,
        "git": ctx.git,
        "dvc_lock": {"stages_sha256": ctx.graph.lock_sha256_without(_release_stage(ctx)),
                     "stage_entry_sha256": None if edition.generator else ctx.graph.lock_entry_sha256(stage)},
        "params": params,
        "inputs": inputs,
        # which backend (and version) typeset each published HTML/PDF: pipeline/render/render_info.py
        "rendered_by": render_info.rendered_by(inst.source_dir, inst.files),
        "files": sorted(files, key=lambda f: f["path"]),
    }


def _release_stage(ctx: Context) -> str | None:
    """The dvc.yaml stage that writes this releases folder (None when it is outside the project or no stage does)."""
    try:
        rel = (ctx.releases / release_index.INDEX).resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None
    return ctx.graph.producer(rel)


def _published_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["sha256"] for f in manifest.get("files", []) if f.get("role") == "published"}


def _make_read_only(folder: Path) -> None:
    for path in tree_files(folder).values():
        os.chmod(path, 0o444)


def version_mismatch(ctx: Context, inst: Instance) -> str:
    """'' when the 版次 printed in the documents is the version this release gives them (or nothing is printed)."""
    printed = render_info.printed_versions(inst.source_dir, inst.files)
    if not printed:
        return ""
    versions = list_versions(ctx.releases / inst.rel_dir)
    version = versions[-1] + 1 if versions else 1
    if versions:
        current = {name: sha256_file(inst.source_dir / name) for name in inst.files}
        try:
            previous = read_manifest(ctx.releases / inst.rel_dir / f"v{versions[-1]}")
        except (UserError, OSError, ValueError, KeyError):
            return ""  # a damaged version: release_instance refuses it with its own message
        if _published_hashes(previous) == current:
            version = versions[-1]
    if printed == {version}:
        return ""
    key = inst.edition.id + (f"/{inst.region_code}" if inst.region_code else "")
    shown = "、".join(f"第{v}版" for v in sorted(printed))
    return f"{inst.title}：刊头印的是{shown}，这次发布为第{version}版（report.revisions 中写 {key}: {version}）"


def release_instance(ctx: Context, inst: Instance) -> Released:
    series_dir = ctx.releases / inst.rel_dir
    versions = list_versions(series_dir)
    current = {name: sha256_file(inst.source_dir / name) for name in inst.files}
    previous_dir: Path | None = None
    previous: dict[str, Any] | None = None
    if versions:
        previous_dir = series_dir / f"v{versions[-1]}"
        check = verify_version_dir(previous_dir, label=f"{inst.rel_dir}/v{versions[-1]}")
        if not check.ok:
            raise UserError("已发布的版本被改动过，不能在其上继续发布：\n" + "\n".join(f"  - {p}" for p in check.problems),
                            hint="已发布的版本不可修改；请从备份恢复该目录（或查明原因）后再运行 release")
        previous = read_manifest(previous_dir)
        if _published_hashes(previous) == current:
            return Released(inst, versions[-1], previous_dir, "unchanged")
    version = versions[-1] + 1 if versions else 1
    final = series_dir / f"v{version}"
    series_dir.mkdir(parents=True, exist_ok=True)
    for stale in series_dir.glob(".staging-*"):  # left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=series_dir))
    try:
        for name in inst.files:
            shutil.copyfile(inst.source_dir / name, staging / name)
        manifest = build_manifest(ctx, inst, version, staging)
        if previous is not None and previous_dir is not None:
            from pipeline.release import changelog  # only a revision needs it (and pipeline.render.tables)

            log = changelog.build(title=inst.title, version=version, previous=versions[-1], old_manifest=previous,
                                  new_manifest=manifest, spec=inst.edition.figures, old_dir=previous_dir,
                                  new_dir=staging)
            (staging / "CHANGES.md").write_text(changelog.to_markdown(log), encoding="utf-8")
            (staging / "CHANGES.html").write_text(changelog.to_html(log), encoding="utf-8")
            (staging / "CHANGES.csv").write_text(changelog.to_csv(log), encoding="utf-8")
            leaks = [f"{name}：{p}" for name in CHANGES_FILES for p in confidentiality.screen_file(
                staging / name, ctx.registry, inst.edition.institutions, inst.region_code)]
            if leaks:
                raise UserError(f"{inst.title} 的修订说明未通过保密检查：\n" + "\n".join(f"  - {x}" for x in leaks))
            manifest = build_manifest(ctx, inst, version, staging)
        (staging / MANIFEST).write_bytes(manifest_bytes(manifest))
        entries = [(name, sha256_file(path)) for name, path in tree_files(staging).items() if name != SUMS]
        (staging / SUMS).write_text(sums_text(entries), encoding="utf-8")
        _make_read_only(staging)
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, final)  # atomic; fails if another run created v<N> meanwhile
        except OSError as exc:
            raise UserError(f"无法创建 {final}：{exc}", hint="可能有另一次发布正在进行；请稍后重新运行 release") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Released(inst, version, final, "revision" if version > 1 else "new")


# ---------------------------------------------------------------------------
# bundles
# ---------------------------------------------------------------------------


def bundle_versions(folder: Path, recipient_id: str, period: str) -> list[int]:
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(f"{recipient_id}-{period}-v") + r"(\d+)\.zip")
    return sorted(int(m.group(1)) for p in folder.glob("*.zip") if (m := pattern.fullmatch(p.name)))


def bundle_name(recipient_id: str, period: str, version: int) -> str:
    return f"{recipient_id}-{period}-v{version}.zip"


@dataclass(frozen=True)
class BundleResult:
    recipient: Recipient
    version: int
    path: Path
    status: str  # new | unchanged
    size: int


def recipient_selection(ctx: Context, recipient: Recipient, latest: dict[tuple[str, str | None], Released]
                        ) -> tuple[list[tuple[str, Released]], list[str]]:
    """The released versions a recipient's bundle carries (edition id, version), checked against the editions'
    classifications, and a note for each edition it would get that was not released this period."""
    selection: list[tuple[str, Released]] = []
    absent: list[str] = []
    for eid in recipient.editions:
        edition = ctx.catalogue.edition(eid)
        rel = latest.get((eid, recipient.region_code if edition.per_region else None))
        if rel is None:
            absent.append(f"{edition.name}：本期没有发布")
            continue
        cls = ctx.catalogue.classifications[edition.classification]
        if recipient.kind not in cls.kinds or (cls.own_region and rel.instance.region_code != recipient.region_code):
            raise UserError(f"内部错误：{recipient.name} 不应收到 {rel.instance.title}（密级 {cls.id}）")
        selection.append((eid, rel))
    return selection, absent


def bundle_item(ctx: Context, eid: str, rel: Released, files: dict[str, bytes]) -> bundles.BundleItem:
    edition = ctx.catalogue.edition(eid)
    cls = ctx.catalogue.classifications[edition.classification]
    return bundles.BundleItem(
        edition=eid, name=edition.name, title=rel.instance.title, classification=cls.id,
        classification_note=cls.note, period=rel.instance.period, region_code=rel.instance.region_code,
        version=rel.version, revision=rel.revision, path=f"{rel.instance.rel_dir}/v{rel.version}", files=files,
    )


class _BundleFiles:
    """The version folders' files for the bundles of one run, each read (and its SHA-256 and deflate stream
    computed) once however many bundles carry it: the monthly report goes into all 17 on the sample city.

    A folder's files are dropped, with their streams, once the last bundle that carries it is written, so memory
    holds the folders still shared by bundles to come plus the current bundle, not every bundle of the period
    (a county's folders go into one or two bundles). Version folders are read-only once released, so a file's
    bytes cannot change between the bundles that carry it."""

    def __init__(self, folders: list[Path]) -> None:
        self.uses = Counter(folders)
        self.deflated = bundles.Deflated()
        self._tree: dict[Path, dict[str, Path]] = {}
        self._bytes: dict[Path, bytes] = {}
        self._digests: dict[bytes, str] = {}

    def files(self, folder: Path) -> dict[str, bytes]:
        if folder not in self._tree:
            self._tree[folder] = tree_files(folder)
        for path in self._tree[folder].values():
            if path not in self._bytes:
                self._bytes[path] = path.read_bytes()
        return {name: self._bytes[path] for name, path in self._tree[folder].items()}

    def digest(self, data: bytes) -> str:
        if data not in self._digests:
            self._digests[data] = sha256_bytes(data)
        return self._digests[data]

    def done_with(self, folder: Path) -> None:
        self.uses[folder] -= 1
        if self.uses[folder] > 0:
            return
        for path in self._tree.pop(folder, {}).values():
            data = self._bytes.pop(path, None)
            if data is not None:  # equal bytes elsewhere, still to come, are simply compressed again
                self.deflated.forget(data)
                self._digests.pop(data, None)


def release_bundles(ctx: Context, period: str, latest: dict[tuple[str, str | None], Released]) -> list[BundleResult]:
    folder = ctx.releases / BUNDLES_DIR / period
    results: list[BundleResult] = []
    written: dict[str, str] = {}
    selections = [(r, *recipient_selection(ctx, r, latest)) for r in ctx.catalogue.recipients]
    store = _BundleFiles([rel.path for _, selection, _ in selections for _, rel in selection])
    for recipient, selection, absent in selections:
        items = [bundle_item(ctx, eid, rel, store.files(rel.path)) for eid, rel in selection]
        info = {"id": recipient.id, "name": recipient.name, "kind": recipient.kind,
                "kind_label": ctx.catalogue.kinds[recipient.kind], "region_code": recipient.region_code}
        entries = bundles.bundle_entries(info, period, items, absent, store.digest)
        results.append(_write_bundle(folder, recipient, period, entries, store.deflated, written))
        for _, rel in selection:
            store.done_with(rel.path)
    sums = [(p.name, written.get(p.name) or sha256_file(p)) for p in sorted(folder.glob("*.zip"))]
    write_if_changed(folder / SUMS, sums_text(sums).encode("utf-8"))
    return results


def _write_bundle(folder: Path, recipient: Recipient, period: str, entries: dict[str, bytes],
                  deflated: bundles.Deflated, written: dict[str, str]) -> BundleResult:
    """The recipient's bundle: the latest one when its entries are the same, else a new version (its SHA-256 noted
    in `written`)."""
    versions = bundle_versions(folder, recipient.id, period)
    if versions:
        latest_path = folder / bundle_name(recipient.id, period, versions[-1])
        if zip_member(latest_path, SUMS) == entries[SUMS]:  # same entries, same hashes: same zip
            return BundleResult(recipient, versions[-1], latest_path, "unchanged", latest_path.stat().st_size)
    version = versions[-1] + 1 if versions else 1
    path = folder / bundle_name(recipient.id, period, version)
    if path.exists():  # never overwrite a bundle that was sent
        raise UserError(f"收件包 {path} 已存在，不能覆盖")
    data = bundles.deterministic_zip(entries, deflated)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    os.chmod(path, 0o444)
    written[path.name] = sha256_bytes(data)
    return BundleResult(recipient, version, path, "new", len(data))


# ---------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------


@dataclass
class ReleaseSummary:
    released: list[Released]
    bundles: list[BundleResult]
    skipped: list[str]
    index: Path

    @property
    def changed(self) -> bool:
        return any(r.status != "unchanged" for r in self.released) or any(b.status != "unchanged" for b in self.bundles)


def run_release(*, root: Path, releases: Path, params: dict[str, Any], catalogue: ReleaseCatalogue,
                registry_path: Path, regions_path: Path, log: Log = _echo) -> ReleaseSummary:

    if "period" not in params:
        raise UserError("release 阶段没有声明参数 period", hint="请在 dvc.yaml 的 release 阶段 params 中加上 period")
    period = normalise_period("period", params["period"])
    for warning in catalogue.warnings:
        log(f"注意：{warning}")
    if not registry_path.is_file():
        raise UserError(f"找不到机构名录 {registry_path}（保密检查需要它）")
    registry = confidentiality.load_registry(registry_path)
    ctx = Context(root=root, releases=releases, catalogue=catalogue, graph=DvcGraph(root), git=git_info(root),
                  registry=registry)
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        instances, skipped = resolve_instances(catalogue, params, root, regions_path, Path(tmp))
        for note in skipped:
            log(f"跳过：{note}")
        log(f"保密检查：{len(instances)} 份出版物、{sum(len(i.files) for i in instances)} 个文件……")
        problems = screen(instances, registry)
        if problems:
            raise UserError("保密检查未通过，没有发布任何内容：\n" + "\n".join(f"  - {p}" for p in problems),
                            hint="出版物中只能有汇总数；含机构名单的资料只能按 editions.yaml 规定的范围发布")
        check_consistency(instances, regions_path, log)
        problems = [p for inst in instances if (p := version_mismatch(ctx, inst))]
        if problems:
            raise UserError("文档刊头印的版次与这次发布的版本不符，没有发布任何内容：\n"
                            + "\n".join(f"  - {p}" for p in problems),
                            hint="内容有变化的出版物发布为新的一版：请在 params.yaml 的 report.revisions 中写明它的版次"
                                 "（如 {monthly: 2}），重新运行 dvc repro")
        released: list[Released] = []
        for n, inst in enumerate(instances, start=1):
            result = release_instance(ctx, inst)
            released.append(result)
            word = {"new": "新发布", "revision": "修订发布", "unchanged": "未变化，沿用"}[result.status]
            mark = "（R）" if result.status == "revision" else ""
            log(f"[{n}/{len(instances)}] {inst.title}：{word} v{result.version}{mark}")
    latest = {r.instance.key: r for r in released}
    bundle_results = release_bundles(ctx, period, latest)
    new_bundles = [b for b in bundle_results if b.status == "new"]
    log(f"收件包：{len(bundle_results)} 个，其中新建 {len(new_bundles)} 个"
        + (f"（{'、'.join(b.path.name for b in new_bundles)}）" if new_bundles else "（均未变化）"))
    index = release_index.write_index(releases, catalogue)
    return ReleaseSummary(released=released, bundles=bundle_results, skipped=skipped, index=index)


def summary_text(summary: ReleaseSummary, releases: Path) -> str:
    counts = {s: sum(1 for r in summary.released if r.status == s) for s in ("new", "revision", "unchanged")}
    if not summary.changed:
        head = "发布内容没有变化：没有新建任何版本（空操作）。"
    else:
        head = (f"发布完成：新发布 {counts['new']} 份，修订 {counts['revision']} 份（标记 R，附修订说明），"
                f"未变化 {counts['unchanged']} 份。")
    return f"{head}\n索引页：{summary.index}；收件包：{releases / BUNDLES_DIR}/；核对：python -m pipeline verify {releases}"


def print_problems(problems: list[str]) -> None:
    for p in problems:
        print(f"  - {p}", file=sys.stderr)
