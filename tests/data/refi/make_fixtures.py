#!/usr/bin/env python3
"""Writes the small REFI-QDA fixtures of tests/test_qdpx_import.c (run from this folder).

Each file is small and exercises one thing: bad input (corrupt zip, a .qde that is not XML, a
dangling reference, a selection past the end, unsafe entry names, an oversized entry) or the
oddities real tools write (Sources/, BOM, CRLF, GUIDs in braces or upper case, a missing
internal://, a .qde not called project.qde, UTF-16 positions, cases and variables).
"""
import zipfile

NS = 'xmlns="urn:QDA-XML:project:1.0"'
U1 = "{AD68FBE7-E1EE-4A82-A279-23CC698C89EB}"
CODE_A = "85D17F60-7BB0-481E-B742-B4861DD669DF"
CODE_B = "0f8a1907-7e42-4739-8610-a676b4d1b69f"
SRC = "69a4332d-5b31-4915-b520-5275cfc21b40"


def write_zip(name, entries):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
        for entry, data in entries:
            z.writestr(entry, data)


def project(body, origin="Fixture Tool 1.0", name="Fixture"):
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project {NS} name="{name}" origin="{origin}">\n{body}</Project>\n')


CODEBOOK = f"""<CodeBook><Codes>
<Code guid="{CODE_A}" name="Waiting times" isCodable="true" color="#C00"/>
<Code guid="{CODE_B}" name="Staff" isCodable="true"><Code guid="11111111-2222-3333-4444-555555555555" name="Nurses" isCodable="true"/></Code>
</Codes></CodeBook>
"""

# Text with CRLF and a character outside the BMP (U+1F600 takes two UTF-16 units).
TEXT = "Interviewer: How long did you wait?\r\nP1: Six weeks \U0001F600 for a nurse.\r\nP1: Too long.\r\n"


def utf16_pos(text, cp):
    return len(text[:cp].encode("utf-16-le")) // 2


def oddities():
    start = TEXT.index("Six weeks")
    end = TEXT.index(" for a nurse") + len(" for a nurse.")
    s16, e16 = utf16_pos(TEXT, start), utf16_pos(TEXT, end)
    inside = utf16_pos(TEXT, TEXT.index("\U0001F600")) + 1  # between the two surrogates
    body = f"""<Users><User guid="{U1}" name="Ann Coder"/></Users>
{CODEBOOK}<Variables><Variable guid="AAAAAAAA-0000-0000-0000-000000000001" name="site" typeOfVariable="Text"/>
<Variable guid="AAAAAAAA-0000-0000-0000-000000000002" name="age" typeOfVariable="Integer"/></Variables>
<Cases><Case guid="BBBBBBBB-0000-0000-0000-000000000001" name="P1">
<VariableValue><VariableRef targetGUID="{{AAAAAAAA-0000-0000-0000-000000000001}}"/><TextValue>RS1</TextValue></VariableValue>
<VariableValue><VariableRef targetGUID="aaaaaaaa-0000-0000-0000-000000000002"/><IntegerValue>42</IntegerValue></VariableValue>
</Case></Cases>
<Sources><TextSource guid="{{{SRC.upper()}}}" name="Interview 1" plainTextPath="{SRC}.txt">
<PlainTextSelection guid="{{CCCCCCCC-0000-0000-0000-000000000001}}" startPosition="{s16}" endPosition="{e16}" creatingUser="{U1}">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001" creatingUser="{U1.strip('{}').lower()}" creationDateTime="2024-01-02T03:04:05Z"><CodeRef targetGUID="{{{CODE_A}}}"/></Coding>
<Coding guid="DDDDDDDD-0000-0000-0000-000000000002" creatingUser="{U1}"><CodeRef targetGUID="11111111-2222-3333-4444-555555555555"/></Coding>
</PlainTextSelection>
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000002" startPosition="{inside}" endPosition="{e16}">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000003"><CodeRef targetGUID="{CODE_B}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    write_zip("oddities.qdpx", [
        ("My Study.qde", project(body, origin="NVivo for Windows 14")),
        (f"Sources/{SRC}.txt", "\ufeff" + TEXT),
    ])


def dangling():
    body = f"""{CODEBOOK}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="0" endPosition="11">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="99999999-9999-9999-9999-999999999999"/></Coding>
<Coding guid="DDDDDDDD-0000-0000-0000-000000000002"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    write_zip("dangling.qdpx", [("project.qde", project(body)), (f"sources/{SRC}.txt", "Interviewer: fine.\n")])


def past_end():
    body = f"""{CODEBOOK}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="5" endPosition="500">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000002" startPosition="0" endPosition="4">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000002"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    write_zip("pastend.qdpx", [("project.qde", project(body)), (f"sources/{SRC}.txt", "Short text.\n")])


def nul_source():
    """A source with a NUL byte (one binary slip in an export), and a coding after it."""
    text = "P1: Before\x00after. We waited six weeks.\n"
    start = text.index("We waited")
    end = start + len("We waited six weeks.")
    body = f"""{CODEBOOK}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{end}">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    write_zip("nul.qdpx", [("project.qde", project(body)), (f"sources/{SRC}.txt", text)])


def cases():
    """Cases and variables whose names collide in cases.tsv: a variable named like a key column,
    two named alike but for case, one with no name; two cases of one name (but for case and blanks)."""
    var = lambda n, name: f'<Variable guid="AAAAAAAA-0000-0000-0000-00000000000{n}" name="{name}" typeOfVariable="Text"/>'
    val = lambda n, v: (f'<VariableValue><VariableRef targetGUID="AAAAAAAA-0000-0000-0000-00000000000{n}"/>'
                        f'<TextValue>{v}</TextValue></VariableValue>')
    body = f"""{CODEBOOK}<Variables>{var(1, "Document")}{var(2, "site")}{var(3, "SITE")}{var(4, "")}</Variables>
<Cases><Case guid="BBBBBBBB-0000-0000-0000-000000000001" name="P1">{val(1, "d1")}{val(2, "RS1")}{val(3, "north")}{val(4, "x")}</Case>
<Case guid="BBBBBBBB-0000-0000-0000-000000000002" name=" p1 ">{val(2, "RS9")}</Case>
<Case guid="BBBBBBBB-0000-0000-0000-000000000003" name="P2">{val(2, "RS2")}</Case></Cases>
"""
    write_zip("cases.qdpx", [("project.qde", project(body))])


def long_name():
    """A source named with 300 bytes (100 three-byte characters), longer than a file name may be."""
    text = "P1: We waited six weeks.\n"
    name = "\u2014" * 100
    body = f"""{CODEBOOK}<Sources><TextSource guid="{SRC}" name="{name}" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="4" endPosition="24">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    write_zip("longname.qdpx", [("project.qde", project(body)), (f"sources/{SRC}.txt", text)])


def bad_positions():
    """Selections whose positions are not numbers or do not fit in 64 bits, and one that is fine."""
    text = "P1: We waited six weeks.\n"
    sel = lambda n, a, b: (f'<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-00000000000{n}" startPosition="{a}" '
                           f'endPosition="{b}"><Coding guid="DDDDDDDD-0000-0000-0000-00000000000{n}">'
                           f'<CodeRef targetGUID="{CODE_A}"/></Coding></PlainTextSelection>\n')
    body = (f'{CODEBOOK}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">\n'
            + sel(1, "abc", "5") + sel(2, "4", "99999999999999999999") + sel(3, "4", "24")
            + '</TextSource></Sources>\n')
    write_zip("badpos.qdpx", [("project.qde", project(body)), (f"sources/{SRC}.txt", text)])


def bad_inputs():
    write_zip("notxml.qdpx", [("project.qde", "this is not XML <Project"), (f"sources/{SRC}.txt", "x")])
    write_zip("good.qdpx", [("project.qde", project(CODEBOOK))])
    data = open("good.qdpx", "rb").read()
    open("corrupt.qdpx", "wb").write(data[: len(data) // 2] + b"\x00garbage" * 8)
    write_zip("unsafe.qdpx", [
        ("project.qde", project(CODEBOOK)),
        ("../evil.txt", "escaped"),
        ("/etc/evil.txt", "absolute"),
    ])
    write_zip("noqde.qdpx", [("readme.txt", "no project here")])
    # 1.1 GiB of white space inside the .qde: beyond the 1 GiB cap, about a megabyte compressed.
    with zipfile.ZipFile("bomb.qdpx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("project.qde", project(" " * (1100 << 20)))


def big():
    # A .qde of 70 MB (comments between the codebook and the sources), over the 64 MiB that was
    # the cap until qcode's own export of a 20 MB corpus outgrew it; a few kB compressed.
    pad = ("<!--" + "x" * 1017 + "-->\n") * (70 << 10)
    body = f"""{CODEBOOK}{pad}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="0" endPosition="11">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    with zipfile.ZipFile("big.qdpx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("project.qde", project(body))
        z.writestr(f"sources/{SRC}.txt", "Interviewer: fine.\n")


def document_cases():
    """NVivo's case per interview (a case with a SourceRef, named like no speaker of it) and
    MAXQDA's document variables (VariableValue in a TextSource); a second case giving one document
    another age; a case named like a speaker of its source."""
    var = lambda n, name: f'<Variable guid="aaaaaaaa-0000-0000-0000-00000000000{n}" name="{name}" typeOfVariable="Text"/>'
    val = lambda n, v: (f'<VariableValue><VariableRef targetGUID="aaaaaaaa-0000-0000-0000-00000000000{n}"/>'
                        f'<TextValue>{v}</TextValue></VariableValue>')
    src = lambda n: f"cccccccc-0000-0000-0000-00000000000{n}"
    ref = lambda n: f'<SourceRef targetGUID="{src(n)}"/>'
    case = lambda n, name, body: f'<Case guid="bbbbbbbb-0000-0000-0000-00000000000{n}" name="{name}">{body}</Case>\n'
    text = lambda n, name, body: (f'<TextSource guid="{src(n)}" name="{name}" '
                                  f'plainTextPath="internal://{src(n)}.txt">{body}</TextSource>\n')
    body = (f"{CODEBOOK}<Variables>{var(1, 'Site')}{var(2, 'Age')}{var(3, 'Grade')}</Variables>\n<Cases>\n"
            + case(1, "P01", val(2, "34") + ref(1)) + case(2, "P02", val(2, "51") + ref(2))
            + case(3, "P01 again", val(2, "35") + ref(1)) + case(4, "nurse", val(3, "B5") + ref(2))
            + "</Cases>\n<Sources>\n" + text(1, "interview 1", val(1, "North"))
            + text(2, "interview 2", val(1, "South")) + "</Sources>\n")
    write_zip("docvars.qdpx", [
        ("project.qde", project(body)),
        (f"sources/{src(1)}.txt", "Interviewer: How was it?\nRespondent: Fine.\nInterviewer: And?\nRespondent: Good.\n"),
        (f"sources/{src(2)}.txt", "Interviewer: How was it?\nNurse: Busy.\nInterviewer: And?\nNurse: Tiring.\n"),
    ])


def damaged_source():
    """A source entry whose bytes no longer match its CRC (stored, one letter changed)."""
    text = "P1: We waited six weeks.\n"
    body = f"""{CODEBOOK}<Sources><TextSource guid="{SRC}" name="doc" plainTextPath="internal://{SRC}.txt">
<PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="4" endPosition="24">
<Coding guid="DDDDDDDD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CODE_A}"/></Coding>
</PlainTextSelection>
</TextSource></Sources>
"""
    with zipfile.ZipFile("damaged.qdpx", "w", zipfile.ZIP_STORED) as z:
        z.writestr("project.qde", project(body))
        z.writestr(f"sources/{SRC}.txt", text)
    data = open("damaged.qdpx", "rb").read()
    open("damaged.qdpx", "wb").write(data.replace(b"six weeks", b"six weekS", 1))


def document_groups():
    """ATLAS.ti's document attributes: document groups (Sets of MemberSources) named "gender: male",
    "age::67"; beside them a code group and a document group that is no attribute (not imported),
    and a member that is no text source of the project (a PDF)."""
    src = lambda n: f"cccccccc-0000-0000-0000-00000000000{n}"
    text = lambda n, name: f'<TextSource guid="{src(n)}" name="{name}" plainTextPath="internal://{src(n)}.txt"/>\n'
    member = lambda n: f'<MemberSource targetGUID="{src(n)}"/>'
    group = lambda n, name, body: f'<Set guid="eeeeeeee-0000-0000-0000-00000000000{n}" name="{name}">{body}</Set>\n'
    body = (f"{CODEBOOK}<Sources>\n" + text(1, "Mabel") + text(2, "Simon") + "</Sources>\n<Sets>\n"
            + group(1, "gender: male", member(2)) + group(2, "gender:  female ", member(1) + member(9))
            + group(3, "age::67", member(1)) + group(4, "Text files", member(1) + member(2))
            + group(5, "Feelings", f'<MemberCode targetGUID="{CODE_A}"/>') + "</Sets>\n")
    write_zip("groups.qdpx", [
        ("project.qde", project(body, origin="ATLAS.ti 8.4.0")),
        (f"sources/{src(1)}.txt", "Interviewer: How was it?\nMabel: Fine.\n"),
        (f"sources/{src(2)}.txt", "Interviewer: How was it?\nSimon: Busy.\n"),
    ])


oddities()
dangling()
past_end()
nul_source()
cases()
long_name()
bad_positions()
bad_inputs()
big()
document_cases()
damaged_source()
document_groups()
