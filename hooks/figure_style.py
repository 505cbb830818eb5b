"""How a figure looks on a page: transparent, its ink the page's text colour, in both palettes.

The build's runner (hooks/run_snippet.py) and the browser's (hooks/browser_runner.py, run by
Pyodide when a reader presses Run) draw every figure with this style and turn it into SVG the same
way, so a figure a reader makes looks like the one the build made. Standard library and Matplotlib
only: it runs in the browser too.
"""

from __future__ import annotations

import io
import re

# How a figure looks on the page: transparent, text and axes in a placeholder colour that the
# page turns into `currentColor`, so one inline SVG reads well in both light and dark mode.
INK = "#010203"
FIGURE_STYLE = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "legend.facecolor": "none",
    "legend.edgecolor": INK,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": "#888888",
    "svg.fonttype": "none",
    "font.size": 11,
}


def figure_to_svg(fig, salt: str) -> str:
    """One figure as inline SVG whose ink follows the page's text colour."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    salted = {"svg.hashsalt": salt}
    if "svg.id" in plt.rcParams:  # Matplotlib 3.9 and later (the browser's is 3.8)
        salted["svg.id"] = salt
    with plt.rc_context(salted):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    for ink in (INK, "#000000"):
        svg = svg.replace(ink, "currentColor")
    return svg
