"""io_utils.load_yaml (libyaml's parser under the safe constructors) must give exactly what yaml.safe_load gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import load_yaml, read_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(CATALOGUE_DIR.rglob("*.yaml")) + [ROOT / "params.yaml", ROOT / "dvc.yaml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_catalogue_loads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


def test_yaml_1_1_scalars_resolve_as_safe_load() -> None:
    # the resolvers are PyYAML's own with either parser: yes/no/on are booleans, 0o/0x and sexagesimal are ints,
    # dates are dates, a leading zero is octal, '~' is null; anchors and merge keys expand
    text = ("a: yes\nb: off\nc: 012\nd: 0x1F\ne: 1:30\nf: 2025-12-31\ng: ~\nh: '007'\ni: 1e3\nj: .inf\n"
            "base: &b {x: 1, y: [1, 2]}\nk:\n  <<: *b\n  y: 3\nl: \"中文\\t\"\n")
    got = load_yaml(text)
    assert got == yaml.safe_load(text)
    assert got["a"] is True and got["b"] is False and got["c"] == 10 and got["d"] == 31 and got["e"] == 90
    assert got["g"] is None and got["h"] == "007" and got["k"] == {"x": 1, "y": 3} and got["l"] == "中文\t"


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")


def test_malformed_yaml_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: c\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        load_yaml(bad.read_text(encoding="utf-8"))
    with pytest.raises(UserError, match="目录文件 bad.yaml 无法读取"):
        read_yaml(bad)
