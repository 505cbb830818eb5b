"""Measure whether mkdocs-jupyter can render this site's project pages (why hooks/projects.py exists).

It documents a measurement; nothing imports it and no build or test runs it. It writes a minimal
MkDocs + Material site in a temporary folder (light `default` and dark `slate` palettes,
`font: false`, `content.code.copy`), whose pages are jupytext percent-format .py files rendered by
mkdocs-jupyter with `execute: true, include_source: true`, builds it, serves it on 127.0.0.1 and
prints one PASS/FAIL line per requirement of a project page, with what was measured.

Run it (mkdocs-jupyter 0.26.x is the last release for Python 3.11; 0.27 needs 3.12):

    python3.11 -m venv /tmp/mj/venv      # or: cp -a .venv /tmp/mj/venv
    /tmp/mj/venv/bin/python -m pip install -r requirements.txt "mkdocs-jupyter==0.26.*"
    /tmp/mj/venv/bin/python tools/measure_mkdocs_jupyter.py --python /tmp/mj/venv/bin/python

--python is the interpreter that builds the mini site (it needs mkdocs-material, mkdocs-jupyter,
ipykernel and matplotlib); the interpreter running this script needs Playwright for Python (the
project's .venv has it) and axe-core as set-up checked it (`make axe`), and --chromium names the browser binary
(`playwright install` is never run). The offline build uses `unshare -rn` (skipped without it).
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from urllib.parse import urlparse

MKDOCS_YML = """\
site_name: mkdocs-jupyter measurement
theme:
  name: material
  custom_dir: overrides
  font: false
  features:
    - content.code.copy
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      toggle:
        icon: material/weather-night
        name: Dark
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      toggle:
        icon: material/weather-sunny
        name: Light
plugins:
  - search
  - mkdocs-jupyter:
      execute: true
      include_source: true{extra}
nav:
  - project.py
{broken}"""

PROJECT = """\
# %% [markdown]
# # A project page
#
# The square $x^2$ grows fast.

# %%
import os
from importlib.metadata import version

print("nonce", os.environ.get("MJ_NONCE"), "mjlib", version("mjlib"))
print(sum(range(10)))

# %%
import matplotlib.pyplot as plt

plt.plot([0, 1, 2], [0, 1, 4])
plt.title("x squared")
plt.show()
"""

BROKEN = """\
# %% [markdown]
# # A broken page

# %%
x = 1
y = 2
raise ValueError("this cell fails on purpose")
"""


# mkdocs-jupyter sets page.nb_url; Material shows no link to it unless a template does (its README)
OVERRIDE = """\
{% extends "base.html" %}
{% block content %}
{% if page.nb_url %}<p><a href="{{ page.nb_url }}" download>Download the source</a></p>{% endif %}
{{ super() }}
{% endblock content %}
"""
IN_NOTEBOOK = "s => !!document.querySelector(s)?.closest('.jupyter-wrapper')"
CONTRAST = re.compile(r"contrast of [\d.]+ \(foreground color: #\w+, background color: #\w+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fake_library(root: Path, version: str) -> Path:
    """A distribution `mjlib` installed nowhere but on PYTHONPATH: stands for a library upgrade."""
    lib = root / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    dist = lib / "mjlib-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: mjlib\nVersion: {version}\n")
    (lib / "mjlib.py").write_text(f'__version__ = "{version}"\n')
    return lib


def make_site(root: Path, *, broken: bool = False, extra: str = "") -> Path:
    site = root / ("broken" if broken else "site")
    shutil.rmtree(site, ignore_errors=True)
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "project.py").write_text(PROJECT)
    if broken:
        (site / "docs" / "broken.py").write_text(BROKEN)
    nav = "  - broken.py\n" if broken else ""
    (site / "mkdocs.yml").write_text(MKDOCS_YML.format(extra=extra, broken=nav))
    (site / "overrides").mkdir()
    (site / "overrides" / "main.html").write_text(OVERRIDE)
    return site


def build(python: str, site: Path, lib: Path, nonce: str, offline: bool = False):
    env = {**os.environ, "PYTHONPATH": str(lib), "MJ_NONCE": nonce, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [python, "-m", "mkdocs", "build", "--strict"]
    if offline:  # no network but loopback (the kernel talks to the build over 127.0.0.1)
        cmd = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    return subprocess.run(cmd, cwd=site, env=env, capture_output=True, text=True, timeout=600)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def report(name: str, ok: bool | None, detail: str) -> None:
    word = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
    print(f"{word}  {name}: {detail}", flush=True)


def luminance(rgb: tuple[int, ...]) -> float:
    r, g, b = (c / 255 for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def css_rgb(value: str) -> tuple[int, ...]:
    return tuple(int(float(n)) for n in re.findall(r"[\d.]+", value)[:3])


def browse(url: str, chromium: str) -> dict:
    """Open the project page in the light and the dark palette; what each shows."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from axe_files import axe_script
    from PIL import Image
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        for scheme in ("light", "dark"):
            page = browser.new_page(color_scheme=scheme)
            requests: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            # nothing may leave the machine: requests elsewhere are recorded, then refused
            page.route(
                re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"),
                lambda route: route.abort(),
            )
            page.goto(url + "project/", wait_until="load")
            page.wait_for_timeout(1500)
            img = page.locator(".jupyter-wrapper img").first
            src = img.get_attribute("src") or "" if img.count() else ""
            corner = None
            if src.startswith("data:image/png;base64,"):
                png = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
                corner = png.convert("RGBA").getpixel((2, 2))
            page.evaluate(axe_script())
            violations = page.evaluate("async () => (await axe.run()).violations")
            found[scheme] = {
                "scheme": page.evaluate("document.body.getAttribute('data-md-color-scheme')"),
                "page_bg": page.evaluate("getComputedStyle(document.body).backgroundColor"),
                "violations": [
                    (
                        v["id"],
                        page.evaluate(IN_NOTEBOOK, str(n["target"][0])),
                        n["html"].split(">", 1)[0]
                        + ">"
                        + (m.group(0) if (m := CONTRAST.search(n["failureSummary"])) else ""),
                    )
                    for v in violations
                    for n in v["nodes"]
                ],
                "elsewhere": sorted(
                    {u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)}
                    - {u for u in requests if u.startswith("data:")}
                ),
                "img_src": src[:30],
                "img_svg": page.locator(".jupyter-wrapper svg").count(),
                "corner": corner,
                "text": page.locator(".jupyter-wrapper").inner_text(),
                "mathml": page.locator(
                    ".jupyter-wrapper math, .jupyter-wrapper mjx-container, "
                    ".jupyter-wrapper .MathJax"
                ).count(),
                "scripts": page.evaluate(
                    "[...document.querySelectorAll('script[src]')].map(s => s.getAttribute('src'))"
                    ".filter(s => !s.includes('assets/javascripts'))"
                ),
                "mathjax": page.evaluate("typeof window.MathJax"),
                "code_blocks": page.locator(".jupyter-wrapper .jp-InputArea pre").count(),
                "copy_buttons": page.locator(".jupyter-wrapper .md-clipboard").count(),
                "all_copy_buttons": page.locator(".md-clipboard").count(),
                "own_copy": page.locator(".jupyter-wrapper clipboard-copy").count(),
                "downloads": page.evaluate(
                    "[...document.querySelectorAll('a[href$=\".py\"], a[download]')]"
                    ".map(a => a.getAttribute('href'))"
                ),
            }
            page.close()
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="python with mkdocs-jupyter")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="mkdocs-jupyter-"))
    versions = subprocess.run(
        [
            args.python,
            "-c",
            textwrap.dedent("""
            from importlib.metadata import version
            for d in ("mkdocs", "mkdocs-material", "mkdocs-jupyter", "nbconvert", "nbclient",
                      "jupytext", "ipykernel", "matplotlib"):
                print(f"{d}=={version(d)}", end="  ")
            """),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(f"python: {args.python}\nversions: {versions.strip()}\nfolder: {root}\n")

    # 1. A failing cell: default options, then allow_errors: false
    broken = make_site(root, broken=True)
    lib = fake_library(root, "1.0")
    done = build(args.python, broken, lib, "x")
    html = broken / "site" / "broken" / "index.html"
    shown = html.exists() and "this cell fails on purpose" in html.read_text()
    report(
        "failing cell fails the build (defaults: allow_errors true)",
        done.returncode != 0,
        f"mkdocs build --strict exit {done.returncode}; traceback published in the page: {shown}",
    )
    broken = make_site(root, broken=True, extra="\n      allow_errors: false")
    done = build(args.python, broken, lib, "x")
    said = ANSI.sub("", done.stdout + done.stderr).strip().splitlines()
    lines = [s for s in said if re.search(r"broken\.py|line \d+|Cell In|ValueError|Error", s)]
    names_file = any("broken.py" in s for s in said)
    names_line = any(re.search(r"broken\.py.*(line )?\b7\b", s) for s in said)
    cell_line = next((s.strip() for s in said if re.match(r"\s*Cell In\[", s)), None)
    report(
        "failing cell fails the build with file and line (allow_errors: false)",
        done.returncode != 0 and names_file and names_line,
        f"exit {done.returncode}; names broken.py: {names_file}; names the file's line 7: "
        f"{names_line}; the line it gives: {cell_line!r} (line in the cell); says: {' | '.join(s.strip() for s in lines[:6])[:600]}",
    )

    # 2. Outputs are what this build printed; the cache follows library versions
    site = make_site(root)
    first = build(args.python, site, lib, "first")
    page = site / "site" / "project" / "index.html"
    if first.returncode != 0:
        print(first.stdout, first.stderr)
        return 1
    text = page.read_text()
    report(
        "outputs are what the build printed (first build)",
        "nonce first mjlib 1.0" in text and "45" in text,
        f"page shows 'nonce first mjlib 1.0': {'nonce first mjlib 1.0' in text}",
    )
    lib = fake_library(root, "2.0")
    build(args.python, site, lib, "second")
    text = page.read_text()
    stale = re.search(r"nonce (\w+) mjlib ([\d.]+)", text)
    report(
        "cache follows library versions (mjlib 1.0 -> 2.0, page unchanged)",
        "mjlib 2.0" in text,
        f"after upgrading mjlib to 2.0 and rebuilding, the page says '{stale.group(0)}'"
        " (cache key: notebook bytes + plugin options only)",
    )
    shutil.rmtree(site / ".cache", ignore_errors=True)

    # 3. Network off
    if shutil.which("unshare"):
        off = build(args.python, site, lib, "offline", offline=True)
        ok = off.returncode == 0 and "nonce offline" in page.read_text()
        tail = (off.stderr.strip().splitlines() or [""])[-1]
        report("builds with the network off (unshare -rn)", ok, f"exit {off.returncode}; {tail}")
    else:
        report("builds with the network off", None, "unshare not available")
    build(args.python, site, lib, "served")

    # 4-8. The page in a browser, light and dark palette
    server, url = serve(site / "site")
    try:
        seen = browse(url, args.chromium)
    finally:
        server.shutdown()
    for scheme, s in seen.items():
        report(
            f"no request to another host ({scheme})",
            not s["elsewhere"],
            f"{len(s['elsewhere'])} requests elsewhere: {s['elsewhere']}",
        )
    for scheme, s in seen.items():
        mine = [f"{rule}: {what}" for rule, inside, what in s["violations"] if inside]
        theirs = sorted({rule for rule, inside, _ in s["violations"] if not inside})
        report(
            f"axe finds no violation in the notebook ({scheme}, data-md-color-scheme={s['scheme']})",
            not mine,
            f"{len(mine)} nodes: {' | '.join(mine) or 'none'}; outside the notebook (Material's "
            f"own, which hooks/a11y.py and site.css fix on the real site): {theirs}",
        )
    light, dark = seen["light"], seen["dark"]
    raw = "$x^2$" in light["text"]
    report(
        "$...$ maths rendered",
        not raw and light["mathml"] > 0,
        f"'$x^2$' raw in the page text: {raw}; MathML/MathJax elements: {light['mathml']}; "
        f"other script src: {light['scripts']}; typeof window.MathJax: {light['mathjax']}",
    )
    same = light["img_src"] == dark["img_src"]
    corner, bg = dark["corner"], css_rgb(dark["page_bg"])
    readable = corner is not None and abs(luminance(corner) - luminance(bg)) < 0.3
    report(
        "figure readable in both palettes (follows the dark palette)",
        readable and not same,
        f"figure <img src='{light['img_src']}...'> (<svg> in the notebook: {light['img_svg']}, icons); "
        f"same image in both palettes: {same}; figure corner pixel RGBA {corner} "
        f"on a dark page background {dark['page_bg']}",
    )
    report(
        "copy buttons on code cells (any)",
        light["code_blocks"] > 0 and light["own_copy"] >= light["code_blocks"],
        f"{light['code_blocks']} code cells, {light['own_copy']} <clipboard-copy> buttons of "
        "mkdocs-jupyter's own (its script and look, not Material's)",
    )
    report(
        "copy buttons like every other lesson (Material's .md-clipboard)",
        light["code_blocks"] > 0 and light["copy_buttons"] >= light["code_blocks"],
        f"{light['copy_buttons']} .md-clipboard buttons in the notebook "
        f"({light['all_copy_buttons']} on the whole page; content.code.copy is on)",
    )
    report(
        "download of the page's source",
        any(h and h.endswith("project.py") for h in light["downloads"]),
        f"links: {light['downloads']} (include_source: true copies the source; the link is the "
        "overrides/main.html that mkdocs-jupyter's README gives: Material alone shows none)",
    )
    if args.keep:
        print(f"\nkept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
