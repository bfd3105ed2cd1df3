"""What a file really is, from its first bytes, whatever its name says: used by the partner-file
reader (``pipelines.partnership_activity.reading``) and by the source loaders
(``pipelines.catalogue``: an error page saved in a source file's place), so both name a file's
real type in the same words.

``sniff_type(path)`` gives a key of ``TYPE_NAMES`` (``csv`` for other text, ``json``, ``xlsx``,
``html``, ``zip``, ``empty``, ...); ``TYPE_NAMES`` / ``TYPE_NAMES_CY`` say it in English and Welsh
("a web page (HTML)" / "tudalen we (HTML)"); ``text_encoding(head)`` is the encoding of text from
its first bytes.
"""

import re
import zipfile
from pathlib import Path

# Text that opens as a JSON object or array does (an API's answer or error saved as a file): "{"
# then a key or "}", "[" then a value or "]". A CSV header such as "[Activity ID],Title" is not.
JSON_START = re.compile(r'\{\s*["}]|\[\s*[\[{"\]0-9-]')

TYPE_NAMES = {
    "csv": "a CSV text file",
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "an Excel macro-enabled workbook (.xlsm)",
    "xls": "an Excel 97-2003 workbook (.xls)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
    "docx": "a Word document (.docx)",
    "doc": "a Word 97-2003 document or another Office file in the old format",
    "pptx": "a PowerPoint presentation (.pptx)",
    "odt": "an OpenDocument text document (.odt)",
    "zip": "a zip archive",
    "html": "a web page (HTML)",
    "xml": "an XML file",
    "json": "a JSON document",
    "excel_xml": "an Excel 2003 XML spreadsheet",
    "rtf": "a Rich Text document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "empty": "an empty file",
    "binary": "a binary file that is not a spreadsheet",
}
TYPE_NAMES_CY = {
    "csv": "ffeil destun CSV",
    "xlsx": "llyfr gwaith Excel (.xlsx)",
    "xlsm": "llyfr gwaith Excel gyda macros (.xlsm)",
    "xls": "llyfr gwaith Excel 97-2003 (.xls)",
    "ods": "taenlen OpenDocument (.ods)",
    "parquet": "ffeil Parquet",
    "pdf": "dogfen PDF",
    "docx": "dogfen Word (.docx)",
    "doc": "dogfen Word 97-2003 neu ffeil Office arall yn yr hen fformat",
    "pptx": "cyflwyniad PowerPoint (.pptx)",
    "odt": "dogfen destun OpenDocument (.odt)",
    "zip": "archif zip",
    "html": "tudalen we (HTML)",
    "xml": "ffeil XML",
    "json": "dogfen JSON",
    "excel_xml": "taenlen XML Excel 2003",
    "rtf": "dogfen Rich Text",
    "png": "delwedd PNG",
    "jpeg": "delwedd JPEG",
    "empty": "ffeil wag",
    "binary": "ffeil ddeuaidd nad yw'n daenlen",
}


def sniff_type(path: Path) -> str:
    """The real type of a file from its first bytes (``csv`` for text), whatever its suffix."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    kind = archive.read("mimetype").decode("ascii", "replace")
                    if "spreadsheet" in kind:
                        return "ods"
                    return "odt" if "text" in kind else "zip"
                if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                    return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
                if any(n.startswith("word/") for n in names):
                    return "docx"
                if any(n.startswith("ppt/") for n in names):
                    return "pptx"
        except zipfile.BadZipFile:
            return "zip"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"  # or a password-protected workbook; calamine says which when it fails
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    encoding = text_encoding(head)
    if encoding is None:
        return "binary"
    text = head.decode(encoding.replace("-sig", ""), errors="replace").lstrip("\ufeff").lstrip()
    lowered = text[:400].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered[:200]:
        return "html"
    if lowered.startswith("<?xml"):
        return "excel_xml" if "urn:schemas-microsoft-com:office:spreadsheet" in text else "xml"
    if JSON_START.match(text):
        return "json"
    return "csv"


def text_encoding(head: bytes) -> str | None:
    """The encoding of text from its first bytes: a byte-order mark, UTF-16 without one (NUL
    bytes at every other position), else ``utf-8`` (confirmed or refuted later); ``None`` when
    the bytes are not text."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:2048]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    if b"\x00" in sample:
        return None
    return "utf-8"
