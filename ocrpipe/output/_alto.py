"""ALTO v4 (what libraries and archives ingest): one file per image, valid against ALTO 4.4.

Page > PrintSpace > TextBlock (a text block) > TextLine > String. One String per line
with the line's text in CONTENT and the engine's confidence as WC (0..1): Chinese has
no spaces between words. A rotated line carries its outline as Shape/Polygon. The
schema ships in schema/alto-4-4.xsd; `validate` checks a document against it offline.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from importlib import resources
from typing import Any

from ocrpipe._version import __version__
from ocrpipe.output._blocks import text_blocks
from ocrpipe.output._results import Box, ImageResult

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://www.loc.gov/alto/v4/alto-4-4.xsd"
XLINK_LOCATION = "http://www.loc.gov/standards/xlink/xlink.xsd"


def _pos(el: ET.Element, box: Box) -> None:
    x, y, w, h = box
    el.set("HPOS", str(x))
    el.set("VPOS", str(y))
    el.set("WIDTH", str(w))
    el.set("HEIGHT", str(h))


def alto(im: ImageResult, image_ref: str | None = None, lang: str | None = None) -> bytes:
    """The ALTO 4 document of one recognised image, UTF-8 encoded."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    q = lambda tag: f"{{{NS}}}{tag}"
    root = ET.Element(q("alto"), {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    desc = ET.SubElement(root, q("Description"))
    ET.SubElement(desc, q("MeasurementUnit")).text = "pixel"
    src = ET.SubElement(desc, q("sourceImageInformation"))
    ET.SubElement(src, q("fileName")).text = image_ref or im.file or im.url or ""
    proc = ET.SubElement(desc, q("Processing"), {"ID": "OCR_0"})
    ET.SubElement(proc, q("processingCategory")).text = "contentGeneration"
    if lang:
        ET.SubElement(proc, q("processingStepSettings")).text = f"lang={lang}"
    sw = ET.SubElement(proc, q("processingSoftware"))
    ET.SubElement(sw, q("softwareName")).text = "ocrpipe"
    ET.SubElement(sw, q("softwareVersion")).text = __version__
    layout = ET.SubElement(root, q("Layout"))
    w, h = im.width or 0, im.height or 0
    page = ET.SubElement(
        layout, q("Page"), {"ID": f"page_{im.index}", "PHYSICAL_IMG_NR": str(im.index + 1), "PROCESSINGREFS": "OCR_0"}
    )
    page.set("WIDTH", str(w))
    page.set("HEIGHT", str(h))
    space = ET.SubElement(page, q("PrintSpace"))
    _pos(space, (0, 0, w, h))
    for tb in text_blocks(im):
        block = ET.SubElement(space, q("TextBlock"), {"ID": f"block_{im.index}_{tb.id}"})
        _pos(block, tb.box)
        for n, ln in tb.lines:
            line = ET.SubElement(block, q("TextLine"), {"ID": f"line_{im.index}_{n}"})
            _pos(line, ln.bbox)
            if ln.polygon:
                shape = ET.SubElement(line, q("Shape"))
                ET.SubElement(shape, q("Polygon"), {"POINTS": " ".join(f"{x},{y}" for x, y in ln.polygon)})
            string = ET.SubElement(line, q("String"), {"ID": f"string_{im.index}_{n}", "CONTENT": ln.text})
            _pos(string, ln.bbox)
            string.set("WC", f"{min(max(ln.confidence / 100, 0.0), 1.0):.3f}")
            if ln.original is not None:
                string.set("CS", "true")  # a person corrected it (review page)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


@functools.lru_cache(maxsize=1)
def schema() -> Any:
    """The ALTO 4.4 schema as an lxml XMLSchema (lxml: the dev extra), its XLink import resolved offline."""
    from lxml import etree

    folder = resources.files("ocrpipe.output").joinpath("schema")

    class _Offline(etree.Resolver):
        def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
            if url == XLINK_LOCATION or url.endswith("/xlink.xsd"):
                return self.resolve_string(folder.joinpath("xlink.xsd").read_bytes(), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Offline())
    doc = etree.fromstring(folder.joinpath("alto-4-4.xsd").read_bytes(), parser, base_url="alto-4-4.xsd")
    return etree.XMLSchema(doc)


def validate(document: bytes) -> list[str]:
    """The schema's complaints about an ALTO document ([] when it is valid)."""
    from lxml import etree

    xs = schema()
    ok = xs.validate(etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False)))
    return [] if ok else [f"line {e.line}: {e.message}" for e in xs.error_log]
