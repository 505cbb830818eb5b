"""A snippet's figures made safe and readable: SVG sanitised, and text too faint to read refused.

hooks/run_snippet.py turns each figure a snippet shows into inline SVG. Before it goes into a page,
`sanitise_svg` keeps only drawing (no script, no foreign content, no event handler, links only to
#fragments, images only embedded), and `faint_texts` finds text drawn below `MIN_TEXT_OPACITY`,
which the build refuses (axe-core does not measure text inside a figure).
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
SVG_ELEMENTS = {
    "svg", "g", "defs", "style", "path", "use", "clipPath", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "image", "a", "title", "desc", "linearGradient",
    "radialGradient", "stop", "pattern", "mask", "symbol", "marker",
}  # fmt: skip
SAFE_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*$")
CSS_URL = re.compile(r"url\(\s*['\"]?(?!#)[^)]*\)|@import|expression\(|javascript:", re.I)
MIN_TEXT_OPACITY = 0.7  # the page's text colour at this opacity still contrasts 4.5:1 or more
OPACITY = re.compile(r"(?:^|;)\s*opacity:\s*(?P<value>[0-9.]+)")


class FigureError(ValueError):
    """A figure that cannot go into a page (not well-formed SVG)."""


def sanitise_svg(svg: str) -> str:
    """Keep only drawing: SVG elements matplotlib uses, no script or foreign content, no event
    handler, links only to #fragments, images only as embedded PNG or JPEG, no outside CSS."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        raise FigureError(f"a figure is not well-formed SVG: {error}") from error

    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1]

    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or local(child.tag) not in SVG_ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        tag = local(element.tag)
        for attribute, value in list(element.attrib.items()):
            if _unsafe_attribute(local(attribute).lower(), value, tag):
                del element.attrib[attribute]
        if tag == "style" and element.text and CSS_URL.search(element.text):
            element.text = CSS_URL.sub("", element.text)
    return ET.tostring(root, encoding="unicode")


def _unsafe_attribute(name: str, value: str, tag: str) -> bool:
    if name.startswith("on"):
        return True  # an event handler
    if name == "href":
        return not (value.startswith("#") or (tag == "image" and SAFE_IMAGE.match(value)))
    return name == "style" and bool(CSS_URL.search(value))


def faint_texts(svg: str) -> list[tuple[float, str]]:
    """Each text of a figure drawn so faint that it fails WCAG's 4.5:1 contrast: (its opacity,
    its text). axe does not measure it: a figure is `role="img"`, one image to axe, and text
    over a figure's shapes is at best "incomplete" to it. So the build checks the opacity that
    matplotlib wrote (`alpha=`), its groups' included."""
    found = []

    def walk(element, opacity: float) -> None:
        own = element.get("opacity") or ""
        match = OPACITY.search(element.get("style") or "")
        for value in (own, match["value"] if match else ""):
            with contextlib.suppress(ValueError):
                opacity *= float(value)
        if element.tag.rsplit("}", 1)[-1] == "text" and opacity < MIN_TEXT_OPACITY:
            found.append((round(opacity, 2), "".join(element.itertext()).strip()))
        for child in element:
            walk(child, opacity)

    walk(ET.fromstring(svg), 1.0)
    return found


def faint_text_problem(svg: str, number: int) -> str | None:
    """The build's message for figure `number` when it draws text too faint to read."""
    faint = faint_texts(svg)
    if not faint:
        return None
    opacity, text = faint[0]
    return (
        f"figure {number} draws {len(faint)} text(s) too faint to read, such as "
        f"'{text}' at opacity {opacity}: below {MIN_TEXT_OPACITY} the contrast falls under "
        "4.5:1; draw text with alpha of at least 0.7, and fade the shapes instead"
    )
