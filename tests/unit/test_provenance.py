"""The dvc.lock digest a release manifest records leaves out the release stage's own entry, so a fresh release
does not depend on the index md5 the previous release wrote into dvc.lock (the digest has a fixed point)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.release.provenance import DvcGraph

DVC_YAML = """stages:
  ingest:
    cmd: python -m pipeline ingest
    outs:
      - data/interim/canonical.parquet
  release:
    cmd: python -m pipeline release --releases releases
    deps:
      - data/interim/canonical.parquet
    outs:
      - releases/index.html:
          cache: false
"""


def _lock(index_md5: str, canonical_md5: str) -> str:
    return ("schema: '2.0'\nstages:\n"
            f"  ingest:\n    cmd: python -m pipeline ingest\n    outs:\n    - path: data/interim/canonical.parquet\n"
            f"      md5: {canonical_md5}\n"
            f"  release:\n    cmd: python -m pipeline release --releases releases\n    outs:\n"
            f"    - path: releases/index.html\n      md5: {index_md5}\n")


def _graph(tmp_path: Path, lock: str) -> DvcGraph:
    (tmp_path / "dvc.yaml").write_text(DVC_YAML, encoding="utf-8")
    (tmp_path / "dvc.lock").write_text(lock, encoding="utf-8")
    return DvcGraph(tmp_path)


def test_the_release_stage_is_the_producer_of_the_index(tmp_path):
    assert _graph(tmp_path, _lock("a" * 32, "b" * 32)).producer("releases/index.html") == "release"


def test_a_new_index_md5_leaves_the_digest_unchanged_and_an_upstream_change_does_not(tmp_path):
    first = _graph(tmp_path, _lock("a" * 32, "b" * 32))
    digest = first.lock_sha256_without("release")
    assert _graph(tmp_path, _lock("c" * 32, "b" * 32)).lock_sha256_without("release") == digest
    assert _graph(tmp_path, _lock("a" * 32, "d" * 32)).lock_sha256_without("release") != digest
    # the whole file's hash would have changed with the index md5
    assert first.lock_sha256 != _graph(tmp_path, _lock("c" * 32, "b" * 32)).lock_sha256


def test_the_digest_is_the_canonical_json_of_the_other_entries(tmp_path):
    graph = _graph(tmp_path, _lock("a" * 32, "b" * 32))
    entry = {"cmd": "python -m pipeline ingest",
             "outs": [{"path": "data/interim/canonical.parquet", "md5": "b" * 32}]}
    expected = hashlib.sha256(json.dumps({"ingest": entry}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert graph.lock_sha256_without("release") == expected


def test_no_lock_gives_no_digest(tmp_path):
    (tmp_path / "dvc.yaml").write_text(DVC_YAML, encoding="utf-8")
    assert DvcGraph(tmp_path).lock_sha256_without("release") is None
