#!/usr/bin/env python3
"""Writes the bad-input catalogue of tests/test_bad_inputs.c (run from this folder; the outputs are
committed so the tests need no Python). One file (or folder) per bad input; MANIFEST.tsv says
which command reads it, the exit code and the message expected. Files starting with '_' are the
good inputs the commands need beside the bad one."""
import os
import shutil
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data.encode('utf-8') if isinstance(data, str) else data)


def stored(entry):
    """A stored (uncompressed) entry with a fixed date, so that a rerun writes the same bytes."""
    return zipfile.ZipInfo(entry, date_time=(2024, 1, 1, 0, 0, 0))


def write_zip(name, entries, symlinks=()):
    path = os.path.join(HERE, name)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for entry, data in entries:
            info = zipfile.ZipInfo(entry, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix
            info.external_attr = (0o120777 if entry in symlinks else 0o100644) << 16
            z.writestr(info, data)


# --- good companions ---
put('_ok.txt', 'Interviewer: How is the team?\n\nS1: We are co-located now, in the same office.\n')
put('_ok.qcb', 'codebook "OK" version 1\ncode TEAM "Team"\n  rule "same office" OR co-locat*\n')

# --- plain text and Markdown ---
put('txt-invalid-utf8.txt', b'Interviewer: Hello.\n\nS1: caf\xe9 au lait\n')
put('txt-empty.txt', b'')
put('txt-blank-lines-only.txt', b'\n\n  \n\t\n')
put('txt-nul-byte.txt', b'S1: text\n\x00\x01\x02 binary\n')
# UTF-16 is read (docs/transcripts.md, "Encodings"): what is bad is a broken one.
put('txt-utf16-truncated.txt', '\ufeffS1: written as UTF-16\n'.encode('utf-16-le') + b'S')
put('txt-utf16le-no-bom-lone-surrogate.txt',
    'Interviewer: written as UTF-16 without a mark\nS1: yes '.encode('utf-16-le') + b'\x3d\xd8' + 'no\n'.encode('utf-16-le'))
put('txt-overlong-utf8.md', b'# Notes\n\nS1: an overlong slash \xc0\xaf here\n')
put('txt-truncated-utf8.txt', b'S1: ends in half a character \xe2\x82')
put('txt-surrogate-utf8.txt', b'S1: a lone surrogate \xed\xa0\x80 encoded\n')

# --- WebVTT ---
put('vtt-no-header.vtt', 'WEBVTX\n\n00:00:01.000 --> 00:00:02.000\nS1: hello\n')
put('vtt-backwards.vtt', 'WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nS1: hello\n')
put('vtt-bad-timestamp.vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nS1: hello\n')
put('vtt-empty.vtt', '')
put('vtt-header-only.vtt', 'WEBVTT\n')
put('vtt-no-arrow.vtt', 'WEBVTT\n\n00:00:01.000 00:00:02.000\nS1: hello\n')
put('vtt-identifier-at-end.vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nS1: hello\n\ncue-2\n')
put('vtt-utf16be-bad-timestamp.vtt', '\ufeffWEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nS1: h\u00e9llo\n'.encode('utf-16-be'))
put('vtt-utf16le-no-bom-truncated.vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nS1: hello\n'.encode('utf-16-le')[:-1])
put('vtt-invalid-utf8.vtt', b'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nS1: \xff\xfe\n')

# --- SubRip ---
put('srt-bad-time.srt', '1\n00:00:01,000 --> 00:0x:02,000\nS1: hello\n')
put('srt-backwards.srt', '1\n00:00:09,000 --> 00:00:02,000\nS1: hello\n')
put('srt-no-timing.srt', '1\nS1: hello without a timing line\n')
put('srt-empty.srt', '')
put('srt-utf16be-no-bom-lone-surrogate.srt', '1\n00:00:01,000 --> 00:00:02,000\nS1: '.encode('utf-16-be') + b'\xdc\x00' + 'hello\n'.encode('utf-16-be'))
put('srt-bad-index.srt', 'one\n00:00:01,000 --> 00:00:02,000\nS1: hello\n')

# --- .docx ---
W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'


def docx_doc(body):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="%s"><w:body>%s</w:body></w:document>' % (W, body))


GOOD_BODY = '<w:p><w:r><w:t>S1: Hello there.</w:t></w:r></w:p>'
put('docx-not-zip.docx', 'S1: this is plain text with a .docx name\n')
good_docx = [('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
             ('word/document.xml', docx_doc(GOOD_BODY))]
write_zip('_good.docx', good_docx)
raw = open(os.path.join(HERE, '_good.docx'), 'rb').read()
put('docx-truncated.docx', raw[:len(raw) // 2])
os.remove(os.path.join(HERE, '_good.docx'))
write_zip('docx-no-document.docx', [good_docx[0], ('word/other.xml', docx_doc(GOOD_BODY))])
write_zip('docx-malformed-xml.docx', [good_docx[0], ('word/document.xml',
          docx_doc('<w:p><w:r><w:t>S1: open</w:r></w:p>'))])
# A whole zip whose word/document.xml stops inside a run's text.
DOC_XML = docx_doc(GOOD_BODY)
write_zip('docx-truncated-xml.docx', [good_docx[0], ('word/document.xml', DOC_XML[:DOC_XML.index('Hello')])])
XXE = ('<?xml version="1.0" encoding="UTF-8"?>\n'
       '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>S1: &xxe;</w:t></w:r></w:p></w:body></w:document>' % W)
write_zip('docx-xxe.docx', [good_docx[0], ('word/document.xml', XXE)])
def laughs(root, ns, inner):
    """Billion laughs: nine levels of entities, each ten of the one below (10^9 'lol's)."""
    return ('<?xml version="1.0"?>\n<!DOCTYPE %s [\n <!ENTITY lol "lol">\n' % root +
            ''.join(' <!ENTITY lol%d "%s">\n' % (i, ('&lol%d;' % (i - 1) if i > 1 else '&lol;') * 10)
                    for i in range(1, 10)) +
            ']>\n<%s xmlns="%s">%s</%s>\n' % (root, ns, inner, root.split(':')[-1] if ':' not in root else root))


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
          ''.join(' <!ENTITY lol%d "%s">\n' % (i, ('&lol%d;' % (i - 1) if i > 1 else '&lol;') * 10)
                  for i in range(1, 10)) +
          ']>\n<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>' % W)
write_zip('docx-billion-laughs.docx', [good_docx[0], ('word/document.xml', LAUGHS)])
write_zip('docx-empty-document.docx', [good_docx[0], ('word/document.xml', '')])
write_zip('docx-symlink.docx', [good_docx[0], ('word/document.xml', '/etc/passwd')],
          symlinks=('word/document.xml',))
# A CRC error: the stored data changed after the CRC was computed.
with zipfile.ZipFile(os.path.join(HERE, 'docx-bad-crc.docx'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr(stored('word/document.xml'), docx_doc(GOOD_BODY))
b = bytearray(open(os.path.join(HERE, 'docx-bad-crc.docx'), 'rb').read())
i = b.find(b'Hello')
b[i] = ord('J')
put('docx-bad-crc.docx', bytes(b))
# A zip bomb: word/document.xml inflates to 80 MiB of spaces (over the 64 MiB bound).
bomb = docx_doc('<w:p><w:r><w:t>S1: boom</w:t></w:r></w:p>' + ' ' * (80 << 20))
write_zip('docx-bomb.docx', [good_docx[0], ('word/document.xml', bomb)])

# --- codebooks ---
put('cb-unknown-keyword.qcb', 'codebook "Bad"\ncode A "A"\n  rul hello\n')
put('cb-unclosed-quote.qcb', 'codebook "Bad"\ncode A "A"\n  rule "same office\n')
put('cb-bad-regex.qcb', 'codebook "Bad"\ncode A "A"\n  rule /unbalanced(/\n')
put('cb-unknown-ref.qcb', 'codebook "Bad"\ncode A "A"\n  rule {NOSUCH} AND hello\n')
put('cb-duplicate-id.qcb', 'codebook "Bad"\ncode A "A"\n  rule hello\ncode A "Again"\n  rule bye\n')
put('cb-utf16le-unknown-ref.qcb', '\ufeffcodebook "Bad"\ncode A "A"\n  rule hello OR {NOPE}\n'.encode('utf-16-le'))
put('cb-utf16be-no-bom-truncated.qcb', 'codebook "Bad"\ncode A "A"\n  rule hello\n'.encode('utf-16-be')[:-1])
put('cb-control-bytes.qcb', b'codebook "Bad"\ncode A "A"\n  rul\x1b[31m hello\n')
put('cb-self-ref.qcb', 'codebook "Bad"\ncode A "A"\n  rule {A} OR hello\n')
put('cb-too-deep.qcb', 'codebook "Bad"\ncode A "A"\n  rule ' + '(' * 101 + 'x' + ')' * 101 + '\n')
put('cb-near-too-far.qcb', 'codebook "Bad"\ncode A "A"\n  rule a NEAR/200000 b\n')
put('cb-invalid-utf8.qcb', b'codebook "Bad"\ncode A "caf\xe9"\n  rule hello\n')
put('cb-empty.qcb', '')
put('cb-rule-before-code.qcb', 'codebook "Bad"\n  rule hello\ncode A "A"\n')
put('cb-unbalanced-paren.qcb', 'codebook "Bad"\ncode A "A"\n  rule (a OR b\n')
put('cb-dangling-operator.qcb', 'codebook "Bad"\ncode A "A"\n  rule a AND\n')
put('cb-bad-scope.qcb', 'codebook "Bad"\ncode A "A"\n  scope chapter\n  rule a\n')

# --- casebooks ---
put('cases-no-key-column.tsv', 'name\tsite\nS1\tNorth\n')
put('cases-duplicate-row.tsv', 'speaker\tsite\nS1\tNorth\nS1\tSouth\n')
put('cases-too-many-fields.tsv', 'speaker\tsite\nS1\tNorth\textra\n')
put('cases-unclosed-quote.csv', 'speaker,site\nS1,"North\n')
put('cases-text-after-quote.csv', 'speaker,site\n"S1"x,North\n')
put('cases-nul-byte.tsv', b'speaker\tsite\nS1\tNo\x00rth\n')
put('cases-invalid-utf8.tsv', b'speaker\tsite\nS1\tM\xfcnchen\n')
put('cases-empty.tsv', '')
put('cases-duplicate-column.tsv', 'speaker\tsite\tSite\nS1\tNorth\tSouth\n')
put('cases-empty-column-name.tsv', 'speaker\t\tsite\nS1\tx\tNorth\n')
put('cases-binary.tsv', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR')
put('cases-utf16le-lone-surrogate.tsv',  # Excel's "Unicode text", broken
    '\ufeffspeaker\tsite\nS1\tM\u00fcnchen'.encode('utf-16-le') + b'\x00\xd8' + '\n'.encode('utf-16-le'))
put('cases-row-without-key.tsv', 'speaker\tdocument\tsite\n\t\tNorth\n')

# --- results.xml ---
RNS = 'urn:qcode:results:1'


def results(body, version='1'):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<results xmlns="%s" formatVersion="%s">\n%s</results>\n'
            % (RNS, version, body))


# A whole results.xml of one document, one code and one quotation, as `qcode code` writes them;
# the rows below break one thing in it each.
RESULTS_DOCUMENTS = ('<documents count="1">\n'
                     '<document index="0" id="a.txt" path="a.txt" format="text" size="60" length="60" turns="2"/>\n'
                     '</documents>\n')
RESULTS_CODES = ('<codes count="1">\n<code index="0" id="TEAM" name="Team" depth="1" codable="true">\n'
                 '<own hits="1" quotations="1" respondents="1" documents="1"/>\n'
                 '<rolledUp hits="1" quotations="1" respondents="1" documents="1"/>\n</code>\n</codes>\n')


def results_quotation(start='36', end='60'):
    return ('<quotations count="1">\n<code id="TEAM" count="1">\n'
            '<quotation document="a.txt" speaker="S1" role="participant" turn="1" start="%s" end="%s">\n'
            '<text>We are co-located now, in the same office.</text>\n'
            '<hit rule="0" line="3" column="9" start="43" end="53"/>\n'
            '</quotation>\n</code>\n</quotations>\n' % (start, end))


RESULTS_OK = results(RESULTS_DOCUMENTS + RESULTS_CODES + results_quotation())
put('_ok-results.xml', RESULTS_OK)

put('results-doctype.xml', '<?xml version="1.0"?>\n<!DOCTYPE results [<!ENTITY a "aaaaaaaaaa">]>\n'
    '<results xmlns="%s"/>\n' % RNS)
put('results-xxe.xml', '<?xml version="1.0"?>\n<!DOCTYPE results [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<results xmlns="%s"><codes><code id="&x;"/></codes></results>\n' % RNS)
put('results-billion-laughs.xml', laughs('results', RNS, '<codes><code id="&lol9;"/></codes>'))
put('results-wrong-root.xml', '<?xml version="1.0"?>\n<project xmlns="%s"/>\n' % RNS)
put('results-wrong-namespace.xml', '<?xml version="1.0"?>\n<results xmlns="urn:other"/>\n')
put('results-malformed.xml', results('<documents count="0">\n<codes count="0">\n</documents>\n'))
put('results-empty.xml', '')
put('results-not-xml.xml', 'Code\tQuotations\nA\t3\n')
# cut in the middle of the quotation's text
put('results-truncated.xml', RESULTS_OK[:RESULTS_OK.index('co-located')])
put('results-format-version.xml', results(RESULTS_DOCUMENTS + RESULTS_CODES + results_quotation(), version='2'))
put('results-span-past-end.xml', results(RESULTS_DOCUMENTS + RESULTS_CODES + results_quotation(end='900')))
# declares an encoding its bytes are not: libxml2 tells it only on stderr and its push parser then
# stops as if the file had ended (it read as one without codes: `recode --from` said "0 before")
put('results-bad-encoding.xml', RESULTS_OK.replace('encoding="UTF-8"', 'encoding="ISO-2022-JP"', 1).encode('ascii')
    .replace(b'co-located', b'co-\xff\xfelocated', 1))

# --- REFI-QDA codebooks (.qdc) ---
QDC_NS = 'urn:QDA-XML:codebook:1.0'
put('qdc-bad-encoding.qdc', ('<?xml version="1.0" encoding="ISO-2022-JP"?>\n<CodeBook xmlns="%s"><Codes>\n'
                             '<Code guid="a" name="Team X" isCodable="true"/>\n</Codes></CodeBook>\n' % QDC_NS)
    .encode('ascii').replace(b'Team X', b'Team \xff\xfe', 1))
put('qdc-malformed.qdc', '<?xml version="1.0"?>\n<CodeBook xmlns="%s"><Codes>\n<Code guid="x" name="A">\n'
    '</Codes></CodeBook>\n' % QDC_NS)
put('qdc-xxe.qdc', '<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<CodeBook xmlns="%s"><Codes><Code guid="11111111-2222-3333-4444-555555555555" name="&x;" '
    'isCodable="true"/></Codes></CodeBook>\n' % QDC_NS)
put('qdc-wrong-root.qdc', '<?xml version="1.0"?>\n<Project xmlns="urn:QDA-XML:project:1.0"/>\n')
put('qdc-empty.qdc', '')
put('qdc-blank.qdc', '\ufeff  \r\n\t\n')
put('qdc-billion-laughs.qdc', laughs('CodeBook', QDC_NS, '<Codes><Code guid="11111111-2222-3333-4444-555555555555" '
                                     'name="&lol9;" isCodable="true"/></Codes>'))
put('qdc-not-xml.qdc', 'code A "A"\n  rule hello\n')
put('qdc-truncated.qdc', '<?xml version="1.0"?>\n<CodeBook xmlns="%s"><Codes>\n<Code guid="11111111-2222-3333-'
    '4444-555555555555" name="Waiting" isCodable="true">\n<Description>Waiting for a' % QDC_NS)

# --- REFI-QDA projects (.qdpx, .qde) ---
PNS = 'urn:QDA-XML:project:1.0'
SRC = '69a4332d-5b31-4915-b520-5275cfc21b40'


def project(body):
    return ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="%s" name="Bad" origin="Fixture">\n%s'
            '</Project>\n' % (PNS, body))


CODES = ('<CodeBook><Codes><Code guid="85d17f60-7bb0-481e-b742-b4861dd669df" name="Waiting" isCodable="true"/>'
         '</Codes></CodeBook>\n')
SOURCES = ('<Sources><TextSource guid="%s" name="Interview" plainTextPath="internal://%s.txt"/></Sources>\n'
           % (SRC, SRC))
TEXT = 'P1: We waited six weeks.\n'
put('qdpx-not-zip.qdpx', 'this is not a zip archive\n')
write_zip('qdpx-no-qde.qdpx', [('sources/%s.txt' % SRC, TEXT)])
write_zip('qdpx-two-qde.qdpx', [('a.qde', project(CODES)), ('b.qde', project(CODES))])
write_zip('qdpx-malformed-qde.qdpx', [('project.qde', project(CODES)[:-20])])
write_zip('qdpx-xxe.qdpx', [('project.qde', '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM '
                             '"file:///etc/passwd">]>\n<Project xmlns="%s" name="&x;"/>\n' % PNS)])
write_zip('qdpx-billion-laughs.qdpx', [('project.qde', laughs('Project', PNS, '<Description>&lol9;</Description>'))])
good = [('project.qde', project(CODES + SOURCES)), ('sources/%s.txt' % SRC, TEXT)]
write_zip('_good.qdpx', good)
raw = open(os.path.join(HERE, '_good.qdpx'), 'rb').read()
os.remove(os.path.join(HERE, '_good.qdpx'))
put('qdpx-truncated.qdpx', raw[:len(raw) - 30])
write_zip('qdpx-zip-slip.qdpx', good + [('../evil.txt', 'escaped'), ('/tmp/qcode-evil.txt', 'absolute'),
                                        ('sources/../../evil2.txt', 'escaped')])
write_zip('qdpx-symlink-source.qdpx', [good[0], ('sources/%s.txt' % SRC, '/etc/passwd')],
          symlinks=('sources/%s.txt' % SRC,))
put('qde-xxe.qde', '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<Project xmlns="%s" name="&x;"/>\n' % PNS)
write_zip('qdpx-empty-qde.qdpx', [('project.qde', ''), ('sources/%s.txt' % SRC, TEXT)])
write_zip('qdpx-wrong-root.qdpx', [('project.qde', '<?xml version="1.0"?>\n<CodeBook xmlns="%s"/>\n' % QDC_NS)])
put('qde-empty.qde', '')
put('qde-blank.qde', '\n   \n')
put('qde-wrong-root.qde', '<?xml version="1.0"?>\n<CodeBook xmlns="%s"/>\n' % QDC_NS)
GOOD_QDE = project(CODES + SOURCES)
put('qde-truncated.qde', GOOD_QDE[:GOOD_QDE.index('name="Interview"')])


def lying_total(name, count, claim):
    """A zip whose entries each claim `claim` bytes uncompressed (stored, with tiny data): the
    claims add up past the archive's total bound, which must stop it before anything inflates.
    The bound is checked against the claims of every source before the first is read (the first
    entry, whose data are not what its header claims, stopped the import as a damaged archive
    before that, and was skipped with a warning before then, the total bound stopping the fifth)."""
    entries = [('project.qde', project(CODES + '<Sources>' + ''.join(
        '<TextSource guid="%08d-0000-0000-0000-000000000000" name="S%d" plainTextPath="internal://s%d.txt"/>'
        % (k, k, k) for k in range(count)) + '</Sources>\n'))]
    entries += [('sources/s%d.txt' % k, 'P1: tiny\n') for k in range(count)]
    path = os.path.join(HERE, name)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for entry, data in entries:
            z.writestr(stored(entry), data)
    b = bytearray(open(path, 'rb').read())
    # Patch the uncompressed size in each source's local header and central directory entry.
    for sig, off in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
        pos = 0
        while True:
            pos = b.find(sig, pos)
            if pos < 0:
                break
            nlen = struct.unpack_from('<H', b, pos + (26 if sig == b'PK\x03\x04' else 28))[0]
            nstart = pos + (30 if sig == b'PK\x03\x04' else 46)
            if b[nstart:nstart + nlen].startswith(b'sources/'):
                struct.pack_into('<I', b, pos + off, claim)
            pos += 4
    put(name, bytes(b))


lying_total('qdpx-bomb-total.qdpx', 6, 250 << 20)

# --- manual.xml (in an imported project folder exported back) ---
for name, manual in (
        ('manual-xxe', '<?xml version="1.0"?>\n<!DOCTYPE manual [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                       '<manual xmlns="urn:qcode:manual:1">&x;</manual>\n'),
        ('manual-malformed', '<?xml version="1.0"?>\n<manual xmlns="urn:qcode:manual:1"><coding>\n</manual>\n'),
        ('manual-wrong-root', '<?xml version="1.0"?>\n<results xmlns="urn:qcode:results:1"/>\n'),
        ('manual-empty', ''),
        ('manual-truncated', '<?xml version="1.0"?>\n<manual xmlns="urn:qcode:manual:1">\n  <coding document="Interview'
                             '.txt" code="WAIT" start="4" end="10"')):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    put(name + '/codebook.qcb', 'codebook "M" version 1\ncode WAIT "Waiting"\n  manual\n')
    put(name + '/sources/Interview.txt', TEXT)
    put(name + '/manual.xml', manual)
