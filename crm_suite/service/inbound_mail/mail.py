"""Frappe's InboundMail with the decoding of `decoding.py` (see there for the upstream behaviour each
method replaces). Remove a method here once Frappe decodes that part the same way."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.core.doctype.file.utils import get_random_filename
from frappe.email.receive import InboundMail
from frappe.utils import cstr

from crm_suite.service.inbound_mail.decoding import decode_header_value, decode_text, known_charset

SUBJECT_LENGTH = 140


class SupportInboundMail(InboundMail):
	body_charset: str | None = None

	def get_payload(self, part) -> str:
		declared = part.get_content_charset()
		if not self.body_charset and known_charset(declared):
			# a raw 8-bit header is most likely in the charset its mailer wrote the body in
			self.body_charset = declared
		payload = part.get_payload(decode=True)
		if payload is None:  # a multipart where a leaf was expected (malformed MIME)
			return cstr(part.get_payload()) if not part.is_multipart() else ""
		return decode_text(payload, declared)

	def set_subject(self) -> None:
		subject = decode_header_value(self.mail.get("Subject"), self.body_charset)
		self.subject = subject[:SUBJECT_LENGTH].strip() or _("No Subject")

	def set_from(self) -> None:
		if not (self.mail.get("X-Original-From") or self.mail.get("From")):
			# Frappe fails on it with a TypeError; it is rejected with a reason a person can read
			frappe.throw(_("The mail has no sender (no From header)"), frappe.ValidationError)
		super().set_from()
		if self.from_real_name:
			self.from_real_name = self.from_real_name.strip()

	def decode_email(self, email) -> str | None:
		"""Frappe's `decode_email` (quotes dropped so `parse_addr` reads the name), every part kept."""
		if not email:
			return None
		text = decode_header_value(email, self.body_charset)
		return text.replace('"', " ").replace("'", " ")

	def get_attachment(self, part) -> None:
		content = part.get_payload(decode=True)
		if not content:
			return
		content_type = part.get_content_type()
		name = decode_header_value(part.get_filename(), self.body_charset).replace("/", "_")
		if not name or name in self.cid_map:
			name = get_random_filename(content_type=content_type)
		while name in self.cid_map:
			name = get_random_filename(content_type=content_type)
		self.attachments.append({"content_type": content_type, "fname": name, "fcontent": content})
		cid = (cstr(part.get("Content-Id")) or "").strip("><")
		if cid:
			self.cid_map[name] = cid

	def save_attachments_in_doc(self, doc):
		"""Frappe drops an attachment over the site's maximum file size without a word; here the
		ticket (or the communication) gets a comment naming it."""
		from frappe.utils.file_manager import get_max_file_size

		limit = get_max_file_size()
		too_large = [a for a in self.attachments if len(a["fcontent"] or b"") > limit]
		self.attachments = [a for a in self.attachments if a not in too_large]
		saved = super().save_attachments_in_doc(doc)
		if too_large:
			target = (
				frappe.get_doc(doc.reference_doctype, doc.reference_name)
				if doc.get("reference_doctype") and doc.get("reference_name")
				else doc
			)
			for attachment in too_large:
				target.add_comment(
					"Info",
					_(
						"The attachment {0} ({1} MB) of a mail from {2} was not kept: it is larger than {3} MB"
					).format(
						attachment["fname"],
						round(len(attachment["fcontent"]) / 1048576, 1),
						self.from_email,
						round(limit / 1048576, 1),
					),
				)
		return saved

	def show_attached_email_headers_in_content(self, part) -> None:
		"""Frappe reads the forwarded mail's headers raw and fails on a message/rfc822 part with no
		message in it; here they are decoded and an empty part is skipped."""
		from html import escape

		messages = list(part.walk())
		if len(messages) < 2:
			return
		message = messages[1]
		headers = []
		for key in ("From", "To", "Subject", "Date"):
			value = decode_header_value(message.get(key), self.body_charset)
			if value:
				headers.append(f"{_(key)}: {escape(value)}")
		self.text_content += "\n".join(headers)
		self.html_content += "<hr>" + "\n".join(f"<p>{h}</p>" for h in headers)
		if not message.is_multipart() and message.get_content_type() == "text/plain":
			text = self.get_payload(message)
			self.text_content += text
			self.html_content += frappe.utils.markdown(text)
