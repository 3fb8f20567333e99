"""Decoding of inbound mail headers and bodies, pure functions on raw values.

Upstream behaviour this replaces (Frappe 15.44, `frappe/email/receive.py`):

- `Email.set_subject` keeps only the first part `email.header.decode_header` returns, so a subject whose
  accented words alone are RFC 2047 encoded words (`Stampante non funziona =?utf-8?q?pi=C3=B9?=`, as many
  mailers and Frappe's own outgoing mail write them) loses everything after the first part;
- `Email.decode_email` fails the whole mail on an unknown charset name (LookupError) and decodes raw 8-bit
  headers as UTF-8 or not at all;
- `Email.get_payload` decodes a body with its declared charset and drops (`"ignore"`) every byte that does
  not fit, so a body in a wrong declared charset silently loses its accented letters;
- `Email.get_attachment` keeps only the first encoded word of a file name.
"""

from __future__ import annotations

import codecs
import re
from email.header import Header, decode_header

# charset names mailers write that Python does not know under that name
CHARSET_ALIASES = {
	"windows-874": "cp874",
	"x-user-defined": "windows-1252",
	"unknown-8bit": "",
	"x-unknown": "",
	"unknown": "",
	"us-ascii": "ascii",
	"ansi_x3.4-1968": "ascii",
	"utf8": "utf-8",
	"cp-1250": "windows-1250",
	"win-1250": "windows-1250",
	"ks_c_5601-1987": "cp949",
}
# single-byte charsets in which a byte string that is also valid UTF-8 is almost surely mislabelled UTF-8
SINGLE_BYTE_PREFIXES = ("iso-8859", "iso8859", "latin", "windows-125", "cp125", "ascii", "us-ascii")
LAST_RESORT = "windows-1252"
FOLD = re.compile(r"\r?\n(?=[ \t])")
WHITESPACE = re.compile(r"[\r\n\t]+")


def known_charset(name: str | None) -> str | None:
	"""Python's codec name for a charset label from a mail, or None when it is missing or unknown."""
	if not name:
		return None
	label = str(name).strip().strip('"').lower()
	label = CHARSET_ALIASES.get(label, label)
	if not label:
		return None
	try:
		return codecs.lookup(label).name
	except LookupError:
		return None


def try_decode(data: bytes, charset: str | None) -> str | None:
	codec = known_charset(charset)
	if not codec:
		return None
	try:
		return data.decode(codec)
	except (UnicodeDecodeError, LookupError):
		return None


def is_single_byte(charset: str | None) -> bool:
	codec = (known_charset(charset) or "").replace("_", "-")
	return codec.startswith(SINGLE_BYTE_PREFIXES) or codec in ("cp1250", "cp1251", "cp1252", "latin-1")


def decode_text(data: bytes | None, declared: str | None = None, fallback: str | None = None) -> str:
	"""Bytes of a body or header part to text, keeping every character.

	Order: valid UTF-8 when the declared charset is missing, unknown or a single-byte one the bytes
	cannot be meant in (valid multi-byte UTF-8 read as Latin-2 is mojibake); the declared charset;
	UTF-8; the fallback (e.g. the body's charset for a raw 8-bit header); a guess from the bytes; Windows-1252,
	which maps every byte."""
	if not data:
		return ""
	if isinstance(data, str):
		return data
	if data.isascii():
		return data.decode("ascii")
	utf8 = try_decode(data, "utf-8")
	if utf8 is not None and (not known_charset(declared) or is_single_byte(declared)):
		return utf8
	for charset in (declared, "utf-8", fallback):
		text = try_decode(data, charset)
		if text is not None:
			return text
	guessed = guess_charset(data)
	text = try_decode(data, guessed)
	if text is not None:
		return text
	return data.decode(LAST_RESORT, "replace")


def guess_charset(data: bytes) -> str | None:
	"""charset_normalizer (a dependency of requests, so of Frappe) tells Windows-1250 from Windows-1252
	where chardet, which Frappe uses, reads short Slavic text as Latin-1."""
	try:
		from charset_normalizer import from_bytes

		best = from_bytes(data).best()
		if best:
			return best.encoding
	except ImportError:  # pragma: no cover
		pass
	import chardet

	return chardet.detect(data).get("encoding")


def decode_header_value(value: str | Header | None, fallback: str | None = None) -> str:
	"""A header (Subject, From, a file name) to text: every part `decode_header` returns, whole or
	partial RFC 2047 encoded words in any mix of charsets, raw 8-bit bytes (read as UTF-8, else as the
	fallback charset), unfolded and with runs of line breaks and tabs made one space."""
	if value is None:
		return ""
	if isinstance(value, bytes):
		return clean(decode_text(value, None, fallback))
	if isinstance(value, str):
		value = FOLD.sub("", value)
		if any(0xDC80 <= ord(c) <= 0xDCFF for c in value):
			# raw 8-bit bytes the parser kept as surrogates
			return decode_header_value(value.encode("ascii", "surrogateescape"), fallback)
	try:
		parts = decode_header(value)
	except Exception:
		return clean(str(value))
	text = []
	for part, charset in parts:
		if isinstance(part, str):
			text.append(part)
		else:
			text.append(decode_text(part, charset, fallback))
	return clean("".join(text))


def clean(text: str) -> str:
	return WHITESPACE.sub(" ", text).strip()
