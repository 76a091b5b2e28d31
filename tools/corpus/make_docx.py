#!/usr/bin/env python3
"""Build the sample corpus's Word transcripts from plain-text sources.

A source (corpora/src/NAME.txt) is a header block of lower-case `key: value` lines ended by a
blank line, then the body: every non-empty line becomes one Word paragraph (one w:p with one
w:r and one w:t), so a turn is written on one line as `S31: text` or `Interviewer: text`, and a
line without a label is a further paragraph of the turn above (or a title before the first turn).

The header goes to docProps/core.xml, not to the body: `title` -> dc:title, `author` ->
dc:creator, `date` -> dcterms:created; `site`, `phase` and `type` are listed in cp:keywords.

The .docx is the smallest package Word and LibreOffice open: [Content_Types].xml, _rels/.rels,
word/document.xml, docProps/core.xml. The output is byte-for-byte reproducible (fixed entry
order and zip time stamps), so regenerating an unchanged source leaves git clean.

Usage:
    make_docx.py                 build every corpora/src/*.txt into corpora/integrated-care/
    make_docx.py SRC... -o DIR   build the given sources into DIR
    make_docx.py --check         exit 1 if a committed .docx differs from its source

Standard library only.
"""

import argparse
import io
import pathlib
import re
import sys
import zipfile
from xml.sax.saxutils import escape

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC_DIR = ROOT / "corpora" / "src"
OUT_DIR = ROOT / "corpora" / "integrated-care"

# Zip entries carry this time stamp so that the bytes do not depend on when the script ran.
ZIP_TIME = (2016, 1, 1, 0, 0, 0)

HEADER_LINE = re.compile(r"^([a-z][a-z0-9_-]*):[ \t]*(.*)$")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>
"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>
"""

DOCUMENT_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body>
"""

DOCUMENT_TAIL = """<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>
</w:body>
</w:document>
"""


class SourceError(Exception):
    pass


def parse_source(text, name):
    """Returns (header dict, list of paragraph strings)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        m = HEADER_LINE.match(lines[i])
        if not m:
            raise SourceError(f"{name}:{i + 1}: header line is not `key: value`")
        header[m.group(1)] = m.group(2).strip()
        i += 1
    if "title" not in header:
        raise SourceError(f"{name}: the header has no `title:` line")
    paragraphs = [line.strip() for line in lines[i:] if line.strip()]
    if not paragraphs:
        raise SourceError(f"{name}: no paragraphs after the header")
    return header, paragraphs


def document_xml(paragraphs):
    out = [DOCUMENT_HEAD]
    for p in paragraphs:
        out.append(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>\n')
    out.append(DOCUMENT_TAIL)
    return "".join(out)


def core_xml(header):
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n',
        f"<dc:title>{escape(header['title'])}</dc:title>\n",
    ]
    if "author" in header:
        parts.append(f"<dc:creator>{escape(header['author'])}</dc:creator>\n")
    keywords = [f"{k}={header[k]}" for k in ("site", "phase", "type") if k in header]
    if keywords:
        parts.append(f"<cp:keywords>{escape('; '.join(keywords))}</cp:keywords>\n")
    if "date" in header:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", header["date"]):
            raise SourceError(f"date must be YYYY-MM-DD, not {header['date']!r}")
        parts.append(f'<dcterms:created xsi:type="dcterms:W3CDTF">{header["date"]}T00:00:00Z</dcterms:created>\n')
    parts.append("</cp:coreProperties>\n")
    return "".join(parts)


def build_docx(source_path):
    """Returns the .docx bytes for one source file."""
    text = source_path.read_text(encoding="utf-8")
    header, paragraphs = parse_source(text, str(source_path))
    entries = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("word/document.xml", document_xml(paragraphs)),
        ("docProps/core.xml", core_xml(header)),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, content.encode("utf-8"))
    return buf.getvalue()


def main(argv):
    ap = argparse.ArgumentParser(description="Build the sample corpus's .docx transcripts from text sources.")
    ap.add_argument("sources", nargs="*", type=pathlib.Path, help="source .txt files (default: corpora/src/*.txt)")
    ap.add_argument("-o", "--out", type=pathlib.Path, default=OUT_DIR, help="output folder")
    ap.add_argument("--check", action="store_true", help="only compare with the existing .docx files")
    args = ap.parse_args(argv)

    sources = args.sources or sorted(SRC_DIR.glob("*.txt"))
    if not sources:
        print("make_docx.py: no sources found", file=sys.stderr)
        return 2
    stale = 0
    for src in sources:
        try:
            data = build_docx(src)
        except (OSError, UnicodeDecodeError, SourceError) as e:
            print(f"make_docx.py: {e}", file=sys.stderr)
            return 2
        target = args.out / (src.stem + ".docx")
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                print(f"{target}: out of date with {src}", file=sys.stderr)
                stale += 1
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{target} ({len(data)} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
