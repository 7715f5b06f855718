"""离线安装包的安装脚本（只用 Python 标准库；Windows 和 Linux 通用）。

用法（在内网机上，已装好 Python 3.11 或 3.12）：
    python install.py [目标目录]
目标目录默认是离线安装包旁边的 yueyang-health-stats。把包中的项目复制过去，然后运行
    python <目标目录>/run.py install --from <离线安装包>
即：不联网创建 .venv、从包中的 wheel 安装固定版本的依赖、复制字体、对示例城市运行整条流水线。
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent


def main() -> int:
    for stream in (sys.stdout, sys.stderr):  # GBK 控制台：无法显示的字符用 ? 代替，不要因此中断
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    dest = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else KIT.parent / "yueyang-health-stats"
    source = KIT / "project"
    if not (source / "run.py").is_file():
        print(f"错误：{KIT} 不是完整的离线安装包（缺少 project/run.py），请重新拷贝整个文件夹。", file=sys.stderr)
        return 1
    if (dest / "run.py").is_file():
        print(f"目标目录 {dest} 已有项目：沿用其中的文件（数据和参数不会被覆盖）。")
    elif dest.exists() and any(dest.iterdir()):
        print(f"错误：目标目录 {dest} 不是空目录。请换一个目录：python install.py <新目录>", file=sys.stderr)
        return 1
    else:
        print(f"==> 复制项目到 {dest}")
        shutil.copytree(source, dest, dirs_exist_ok=True)
    return subprocess.call([sys.executable, str(dest / "run.py"), "install", "--from", str(KIT)], cwd=dest)


if __name__ == "__main__":
    sys.exit(main())
