import pytest

from pipeline.errors import UserError
from pipeline.params import read_params
from tests.helpers import REPO


def test_only_declared_params_are_returned(tmp_path):
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  rep:\n    cmd: x\n    params:\n      - period\n      - report.backend\n", encoding="utf-8"
    )
    (tmp_path / "params.yaml").write_text(
        'period: "2025-10"\nreport:\n  backend: pandoc\n  org_name: X\nsecret: 1\n', encoding="utf-8"
    )
    assert read_params("rep", tmp_path) == {"period": "2025-10", "report.backend": "pandoc"}


def test_missing_param_is_a_chinese_error(tmp_path):
    (tmp_path / "dvc.yaml").write_text("stages:\n  rep:\n    cmd: x\n    params: [period]\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_text("other: 1\n", encoding="utf-8")
    with pytest.raises(UserError, match="缺少参数 period"):
        read_params("rep", tmp_path)


def test_load_yaml_gives_what_safe_load_gives_and_its_errors():
    import yaml

    from pipeline.io_utils import load_yaml

    files = [REPO / "dvc.yaml", REPO / "params.yaml", *sorted((REPO / "pipeline/catalogues").glob("*.yaml"))]
    lock = REPO / "dvc.lock"
    for path in files:
        assert load_yaml(path.read_text(encoding="utf-8")) == yaml.safe_load(path.read_text(encoding="utf-8")), path
    if lock.is_file():
        assert load_yaml(lock.read_bytes()) == yaml.safe_load(lock.read_bytes())
    doc = "a: 1\nb: [x, y\nc: 2024-01-01\n"
    with pytest.raises(yaml.YAMLError) as fast:
        load_yaml(doc)
    with pytest.raises(yaml.YAMLError) as reference:
        yaml.safe_load(doc)
    assert str(fast.value) == str(reference.value)
    assert load_yaml("d: 2024-01-01\ne: 1e3\nf: '007'\ng: ~\n") == yaml.safe_load("d: 2024-01-01\ne: 1e3\nf: '007'\ng: ~\n")
