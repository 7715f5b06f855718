import pytest

from pipeline.errors import UserError
from pipeline.params import read_params


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
