"""Word XML that python-docx has no API for: east-Asian fonts, fields, borders, frames, the font table."""

from __future__ import annotations

from typing import Any

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from lxml import etree

# Fonts the 公文 names, and what Word/WPS use where they are not installed (Windows has the second).
FALLBACKS = {
    "方正小标宋简体": ("华文中宋", "roman"),
    "仿宋_GB2312": ("仿宋", "modern"),
    "楷体_GB2312": ("楷体", "modern"),
    "黑体": ("SimHei", "modern"),
    "宋体": ("SimSun", "auto"),
}
RED = "FF0000"


def set_font(run: Any, name: str, size: float, *, bold: bool = False, color: str | None = None) -> None:
    """One font for every script of the run: Chinese text is drawn from w:eastAsia, figures from w:ascii."""
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def add_field(paragraph: Any, code: str, placeholder: str = "1") -> Any:
    """A real field (PAGE, NUMPAGES) that Word and LibreOffice update: begin, instruction, result, end."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("text", placeholder), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._element.append(el)
    return run


# The order the schema requires for a paragraph's properties (Word refuses a file that breaks it).
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
    "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
)


def insert_ppr(ppr: Any, element: Any) -> Any:
    """Put `element` into a pPr at its schema place."""
    name = element.tag.split("}")[1]
    later = {qn(f"w:{t}") for t in PPR_ORDER[PPR_ORDER.index(name) + 1:]}
    for child in ppr:
        if child.tag in later:
            child.addprevious(element)
            return element
    ppr.append(element)
    return element


def border(paragraph: Any, side: str, *, size_eighths: int, color: str = "000000", space: int = 1) -> None:
    """A line on one side of a paragraph; it spans the paragraph's width (the 版心 without indents)."""
    ppr = paragraph._element.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = insert_ppr(ppr, OxmlElement("w:pBdr"))
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    # top, left, bottom, right is the schema's order inside pBdr.
    order = ("top", "left", "bottom", "right", "between", "bar")
    later = [c for c in bdr if c.tag.split("}")[1] in order[order.index(side) + 1:]]
    if later:
        later[0].addprevious(line)
    else:
        bdr.append(line)


def set_language(document: Any, lang: str = "zh-CN") -> None:
    """Chinese as the document's language, and the body font as its default (no theme fonts)."""
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for el in rpr.findall(qn("w:lang")):
        rpr.remove(el)
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="{lang}" w:eastAsia="{lang}" w:bidi="ar-SA"/>'))
    document.core_properties.language = lang


def default_font(document: Any, name: str, size: float) -> None:
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    normal = document.styles["Normal"]
    normal.font.size = Pt(size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    # No automatic gap between Chinese and figures: 2026年 reads as written, as in a typed 公文.
    ppr = normal.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        insert_ppr(ppr, el)


def font_table(document: Any, names: list[str]) -> None:
    """Declare each font with a Chinese charset and the fallback Word/WPS should use when it is missing."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    for name in names:
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        alt, family = FALLBACKS.get(name, ("宋体", "auto"))
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def settings_flag(document: Any, tag: str) -> None:
    """Turn on a document setting such as w:evenAndOddHeaders."""
    settings = document.settings.element
    if settings.find(qn(tag)) is None:
        settings.append(OxmlElement(tag))
