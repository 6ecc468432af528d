"""Reading a feed's XML with expat before feedparser does: refuse what is hostile, cut
what is too long.

feedparser alone is not safe on hostile XML. It drops the entity declarations it
deems unsafe and imports their references as text, and expands the others without
limit when it falls back to its lenient parser (a 16 kB feed made a 20 MB summary).
It parses every entry, about half a millisecond each, and compares each category
with every earlier one of the same entry (20,000 of them took 40 s). expat, in C,
reads the whole document in milliseconds first, and:

- refuses a document that is not well-formed XML, except for undeclared entities
  such as ``&nbsp;`` (a common mistake, which feedparser reads leniently);
- refuses a document that declares entities: feeds have no need of them, and they
  are what billion laughs and external entities (XXE) are made of;
- refuses one with more than MAX_ELEMENTS elements, or more than MAX_TAGS
  categories and keywords in one entry (or in the feed's own elements);
- cuts the entries after the first ``limit`` out of the document.

A document in an encoding expat cannot read (Shift_JIS, Big5...), or whose server
names an encoding the document does not, is handed on as UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from xml.parsers import expat

from penpal.catalog.errors import ImportFailed

MAX_ELEMENTS = 50_000
MAX_TAGS = 200

FEED_ROOTS = frozenset({"rss", "feed", "RDF", "channel"})
ENTRIES = frozenset({"item", "entry"})
TAGS = frozenset({"category", "subject", "keywords", "tags"})
COMMA_LISTS = frozenset({"keywords", "tags"})  # feedparser makes each word a category
NATIVE = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii"})
_DECLARATION = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Checked:
    """A feed fit for feedparser: its content, its content type, the entries cut out."""

    content: bytes
    content_type: str | None
    left_out: int = 0


def check_feed(content: bytes, content_type: str | None, limit: int) -> Checked:
    """``content`` checked, maybe cut or re-encoded; ImportFailed saying why if refused."""
    content, content_type = _readable_encoding(content, content_type)
    scan = _Scan(limit)
    try:
        scan.parser.Parse(content, True)
    except _Refused as refusal:
        raise ImportFailed(f"refused: {refusal}") from None
    except (expat.ExpatError, ValueError) as error:  # ValueError: an encoding expat lacks
        if scan.root and scan.root not in FEED_ROOTS:
            raise ImportFailed(f"not an RSS or Atom feed (its first element is "
                               f"<{scan.root[:40]}>)") from None
        detail = (f"{expat.ErrorString(error.code)} at line {error.lineno}, column "
                  f"{error.offset}" if isinstance(error, expat.ExpatError) else str(error))
        raise ImportFailed(f"not a readable feed: {detail}") from None
    if scan.root not in FEED_ROOTS:
        raise ImportFailed(f"not an RSS or Atom feed (its root element is "
                           f"<{str(scan.root)[:40]}>)")
    if scan.cut_from is not None and scan.cut_to is not None:
        content = content[:scan.cut_from] + content[scan.cut_to:]
    return Checked(content, content_type, max(scan.entries - limit, 0))


def _readable_encoding(content: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """The content re-encoded as UTF-8 if expat might not read it right as it is."""
    declared = _DECLARATION.match(content)
    charset = _charset(content_type)
    if declared:
        name = declared.group(1).decode("ascii")
    elif charset and not content.startswith(_BOMS):
        name = charset
    else:
        return content, content_type
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ImportFailed(f"not a readable feed: unknown encoding {name[:40]!r}") from None
    if codec in NATIVE:
        return content, content_type
    text = content.decode(codec, errors="replace")
    if declared:
        text = re.sub(r"(encoding\s*=\s*)[\"'][^\"']*[\"']", r'\1"utf-8"', text, count=1)
    media = (content_type or "application/xml").split(";")[0].strip()
    return text.encode("utf-8"), f"{media}; charset=utf-8"


def _charset(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None


class _Refused(Exception):
    """Raised from an expat handler: expat stops there and Parse raises it on."""


class _Scan:
    """expat handlers that count as the document is read and raise _Refused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parser = expat.ParserCreate()
        self.parser.UseForeignDTD(True)  # undeclared entities (&nbsp;) are skipped, not fatal
        self.parser.EntityDeclHandler = self._entity
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.root: str | None = None
        self.depth = 0
        self.entries = 0
        self.elements = 0  # in what is kept
        self.entry_depth: int | None = None  # of the entry being read
        self.tags = {"feed": 0, "entry": 0}
        self.comma_list_depth: int | None = None
        self.container_depth: int | None = None  # of the element the entries are in
        self.cut_from: int | None = None
        self.cut_to: int | None = None

    def _entity(self, name: str, *_: object) -> None:
        raise _Refused(f"the feed declares the XML entity {name[:40]!r}: feeds need none, and "
                       "entities can expand without bound or read local files")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if self.root is None:
            self.root = local
        if self.entry_depth is None and local in ENTRIES:
            self.entries += 1
            self.entry_depth = self.depth
            self.tags["entry"] = 0
            if self.entries == self.limit + 1:
                self.cut_from = self.parser.CurrentByteIndex
                self.container_depth = self.depth - 1
        self.depth += 1
        if self._cutting:
            return
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise _Refused(f"the feed has more than {MAX_ELEMENTS} XML elements")
        if local in TAGS:
            self._tag(1)
        if local in COMMA_LISTS and self.comma_list_depth is None:
            self.comma_list_depth = self.depth

    def _end(self, name: str) -> None:
        if self.comma_list_depth == self.depth:
            self.comma_list_depth = None
        self.depth -= 1
        if self.entry_depth == self.depth:
            self.entry_depth = None
        if self.container_depth == self.depth and self.cut_to is None:
            self.cut_to = self.parser.CurrentByteIndex

    def _text(self, data: str) -> None:
        if self.comma_list_depth is not None and not self._cutting:
            self._tag(data.count(","))

    @property
    def _cutting(self) -> bool:
        return self.entry_depth is not None and self.entries > self.limit

    def _tag(self, count: int) -> None:
        where = "entry" if self.entry_depth is not None else "feed"
        self.tags[where] += count
        if self.tags[where] > MAX_TAGS:
            whose = "one entry" if where == "entry" else "the feed's own elements"
            raise _Refused(f"more than {MAX_TAGS} categories or keywords in {whose}")
