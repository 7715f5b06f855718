"""pipeline.render.font_fetch: the fallback font comes out of a pinned Debian package, checked by SHA-256.

The packages here are built by dpkg-deb itself (an independent writer of the .deb format: ar + data.tar.xz), so the
standard-library reader is checked against the real format, not against our own writer. No network: the download is
pointed at a file:// URL or made to fail.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.render import font_fetch

FONT_BYTES = b"\x00\x01\x00\x00 not really a font, but the right bytes" * 50


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def deb(tmp_path: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb 不可用（Debian 系统才有），无法构造真正的 .deb")
    root = tmp_path / "pkg"
    member = root / "usr/share/fonts/truetype/hanazono"
    member.mkdir(parents=True)
    (member / "HanaMinB.ttf").write_bytes(FONT_BYTES)
    (member / "HanaMinA.ttf").write_bytes(b"other")
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(
        "Package: fonts-test\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: t\n",
        encoding="utf-8")
    out = tmp_path / "fonts-test_1_all.deb"
    subprocess.run(["dpkg-deb", "-Zxz", "--root-owner-group", "--build", str(root), str(out)], check=True,
                   capture_output=True)
    return out


@pytest.fixture()
def pinned(deb: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pin the test package as if it were fonts-hanazono."""
    monkeypatch.setattr(font_fetch, "DEB_SHA256", _sha(deb.read_bytes()))
    monkeypatch.setattr(font_fetch, "TTF_SHA256", _sha(FONT_BYTES))
    monkeypatch.setattr(font_fetch, "TTF_SIZE", len(FONT_BYTES))
    monkeypatch.setattr(font_fetch, "DEB_URLS", (deb.as_uri(),))
    monkeypatch.delenv(font_fetch.URL_ENV, raising=False)
    return deb


def test_reads_a_real_deb(deb: Path) -> None:
    members = font_fetch.ar_members(deb.read_bytes())
    assert list(members)[:1] == ["debian-binary"] and members["debian-binary"] == b"2.0\n"
    assert font_fetch.extract_deb_member(deb.read_bytes(), font_fetch.DEB_MEMBER) == FONT_BYTES


def test_downloads_checks_and_unpacks(pinned: Path, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    path = font_fetch.ensure_fallback(fonts)
    assert path == fonts / "HanaMinB.ttf" and path.read_bytes() == FONT_BYTES
    assert [p.name for p in fonts.iterdir()] == ["HanaMinB.ttf"]  # no temporary file left, the .deb not kept


def test_present_font_is_not_fetched_again(pinned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = tmp_path / "fonts"
    font_fetch.ensure_fallback(fonts)
    monkeypatch.setattr(font_fetch, "_download", lambda d: pytest.fail("不应再次下载"))
    assert font_fetch.ensure_fallback(fonts).read_bytes() == FONT_BYTES


def test_a_deb_put_into_the_font_folder_is_used_without_network(pinned: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copyfile(pinned, fonts / font_fetch.DEB_NAME)
    monkeypatch.setattr(font_fetch, "DEB_URLS", ())
    assert font_fetch.ensure_fallback(fonts).read_bytes() == FONT_BYTES


def test_wrong_package_is_refused_in_chinese(pinned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_fetch, "DEB_SHA256", "0" * 64)
    with pytest.raises(font_fetch.FetchError) as err:
        font_fetch.ensure_fallback(tmp_path / "fonts")
    text = str(err.value)
    assert "内容校验失败（SHA-256 不符）" in text and "python run.py setup" in text and font_fetch.DEB_NAME in text
    assert not (tmp_path / "fonts" / "HanaMinB.ttf").exists()


def test_unpacked_font_is_checked_too(pinned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_fetch, "TTF_SHA256", "0" * 64)
    with pytest.raises(font_fetch.FetchError, match="解出的 HanaMinB.ttf 校验失败"):
        font_fetch.ensure_fallback(tmp_path / "fonts")


def test_unreachable_download_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_fetch, "DEB_URLS", ((tmp_path / "nowhere.deb").as_uri(),))
    monkeypatch.delenv(font_fetch.URL_ENV, raising=False)
    with pytest.raises(font_fetch.FetchError) as err:
        font_fetch.ensure_fallback(tmp_path / "fonts")
    text = str(err.value)
    assert text.startswith("下载补充字体（花园明朝 B，用于生僻字）失败：") and "nowhere.deb" in text
    assert "离线安装包" in text and str(tmp_path / "fonts") in text


def test_url_from_the_environment_comes_first(pinned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror.deb"
    shutil.copyfile(pinned, mirror)
    monkeypatch.setattr(font_fetch, "DEB_URLS", ((tmp_path / "nowhere.deb").as_uri(),))
    monkeypatch.setenv(font_fetch.URL_ENV, mirror.as_uri())
    assert font_fetch.ensure_fallback(tmp_path / "fonts").read_bytes() == FONT_BYTES


def test_not_an_ar_archive() -> None:
    with pytest.raises(font_fetch.FetchError, match="不是 Debian 软件包"):
        font_fetch.ar_members(b"PK\x03\x04 a zip")
