#!/usr/bin/env python3
"""Builds the small .docx fixtures for tests/test_read_docx.c (run from this folder; the outputs
are committed so the tests need no Python). Each fixture is a minimal WordprocessingML package.
Each package's entries carry a fixed date (the day the fixture was first built), so running the
script again rewrites every fixture byte for byte and `git status` shows only what changed."""
import struct
import zipfile
import zlib

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/word/document.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>')
CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<dc:title>Team interview RS3</dc:title><dc:creator>A. Researcher</dc:creator>'
        '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-05T10:00:00Z</dcterms:created>'
        '<dc:description>not an attribute</dc:description></cp:coreProperties>')


def document(body):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="%s" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">\n'
            '<w:body>\n%s\n<w:sectPr/></w:body></w:document>' % (W, body))


def p(*runs):
    return '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="1304"/></w:tabs></w:pPr>%s</w:p>\n' % ''.join(runs)


def r(text):
    return '<w:r><w:t xml:space="preserve">%s</w:t></w:r>' % text


FIRST_BUILT = (2026, 11, 25, 1, 4, 46)


def entry(name, when):
    """A zip entry as ZipFile.writestr makes one from a name, but dated `when`, not now."""
    info = zipfile.ZipInfo(name, when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def package(name, doc, core=True, extra=None, when=FIRST_BUILT):
    with zipfile.ZipFile(name, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(entry('[Content_Types].xml', when), CT)
        z.writestr(entry('_rels/.rels', when), RELS)
        if doc is not None:
            z.writestr(entry('word/document.xml', when), doc)
        if core:
            z.writestr(entry('docProps/core.xml', when), CORE)
        for k, v in (extra or {}).items():
            z.writestr(entry(k, when), v)


BASIC = document(
    p(r('Team interview')) +
    p() +  # an empty paragraph: skipped
    p(r('Interviewer: How does the '), r('co'), '<w:r><w:noBreakHyphen/></w:r>', r('location work?')) +
    p(r('Nurse 2: It works'), '<w:del><w:r><w:delText> badly</w:delText></w:r></w:del>',
      '<w:ins><w:r><w:t xml:space="preserve"> well</w:t></w:r></w:ins>', r(' &amp; fast.')) +
    p(r('We meet'), '<w:r><w:tab/></w:r>', r('weekly.'), '<w:r><w:br/></w:r>', r('Mostly on Mondays.')) +
    p('<w:r><w:t>Interviewer: And the team</w:t><w:softHyphen/><w:t>?</w:t></w:r>') +
    '<w:tbl><w:tr><w:tc>' + p(r('Nurse 2: Cell one.')) + '</w:tc><w:tc>' + p(r('Cell two.')) +
    '</w:tc></w:tr></w:tbl>\n' +
    p('<mc:AlternateContent><mc:Choice Requires="wps">', r(' [box]'), '</mc:Choice><mc:Fallback>',
      r(' [fallback]'), '</mc:Fallback></mc:AlternateContent>'))

OTTER = document(
    p(r('Transcript title')) +
    p(r('Sara Mannheimer  00:02')) + p(r('Okay, so to start us out.')) + p() +
    p(r('DC03  00:13')) + p(r('Yeah, so I have been a curator.')) + p(r('For three years.')) +
    p(r('Sara Mannheimer  01:38')) + p(r('Thanks.')))

NARRATIVE = document(p(r('I grew up by the sea.')) + p(r('Later we moved: inland, to the city.')))

MALFORMED = ('<?xml version="1.0" encoding="UTF-8"?>\n<w:document xmlns:w="%s">\n'
             '<w:body><w:p><w:r><w:t>open</w:r></w:p></w:body></w:document>' % W)

DOCTYPE = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [<!ENTITY x "boom">]>\n'
           '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>' % W)

LABEL_ALONE = document(p(r('Q:')) + p(r('R: I answer, but Q had nothing.')))

FOLDED_LABELS = document(
    p(r('Élodie: Bonjour à tous.')) + p(r('Interviewer: Hello there.')) +
    p(r('élodie: We work together.')) + p(r('Interviewer: Fine.')))

# An oral history's title in capitals above its narrator's turns, for a user's speaker pattern
# and a casebook row naming Tatsuo Arai (read_docx/a_users_speaker_pattern_is_trusted_as_in_plain_text).
ARAI = document(
    p(r('TATSUO ARAI: An Interview Conducted by Peter Asaro.')) + p(r('Q: Tell us your name.')) +
    p(r('Tatsuo Arai: I am Tatsuo Arai.')) + p(r('Q: And your work?')) + p(r('Tatsuo Arai: Robots.')))

# A German transcript as Word writes one: who speaks named above the dialogue, no empty paragraph
# between, then a one-off `Teilnehmerin:` turn (read_docx/role_words_in_other_languages_as_in_plain_text).
ROLES_DE = document(
    p(r('Interview 3')) + p(r('Datum: 12.03.2020')) + p(r('Interviewerin: Petra Schmidt')) +
    p(r('Befragte: B3')) + p(r('Dauer: 45 Minuten')) + p(r('I: Wie lange arbeiten Sie hier?')) +
    p(r('B3: Seit neun Jahren.')) + p(r('Teilnehmerin: Und ich seit zehn.')) + p(r('I: Danke.')))

package('basic.docx', BASIC)
package('otter.docx', OTTER, core=False)
package('narrative.docx', NARRATIVE, core=False)
package('no_document.docx', None)
package('malformed.docx', MALFORMED, core=False)
package('doctype.docx', DOCTYPE, core=False)
package('label_alone.docx', LABEL_ALONE, core=False)
package('folded_labels.docx', FOLDED_LABELS, core=False, when=(2026, 12, 6, 23, 57, 24))
package('arai.docx', ARAI, core=False, when=(2026, 12, 7, 6, 50, 0))
package('roles_de.docx', ROLES_DE, core=False, when=(2026, 12, 7, 9, 0, 0))
package('empty.docx', document(p() + p(r('   '))), core=False)

# Truncated: the first half of a good package.
data = open('basic.docx', 'rb').read()
open('truncated.docx', 'wb').write(data[:len(data) // 2])

# Not a zip at all.
open('not_zip.docx', 'wb').write(b'This is plain text with a .docx name.\n')


def central_header(buf, entry):
    """The offset of entry's central directory header."""
    cd = buf.find(b'PK\x01\x02')
    while cd >= 0:
        name_len = struct.unpack_from('<H', buf, cd + 28)[0]
        if bytes(buf[cd + 46:cd + 46 + name_len]) == entry.encode():
            return cd
        cd = buf.find(b'PK\x01\x02', cd + 46 + name_len)
    raise KeyError(entry)


def patch(src, dst, entry, size=None, crc=None, flip=False):
    """Rewrites entry's uncompressed size or CRC in both its local header and the central
    directory (so the archive stays self-consistent), or flips a byte of its compressed data."""
    buf = bytearray(open(src, 'rb').read())
    info = zipfile.ZipFile(src).getinfo(entry)
    lh = info.header_offset
    cd = central_header(buf, entry)
    if size is not None:
        struct.pack_into('<I', buf, lh + 22, size)
        struct.pack_into('<I', buf, cd + 24, size)
    if crc is not None:
        struct.pack_into('<I', buf, lh + 14, crc)
        struct.pack_into('<I', buf, cd + 16, crc)
    if flip:
        name_len, extra_len = struct.unpack_from('<HH', buf, lh + 26)
        buf[lh + 30 + name_len + extra_len + info.compress_size // 2] ^= 0x55
    open(dst, 'wb').write(bytes(buf))


# A header claiming 100 MiB for word/document.xml: refused before any inflating.
patch('narrative.docx', 'huge_claim.docx', 'word/document.xml', size=100 << 20)
# A wrong checksum: the data inflates fine but does not match.
patch('narrative.docx', 'bad_crc.docx', 'word/document.xml', crc=0x12345678)
# Damaged compressed data.
patch('narrative.docx', 'damaged.docx', 'word/document.xml', flip=True)
# A header claiming fewer bytes than the data inflates to.
patch('narrative.docx', 'short_claim.docx', 'word/document.xml', size=20)
