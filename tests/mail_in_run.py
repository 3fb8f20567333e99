"""One committed pull of a mixed batch through dovecot, as the scheduler's pull runs it (a commit per
mail): used by the mail-in test at a small size and by benchmarks/service_email_in.py at 1,000.
Everything it makes is deleted by `cleanup`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import frappe

from tests.mail_samples import Batch, mixed_batch, text_mail, verify
from tests.mailserver import MailServer


def imap_account(server: MailServer, folder: str, name: str, email_id: str, **kw):
	"""A new IMAP folder on the server and an incoming Email Account (not committed) that reads it into
	Tickets."""
	imap = server.connect()
	try:
		assert imap.create(folder)[0] == "OK"
	finally:
		imap.logout()
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": name,
			"email_id": email_id,
			"login_id_is_different": 1,
			"login_id": server.user,
			"password": server.password,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": "127.0.0.1",
			"incoming_port": server.port,
			"email_sync_option": "UNSEEN",
			"append_to": "Ticket",
			"imap_folder": [{"folder_name": folder, "append_to": "Ticket"}],
			**kw,
		}
	).insert(ignore_permissions=True)


def make_account(server: MailServer, folder: str, tag: str):
	account = imap_account(server, folder, f"Mail In Run {tag}", f"support-{tag}@example.com")
	frappe.db.commit()
	return account


def receive(account_name: str):
	return frappe.get_doc("Email Account", account_name).receive(commit=True)


def closed_tickets(
	server: MailServer, account, folder: str, tag: str, count: int
) -> list[tuple[str, str, str]]:
	"""Tickets made by mail and closed, for follow-ups; the first pull also records the folder's
	UIDVALIDITY, as an account in service has."""
	old = []
	for i in range(count):
		old.append((f"{tag}-old-{i}@mail.example.com", f"old-{tag}-{i}@example.com", f"Old issue {i}"))
	server.deliver(*(text_mail(s, account.email_id, subj, "old", m) for m, s, subj in old), folder=folder)
	receive(account.name)
	for message_id, _, _ in old:
		name = frappe.db.get_value("Communication", {"message_id": message_id}, "reference_name")
		ticket = frappe.get_doc("Ticket", name)
		for status in ("Resolved", "Closed"):
			ticket.status = status
			ticket.flags.system_transition = True
			ticket.save(ignore_permissions=True)
	frappe.db.commit()
	return old


def pull_batch(
	server: MailServer, n: int, tag: str, large_size: int = 5_000_000, large_every: int = 100
) -> tuple[object, Batch, float, list[str], object]:
	"""Deliver n mixed mails, pull once (timed), verify. Returns (result, batch, seconds, problems, account)."""
	folder = f"Run-{tag}"
	account = make_account(server, folder, tag)
	closed = closed_tickets(server, account, folder, tag, max(1, n // 100))
	batch = mixed_batch(n, account.email_id, closed, tag, large_every=large_every, large_size=large_size)
	server.deliver(*batch.mails, folder=folder)
	started = time.monotonic()
	result = receive(account.name)
	seconds = time.monotonic() - started
	frappe.db.rollback()
	return result, batch, seconds, verify(batch, account.name), account


def cleanup(account_name: str) -> None:
	"""Delete what the pulls made, set-based: the account's communications, their tickets (and the
	follow-ups), files on disk, comments, assignments, notifications, rejections and error logs."""
	frappe.db.rollback()
	comms = frappe.get_all(
		"Communication", {"email_account": account_name}, ["name", "reference_name", "sender", "recipients"]
	)
	# Frappe makes a Contact for each address of a mail (Email Account "Create Contact")
	addresses = list({a for c in comms for a in (c.sender, c.recipients) if a and "@" in a})
	tickets = list({c.reference_name for c in comms if c.reference_name})
	# follow-ups and their comments name the closed ticket
	names = [c.name for c in comms]
	for chunk in chunks(names):
		files = frappe.get_all(
			"File", {"attached_to_doctype": "Communication", "attached_to_name": ("in", chunk)}, pluck="name"
		)
		for file in files:
			frappe.get_doc("File", file).delete_file_data_content()  # the file on disk
		if files:
			frappe.db.delete("File", {"name": ("in", files)})
		# File's own "Attachment" / "Attachment Removed" comments on the communication
		frappe.db.delete("Comment", {"reference_doctype": "Communication", "reference_name": ("in", chunk)})
		frappe.db.delete("Communication Link", {"parent": ("in", chunk)})
		frappe.db.delete("Version", {"ref_doctype": "Communication", "docname": ("in", chunk)})
		frappe.db.delete("Communication", {"name": ("in", chunk)})
	for chunk in chunks(tickets):
		frappe.db.delete("Comment", {"reference_doctype": "Ticket", "reference_name": ("in", chunk)})
		frappe.db.delete("ToDo", {"reference_type": "Ticket", "reference_name": ("in", chunk)})
		frappe.db.delete("Notification Log", {"document_type": "Ticket", "document_name": ("in", chunk)})
		frappe.db.delete("Version", {"ref_doctype": "Ticket", "docname": ("in", chunk)})
		actions = frappe.get_all(
			"Workflow Action", {"reference_doctype": "Ticket", "reference_name": ("in", chunk)}, pluck="name"
		)
		if actions:
			frappe.db.delete("Workflow Action Permitted Role", {"parent": ("in", actions)})
			frappe.db.delete("Workflow Action", {"name": ("in", actions)})
		frappe.db.delete("Ticket", {"name": ("in", chunk)})
	for chunk in chunks(addresses):
		contacts = frappe.get_all("Contact Email", {"email_id": ("in", chunk)}, pluck="parent")
		if contacts:
			for child in ("Contact Email", "Contact Phone", "Dynamic Link"):
				frappe.db.delete(child, {"parent": ("in", contacts), "parenttype": "Contact"})
			frappe.db.delete("Contact", {"name": ("in", contacts)})
	frappe.db.delete("Unhandled Email", {"email_account": account_name})
	frappe.db.delete("Error Log", {"reference_doctype": "Email Account", "reference_name": account_name})
	# rows, not delete_doc: no Deleted Document copies left behind
	frappe.db.delete("IMAP Folder", {"parent": account_name, "parenttype": "Email Account"})
	frappe.db.delete("__Auth", {"doctype": "Email Account", "name": account_name})
	frappe.db.delete("Email Account", {"name": account_name})
	frappe.db.commit()


def chunks(items: list, size: int = 500):
	for i in range(0, len(items), size):
		yield items[i : i + size]


def load_average() -> str:
	return " ".join(f"{x:.1f}" for x in os.getloadavg())


APP_ROOT = Path(__file__).resolve().parents[1]
