"""Active content in uploaded PDFs: JavaScript and automatic actions are refused.

Read by structure (pypdf decompresses object streams and decodes `#xx` escapes in names),
with a scan of the raw bytes as a second look for files pypdf cannot parse."""

from __future__ import annotations

import io
import logging
import re

ACTIVE_NAMES = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch"}
# A PDF name token: `/` then regular characters; `#xx` escapes decoded before comparing.
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
MAX_OBJECTS = 200_000  # a bound on the walk, so a crafted file cannot keep a worker busy

log = logging.getLogger(__name__)

MESSAGE = (
    "The PDF contains JavaScript or actions that run when it is opened ({names}). "
    "Annexes must be plain documents: print it to a new PDF (or export it without scripts "
    "and forms) and upload that copy."
)


def _decode(raw: bytes) -> str:
    return "/" + re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1"
    )


def _raw_names(data: bytes) -> set[str]:
    return {_decode(m.group(1)) for m in _NAME.finditer(data)} & ACTIVE_NAMES


def _structure_names(data: bytes) -> set[str]:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack and visited < MAX_OBJECTS:
        item = stack.pop()
        visited += 1
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:  # a broken reference: nothing behind it to run
                continue
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in ACTIVE_NAMES:
                    found.add(str(name))
                if name == "/S" and value in ACTIVE_NAMES:
                    found.add(str(value))
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def active_content_problem(data: bytes) -> str | None:
    """A message when `data` (already known to look like a PDF) carries active content."""
    names = _raw_names(data)
    try:
        names |= _structure_names(data)
    except Exception as exc:  # unreadable structure: the raw scan above still applies
        log.info("pypdf could not read an upload (%s); raw scan only", type(exc).__name__)
    if names:
        return MESSAGE.format(names=", ".join(sorted(names)))
    return None
