"""Measure a report page in headless Chromium (tests/chromium.py) at a phone and a desktop width.

For each page: the page's own scroll width; every table wider than the viewport whose stub (first body cell) is not
sticky; every header word (<span class="w">) laid out on more than one line, and every header cell without words
(pandoc tables) on more than one line; every chart text under 11 CSS px as rendered (font size × the SVG's scale).
Run as a script over report files to print the figures: python -m tests.layout_probe reports/…/report.html …
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.chromium import Browser

WIDTHS = (390, 1280)
MIN_CHART_PX = 11.0

PROBE = r"""
(() => {
  const vw = document.documentElement.clientWidth;
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  };
  const label = (t) => (t.querySelector('caption') || t).textContent.trim().slice(0, 30);
  const out = {viewport: vw, pageWidth: document.documentElement.scrollWidth, tables: 0, wideTables: 0,
               unstuck: [], headerWords: 0, brokenWords: [], headerCells: 0, wrappedCells: [],
               chartTexts: 0, smallChartText: [], minChartPx: null};
  for (const t of document.querySelectorAll('table')) {
    out.tables += 1;
    if (t.getBoundingClientRect().width > vw + 0.5) {
      out.wideTables += 1;
      const stub = t.querySelector('tbody tr > :first-child');
      if (!stub || getComputedStyle(stub).position !== 'sticky') out.unstuck.push(label(t));
    }
  }
  for (const s of document.querySelectorAll('thead span.w')) {
    out.headerWords += 1;
    if (lines(s) > 1) out.brokenWords.push(s.textContent);
  }
  for (const th of document.querySelectorAll('thead th')) {
    if (th.querySelector('span.w')) continue;
    out.headerCells += 1;
    if (lines(th) > 1) out.wrappedCells.push(th.textContent.trim());
  }
  for (const tx of document.querySelectorAll('svg text')) {
    if (!tx.textContent.trim()) continue;
    const m = tx.getScreenCTM();
    if (!m) continue;
    const px = parseFloat(getComputedStyle(tx).fontSize) * Math.hypot(m.a, m.b);
    out.chartTexts += 1;
    out.minChartPx = out.minChartPx === null ? px : Math.min(out.minChartPx, px);
    if (px < 11 - 0.05) out.smallChartText.push(tx.textContent.trim().slice(0, 20) + ' ' + px.toFixed(1));
  }
  return JSON.stringify(out);
})()
"""


def measure(browser: Browser, page: Path, width: int) -> dict[str, Any]:
    session = browser.open_page(page.resolve().as_uri(), width=width, height=900, mobile=width < 600)
    result: dict[str, Any] = json.loads(browser.evaluate(PROBE, session))
    browser.send("Target.closeTarget", {"targetId": browser.send("Target.getTargetInfo", session=session)
                                        ["targetInfo"]["targetId"]})
    return result


def problems(m: dict[str, Any]) -> list[str]:
    out = []
    if m["pageWidth"] > m["viewport"]:
        out.append(f"page {m['pageWidth']} px wider than the viewport {m['viewport']} px")
    out += [f"table wider than the viewport without a sticky stub: {t}" for t in m["unstuck"]]
    out += [f"header word on two lines: {w}" for w in m["brokenWords"]]
    out += [f"chart text under {MIN_CHART_PX} px: {t}" for t in m["smallChartText"]]
    return out


if __name__ == "__main__":
    with Browser() as b:
        for arg in sys.argv[1:]:
            for w in WIDTHS:
                m = measure(b, Path(arg), w)
                summary = {k: m[k] for k in ("viewport", "pageWidth", "tables", "wideTables", "headerWords",
                                             "headerCells", "chartTexts", "minChartPx")}
                print(arg, w, json.dumps(summary, ensure_ascii=False),
                      "wrapped pandoc header cells:", len(m["wrappedCells"]), problems(m)[:6])
