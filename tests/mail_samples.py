"""Raw inbound mails as customers' mailers write them, for the mail-in tests and benchmark: bytes on the
wire, each kind a case issue 20 names (partial and whole encoded words, Latin-2 and Windows-1250,
malformed MIME, attachments, no subject, no sender, a wrong charset)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from email.utils import format_datetime

DATE = format_datetime(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))
# the smallest file a PDF reader opens
PDF = (
	b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
	b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def headers(
	sender: str,
	to: str,
	subject: bytes | str | None,
	message_id: str,
	in_reply_to: str | None = None,
	name: bytes | str | None = None,
) -> bytes:
	lines = []
	if sender:
		lines.append(
			b"From: " + as_bytes(name) + b" <" + sender.encode() + b">"
			if name
			else b"From: " + sender.encode()
		)
	lines += [b"To: " + to.encode(), b"Date: " + DATE.encode(), b"Message-ID: <" + message_id.encode() + b">"]
	if subject is not None:
		lines.append(b"Subject: " + as_bytes(subject))
	if in_reply_to:
		lines += [
			b"In-Reply-To: <" + in_reply_to.encode() + b">",
			b"References: <" + in_reply_to.encode() + b">",
		]
	lines.append(b"MIME-Version: 1.0")
	return b"\r\n".join(lines) + b"\r\n"


def as_bytes(value: bytes | str | None) -> bytes:
	return value if isinstance(value, bytes) else (value or "").encode()


def text_mail(
	sender: str,
	to: str,
	subject: bytes | str | None,
	body: str,
	message_id: str,
	charset: str = "utf-8",
	in_reply_to: str | None = None,
	name: bytes | str | None = None,
	declared: str | None = None,
) -> bytes:
	"""A text/plain mail, body 8-bit in `charset`, labelled `declared` (default: the same)."""
	return (
		headers(sender, to, subject, message_id, in_reply_to, name)
		+ f"Content-Type: text/plain; charset={declared or charset}\r\n".encode()
		+ b"Content-Transfer-Encoding: 8bit\r\n\r\n"
		+ body.replace("\n", "\r\n").encode(charset)
		+ b"\r\n"
	)


def attachment_mail(
	sender: str, to: str, subject: str, body: str, message_id: str, filename: str, content: bytes
) -> bytes:
	encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
	return (
		headers(sender, to, subject, message_id)
		+ b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
		+ b"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
		+ body.encode()
		+ b"\r\n--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
		+ b"Content-Disposition: attachment; filename*=utf-8''"
		+ quote(filename).encode()
		+ b"\r\n\r\n"
		+ encoded
		+ b"\r\n--XYZ--\r\n"
	)


def quote(text: str) -> str:
	from urllib.parse import quote as url_quote

	return url_quote(text, safe="")


def malformed_multipart(sender: str, to: str, subject: str, body: str, message_id: str) -> bytes:
	"""multipart/mixed whose boundary never appears closed, with a part missing its blank line and a
	base64 part that is not base64."""
	return (
		headers(sender, to, subject, message_id)
		+ b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
		+ b"preamble\r\n--never-closed\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
		+ body.encode()
		+ b"\r\n--never-closed\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
		+ b"Content-Disposition: attachment; filename=broken.bin\r\n\r\n!!! not base64 @@@\r\n"
	)


def no_sender_mail(to: str, subject: str, message_id: str) -> bytes:
	return text_mail("", to, subject, "Who am I?", message_id)
