"""Raw inbound mails as customers' mailers write them, for the mail-in tests and benchmark: bytes on the
wire, each kind a case issue 20 names (partial and whole encoded words, Latin-2 and Windows-1250,
malformed MIME, attachments, no subject, no sender, a wrong charset)."""

from __future__ import annotations

import base64
import quopri
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
	return headers(sender, to, subject, message_id) + multipart(
		"mixed",
		"XYZ",
		(b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit", body.encode()),
		(
			b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
			+ b"Content-Disposition: attachment; filename*=utf-8''"
			+ quote(filename).encode(),
			encoded,
		),
	)


def html_mail(sender: str, to: str, subject: str, text: str, message_id: str) -> bytes:
	"""multipart/alternative: the text part in ISO-8859-2, the HTML part in Windows-1250."""
	return headers(sender, to, subject, message_id) + multipart(
		"alternative",
		"ALT",
		(
			b"Content-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: 8bit",
			text.encode("iso-8859-2"),
		),
		(
			b"Content-Type: text/html; charset=windows-1250\r\nContent-Transfer-Encoding: quoted-printable",
			quopri.encodestring(f"<p>{text}</p>".encode("windows-1250")),
		),
	)


def multipart(subtype: str, boundary: str, *parts: tuple[bytes, bytes]) -> bytes:
	"""The Content-Type header and the body of a multipart mail: parts as (their headers, their body)."""
	mark = b"--" + boundary.encode()
	out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
	for part_headers, body in parts:
		out += mark + b"\r\n" + part_headers + b"\r\n\r\n" + body + b"\r\n"
	return out + mark + b"--\r\n"


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


# --- the mixed batch of issue 18 ("1,000 inbound mails in one pull"), at any size -------------------

CYCLE = 20  # mails per cycle of the mix below
# (subject as written on the wire, as it must be stored, body, body charset, declared charset)
NEW_THREADS = [
	(
		b"Stampante non funziona =?utf-8?q?pi=C3=B9?=",
		"Stampante non funziona più",
		"Non stampa più.",
		"utf-8",
		None,
	),
	(b"=?ISO-8859-2?Q?Ra=E8un_nije_ta=E8an?=", "Račun nije tačan", "Račun broj 5, Đurđa", "iso-8859-2", None),
	(
		"Žalba na dostavu".encode("windows-1250"),
		"Žalba na dostavu",
		"Čekam već sedmicu.",
		"windows-1250",
		None,
	),
	(
		b"Offerta per Lejla =?utf-8?q?Hod=C5=BEi=C4=87?=",
		"Offerta per Lejla Hodžić",
		"Sì, grazie.",
		"utf-8",
		None,
	),
	(
		b"=?utf-8?b?UmHEjXVu?= i =?iso-8859-2?q?ta=E8an?=",
		"Račun i tačan",
		"Mješoviti skupovi.",
		"utf-8",
		None,
	),
	(b"Password reset", "Password reset", "Cannot log in.", "us-ascii", None),
	(b"Consegna =?utf-8?q?gi=C3=A0?= pagata", "Consegna già pagata", "Ho già pagato.", "iso-8859-1", None),
	("Ćevapi narudžba".encode(), "Ćevapi narudžba", "Šaljite ćevape.", "utf-8", None),
	(b"Fattura", "Fattura", "Perché due volte?", "utf-8", None),
	(None, "No Subject", "Nema naslova.", "utf-8", None),
]


class Batch:
	"""Mails to deliver plus what each must become: `new` (a ticket of its own), `reply` (onto the
	ticket of `parent`), `follow_up` (a new ticket, the closed one untouched), `duplicate` (nothing
	more), `rejected` (an Unhandled Email)."""

	def __init__(self) -> None:
		self.mails: list[bytes] = []
		self.expect: list[dict] = []

	def add(self, raw: bytes, kind: str, message_id: str, **extra) -> None:
		self.mails.append(raw)
		self.expect.append({"kind": kind, "message_id": message_id, **extra})

	def count(self, kind: str) -> int:
		return sum(1 for e in self.expect if e["kind"] == kind)


def mixed_batch(
	n: int,
	to: str,
	closed: list[tuple[str, str, str]],
	tag: str,
	large_every: int = 100,
	large_size: int = 5_000_000,
) -> Batch:
	"""n mails: per cycle of 20, ten new threads (the subjects above), four replies to them, a follow-up
	to a closed ticket (`closed`: (message id, sender, subject) of tickets closed before), a malformed
	multipart, a body in a wrong declared charset, an attachment (every `large_every`-th mail a large
	one), the same delivery of a mail again, and a mail without sender."""
	batch = Batch()
	for i in range(n):
		cycle, slot = divmod(i, CYCLE)
		sender = f"cust-{tag}-{cycle}-{slot}@example.com"
		message_id = f"{tag}-{i}@mail.example.com"
		first_of_cycle = cycle * CYCLE
		if slot < 10:
			wire, stored, body, charset, declared = NEW_THREADS[slot]
			raw = text_mail(sender, to, wire, f"{body} ({i})", message_id, charset=charset, declared=declared)
			batch.add(raw, "new", message_id, subject=stored, sender=sender)
		elif slot < 14:
			parent = batch.expect[first_of_cycle + slot - 10]
			if parent["kind"] != "new":
				parent = batch.expect[first_of_cycle]
			raw = text_mail(
				parent["sender"],
				to,
				f"Re: {parent['subject']}",
				f"Reply {i}",
				message_id,
				in_reply_to=parent["message_id"],
			)
			batch.add(raw, "reply", message_id, parent=parent["message_id"])
		elif slot == 14:
			if closed:
				old_id, old_sender, old_subject = closed[cycle % len(closed)]
				raw = text_mail(
					old_sender, to, f"Re: {old_subject}", f"Again {i}", message_id, in_reply_to=old_id
				)
				batch.add(raw, "follow_up", message_id, closed=old_id)
			else:
				raw = text_mail(sender, to, f"Question {i}", "?", message_id)
				batch.add(raw, "new", message_id, subject=f"Question {i}", sender=sender)
		elif slot == 15:
			raw = malformed_multipart(sender, to, f"Broken MIME {i}", "Il testo c'è ancora.", message_id)
			batch.add(raw, "new", message_id, subject=f"Broken MIME {i}", sender=sender)
		elif slot == 16:
			raw = text_mail(
				sender,
				to,
				f"Wrong charset {i}",
				"Račun nije tačan",
				message_id,
				charset="windows-1250",
				declared="utf-8",
			)
			batch.add(
				raw, "new", message_id, subject=f"Wrong charset {i}", sender=sender, body="Račun nije tačan"
			)
		elif slot == 17:
			size = large_size if large_every and (i // CYCLE) % max(large_every // CYCLE, 1) == 0 else 0
			content = PDF + (b"%" + b"x" * 79 + b"\n") * (size // 81)
			raw = attachment_mail(
				sender, to, f"Allegato {i}", "Vedi allegato.", message_id, f"Račun {i}.pdf", content
			)
			batch.add(raw, "new", message_id, subject=f"Allegato {i}", sender=sender, attachment=len(content))
		elif slot == 18:
			original = batch.expect[first_of_cycle]
			batch.add(batch.mails[first_of_cycle], "duplicate", original["message_id"])
		else:
			batch.add(no_sender_mail(to, f"Anonymous {i}", message_id), "rejected", message_id)
	return batch


def verify(batch: Batch, account: str) -> list[str]:
	"""What went wrong, checked against the site: each mail exactly one Communication (a duplicate
	delivery none more, a rejected one none and an Unhandled Email), on the right ticket, with every
	character of its subject and body, attachments whole."""
	import frappe

	rows = frappe.db.sql(
		"""select message_id, name, reference_name, content from `tabCommunication`
		where email_account = %s and sent_or_received = 'Received'""",
		account,
		as_dict=True,
	)
	wanted = {e["message_id"] for e in batch.expect} | {e["parent"] for e in batch.expect if "parent" in e}
	rows = [r for r in rows if r.message_id in wanted]
	by_id: dict[str, list] = {}
	for row in rows:
		by_id.setdefault(row.message_id, []).append(row)
	tickets = {
		t.name: t
		for t in frappe.get_all(
			"Ticket",
			{"name": ("in", list({r.reference_name for r in rows} or [""]))},
			["name", "subject", "raised_by", "status"],
		)
	}
	files = {
		f.attached_to_name: f.file_size
		for f in frappe.get_all(
			"File",
			{
				"attached_to_doctype": "Communication",
				"attached_to_name": ("in", [r.name for r in rows] or [""]),
			},
			["attached_to_name", "file_size"],
		)
		if f.file_size and f.file_size > 1000
	}
	problems = []
	unhandled = set(frappe.get_all("Unhandled Email", {"email_account": account}, pluck="message_id"))

	def one(message_id):
		found = by_id.get(message_id, [])
		if len(found) != 1:
			problems.append(f"{message_id}: {len(found)} communications")
			return None
		return found[0]

	for e in batch.expect:
		kind, message_id = e["kind"], e["message_id"]
		if kind == "rejected":
			if by_id.get(message_id):
				problems.append(f"{message_id}: rejected mail taken in")
			if f"<{message_id}>" not in unhandled:
				problems.append(f"{message_id}: no Unhandled Email")
			continue
		comm = one(message_id)
		if not comm:
			continue
		ticket = tickets.get(comm.reference_name)
		if not ticket:
			problems.append(f"{message_id}: on no ticket")
			continue
		if kind == "new":
			if (ticket.subject, ticket.raised_by) != (e["subject"], e["sender"]):
				problems.append(f"{message_id}: ticket {ticket.subject!r} from {ticket.raised_by}")
			if e.get("body") and e["body"] not in (comm.content or ""):
				problems.append(f"{message_id}: body {comm.content!r}")
			if e.get("attachment", 0) > 1000 and files.get(comm.name) != e["attachment"]:
				problems.append(f"{message_id}: attachment {files.get(comm.name)} of {e['attachment']} bytes")
		elif kind == "reply":
			parent = one(e["parent"])
			if parent and parent.reference_name != comm.reference_name:
				problems.append(f"{message_id}: reply on {comm.reference_name}, not {parent.reference_name}")
		elif kind == "follow_up":
			closed = frappe.db.get_value("Communication", {"message_id": e["closed"]}, "reference_name")
			if comm.reference_name == closed or ticket.status != "Open":
				problems.append(f"{message_id}: follow-up on {comm.reference_name} ({ticket.status})")
			if frappe.db.get_value("Ticket", closed, "status") != "Closed":
				problems.append(f"{closed}: the closed ticket was reopened")
	expected_tickets = batch.count("new") + batch.count("follow_up")
	if len(tickets) != expected_tickets:
		problems.append(f"{len(tickets)} tickets, expected {expected_tickets}")
	return problems
