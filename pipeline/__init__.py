"""卫生健康统计流水线 (city health statistics pipeline)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CATALOGUE_DIR = PACKAGE_DIR / "catalogues"
__version__ = "0.1.0"
