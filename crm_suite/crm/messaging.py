"""SMS and WhatsApp conversations: every message is an Interaction on the customer's one timeline.

- Each message carries its channel's id (`message_id`, "SMS:…" / "WhatsApp:wamid…", unique in the table):
  a webhook replayed, or two concurrent deliveries of the same message, store it once.
- `conversation` is the channel and the customer's E.164 number: the thread of a conversation.
- Inbound: the number is matched as the call webhook matches it (Customer, Contact, Lead:
  crm_suite.crm.telephony.match_number). A conversation that is open on a ticket (a previous message
  of the same conversation is on a ticket that is not Closed) stays on that ticket. An unknown number
  makes a Lead or a Ticket (Contact Center Settings, per channel), which Frappe's Assignment Rules route
  like any other. "STOP" (and its kin) records an opt-out, "START" an opt-in (Channel Consent).
- Outbound (`send_message`): from a Lead, Customer, Opportunity or Ticket, by a user who may write it; a
  reply on a ticket goes out on the channel and to the number the customer used. Opted-out numbers are
  refused; WhatsApp free-form text only within 24 hours of the customer's last message (else a template).
- Delivery reports move `delivery_status` forward only (Queued → Sent → Delivered → Read; Failed).
"""

import hashlib

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html, get_datetime, now_datetime

from crm_suite.crm.messaging_rules import (
	CHANNELS,
	consent_keyword,
	conversation_key,
	next_delivery_status,
	within_window,
)
from crm_suite.crm.telephony import match_number
from crm_suite.utils.contact_details import normalise_phone

SETTINGS = "Contact Center Settings"
SAVEPOINT = "channel_message"
SENDABLE = ("Lead", "Customer", "Opportunity", "Ticket")
SUBJECT_LENGTH = 120
LOCK_TIMEOUT = 10  # seconds a message waits for another of its conversation


class MessagePayloadError(frappe.ValidationError):
	http_status_code = 400


def settings():
	"""Contact Center Settings from Frappe's document cache (cleared when they are saved): read per message."""
	return frappe.get_cached_doc(SETTINGS)


def region(s=None) -> str | None:
	return ((s or settings()).default_region or "").strip().upper() or None


def subject_for(direction: str, channel: str, text: str | None, fallback: str) -> str:
	body = " ".join((text or "").split())
	if len(body) > SUBJECT_LENGTH:
		body = body[: SUBJECT_LENGTH - 1] + "…"
	return body or fallback


# ---------------------------------------------------------------- consent


def validate_consent(doc) -> None:
	e164 = normalise_phone(doc.phone, region())
	if not e164:
		frappe.throw(_("{0} is not a valid phone number.").format(doc.phone))
	doc.phone = e164
	if doc.channel not in CHANNELS:
		frappe.throw(_("Consent is recorded for SMS or WhatsApp."))
	doc.recorded_on = doc.recorded_on or now_datetime()


def set_consent(phone: str, channel: str, status: str, source: str, links: dict | None = None) -> str:
	"""Record the number's consent for the channel (one row per number and channel, updated in place)."""
	name = frappe.db.get_value(
		"Channel Consent", {"phone": phone, "channel": channel}, "name", for_update=True
	)
	doc = frappe.get_doc("Channel Consent", name) if name else frappe.new_doc("Channel Consent")
	doc.update({"phone": phone, "channel": channel, "status": status, "source": source})
	doc.recorded_on = now_datetime()
	for key in ("customer", "contact", "lead"):
		if (links or {}).get(key):
			doc.set(key, links[key])
	doc.flags.ignore_permissions = True
	doc.save()
	return doc.name


def opted_out(phone: str | None, channel: str) -> bool:
	return bool(phone) and (
		frappe.db.get_value("Channel Consent", {"phone": phone, "channel": channel}, "status") == "Opted Out"
	)


# ---------------------------------------------------------------- inbound


def open_ticket_of(conversation: str | None) -> str | None:
	"""The ticket this conversation's latest message is on, if that ticket is not Closed."""
	if not conversation:
		return None
	Interaction = DocType("Interaction")
	Ticket = DocType("Ticket")
	rows = (
		frappe.qb.from_(Interaction)
		.join(Ticket)
		.on(Ticket.name == Interaction.reference_name)
		.select(Ticket.name)
		.where(
			(Interaction.conversation == conversation)
			& (Interaction.reference_doctype == "Ticket")
			& (Ticket.status != "Closed")
		)
		.orderby(Interaction.interaction_time, order=frappe.qb.desc)
		.limit(1)
	).run(pluck=True)
	return rows[0] if rows else None


def create_lead_for(e164: str, channel: str, s) -> str:
	source = s.unknown_caller_lead_source
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": _(channel),
			"last_name": e164,
			"mobile_no": e164,
			"source": source if source and frappe.db.exists("Lead Source", source) else None,
		}
	)
	lead.insert(ignore_permissions=True)
	return lead.name


def create_ticket_for(e164: str, channel: str, text: str | None) -> str:
	ticket = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": _("{0} from {1}").format(_(channel), e164),
			"description": escape_html(text or ""),
		}
	)
	ticket.insert(ignore_permissions=True)
	return ticket.name


class ConversationBusy(frappe.ValidationError):
	http_status_code = 429  # the gateway retries later


def hold_conversation_lock(conversation: str | None) -> None:
	"""Serialise the messages of one conversation until this transaction ends (MariaDB GET_LOCK, released
	after commit or rollback): two first messages from an unknown number arriving at once make one lead,
	not two: the lead the other message made is found by latest_link_of. Commits the caller's work first.
	"""
	if not conversation:
		return
	# The transaction so far is committed (a webhook has written nothing yet, or only the messages before
	# this one), so that after the lock a fresh snapshot sees what the previous holder committed.
	frappe.db.commit()
	key = "crm_suite:conversation:" + hashlib.sha1(conversation.encode()).hexdigest()[:32]
	if not frappe.db.sql("select get_lock(%s, %s)", (key, LOCK_TIMEOUT))[0][0]:
		raise ConversationBusy(_("Another message of this conversation is being stored; try again."))

	def release():
		frappe.db.sql("select release_lock(%s)", key)

	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)


def latest_link_of(conversation: str | None) -> dict:
	"""The Lead or Ticket the conversation's latest message is on. A plain read: the snapshot is fresh
	(hold_conversation_lock committed before taking the lock). Not a locking read: its shared gap locks on
	the conversation index made concurrent first messages of neighbouring numbers deadlock on insert."""
	if not conversation:
		return {}
	rows = frappe.db.sql(
		"""select reference_doctype, reference_name from `tabInteraction`
		where conversation = %s and reference_doctype in ('Lead', 'Ticket') and ifnull(reference_name, '') != ''
		order by creation desc limit 1""",
		conversation,
		as_dict=True,
	)
	return rows[0] if rows else {}


def link_inbound(channel: str, e164: str | None, conversation: str | None, text: str | None, s) -> dict:
	"""Where an inbound message goes: {"reference_doctype", "reference_name", "customer", "lead",
	"contact", "created"}."""
	match = match_number(e164)
	if not match:
		made = latest_link_of(conversation)  # made by a message that arrived just before this one
		if made.get("reference_doctype") == "Lead":
			match = {"lead": made["reference_name"]}
		elif made.get("reference_doctype") == "Ticket" and frappe.db.get_value(
			"Ticket", made["reference_name"], "status"
		) not in (None, "Closed"):
			return {"reference_doctype": "Ticket", "reference_name": made["reference_name"]}
	ticket = open_ticket_of(conversation)
	if ticket:
		return {**match, "reference_doctype": "Ticket", "reference_name": ticket}
	if match.get("customer"):
		return {**match, "reference_doctype": "Customer", "reference_name": match["customer"]}
	if match.get("lead"):
		return {**match, "reference_doctype": "Lead", "reference_name": match["lead"]}
	if not e164:
		return {}
	action = s.get("sms_unknown_sender" if channel == "SMS" else "whatsapp_unknown_sender") or "Create a Lead"
	if action == "Create a Lead":
		lead = create_lead_for(e164, channel, s)
		return {"lead": lead, "reference_doctype": "Lead", "reference_name": lead, "created": "Lead"}
	if action == "Create a Ticket":
		ticket = create_ticket_for(e164, channel, text)
		return {"reference_doctype": "Ticket", "reference_name": ticket, "created": "Ticket"}
	return {}


def stored_message(mid: str) -> bool:
	"""Whether this message id is stored (the unique message_id index)."""
	Interaction = DocType("Interaction")
	return bool(
		frappe.qb.from_(Interaction)
		.select(Interaction.name)
		.where(Interaction.message_id == mid)
		.limit(1)
		.run()
	)


def record_inbound(
	channel: str,
	message_id: str,
	number: str,
	text: str | None = None,
	timestamp=None,
	message_type: str = "text",
	fetch_media=None,
	batch=None,
) -> dict:
	"""Store one inbound message (once per message id). `fetch_media()` returns [(file name, bytes)] to
	attach (WhatsApp media); it runs only for a message not stored before. `batch` (the inbox job's, which
	stores one message at a time, in order: crm_suite.crm.messaging_inbox.Batch) has matched the batch's
	numbers, found their open tickets and its stored ids beforehand; no conversation lock is taken then
	(the job runs alone), nor a commit."""
	mid = f"{channel}:{message_id}"
	if batch.is_stored(mid) if batch else stored_message(mid):
		return {"status": "duplicate", "message_id": message_id}
	s = settings()
	e164 = normalise_phone(number, region(s))
	conversation = conversation_key(channel, e164 or number)
	link = batch.link(e164, conversation) if batch else None
	if batch is None:
		hold_conversation_lock(conversation)
	elif link is None or link["reference_doctype"] == "Ticket":
		# The batch's transaction holds the Interaction series; a lead or ticket this message may make or
		# change takes its own locks first (as the webhook does: lead, then Interaction): commit, so the two
		# lock orders never meet (a deadlock).
		frappe.db.commit()
	frappe.db.savepoint(SAVEPOINT)
	try:
		if link is None:
			link = link_inbound(channel, e164, conversation, text, s)
		interaction = frappe.get_doc(
			{
				"doctype": "Interaction",
				"channel": channel,
				"direction": "Inbound",
				"interaction_time": timestamp or now_datetime(),
				"phone_number": number,
				"normalised_phone": e164,
				"invalid_phone": 0 if e164 else 1,
				"message_id": mid,
				"conversation": conversation,
				"message_type": message_type,
				"delivery_status": "Delivered",
				"subject": subject_for(
					"Inbound", channel, text, _("{0} from {1}").format(_(channel), e164 or number)
				),
				"notes": escape_html(text or "").replace("\n", "<br>"),
				"reference_doctype": link.get("reference_doctype"),
				"reference_name": link.get("reference_name"),
				"contact": link.get("contact"),
				"agent": "",
			}
		)
		# The links are the records just matched or made, and an inserted message has no history: Frappe's
		# link check (a query per link field) and its Version (none for an insert) would write nothing.
		interaction.flags.ignore_version = True
		interaction.insert(ignore_permissions=True, ignore_links=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		frappe.db.rollback(save_point=SAVEPOINT)  # a concurrent delivery of the same message stored it
		return {"status": "duplicate", "message_id": message_id}
	if batch:
		batch.stored(mid, e164, conversation, link)
	if interaction.reference_doctype == "Ticket" and not link.get("created"):
		on_ticket_message(interaction.reference_name, number)
	files = []
	for file_name, content in fetch_media() if fetch_media else []:
		files.append(save_media(interaction.name, file_name, content))
	consent = consent_keyword(text) if message_type == "text" else None
	if consent and e164:
		set_consent(e164, channel, consent, _("{0} message").format(_(channel)), link)
	return {
		"status": "recorded",
		"message_id": message_id,
		"interaction": interaction.name,
		"reference_doctype": interaction.reference_doctype,
		"reference_name": interaction.reference_name,
		"customer": interaction.customer,
		"lead": interaction.lead,
		"created": link.get("created"),
		"consent": consent,
		"files": files,
	}


def on_ticket_message(ticket_name: str, number: str) -> None:
	"""The customer writes on a ticket, as by email (crm_suite.service.email_in): a Resolved ticket reopens,
	one waiting on them resumes."""
	from crm_suite.service.email_in import set_status

	ticket = frappe.get_doc("Ticket", ticket_name)
	if ticket.status == "Resolved":
		set_status(ticket, "Open", _("Reopened by a message from {0}").format(number))
	elif ticket.status == "Waiting on Customer":
		set_status(ticket, "In Progress", _("The customer replied"))


def save_media(interaction: str, file_name: str, content: bytes) -> str:
	"""A private File on the Interaction. An image Frappe can't read (it strips a JPEG's EXIF data) is kept
	as it came, under a .bin name, rather than losing the message."""

	def insert(name: str) -> str:
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": name,
				"attached_to_doctype": "Interaction",
				"attached_to_name": interaction,
				"is_private": 1,
				"content": content,
			}
		)
		file.insert(ignore_permissions=True)
		return file.name

	frappe.db.savepoint("channel_media")
	try:
		return insert(file_name)
	except (OSError, ValueError, SyntaxError):
		frappe.db.rollback(save_point="channel_media")
		return insert(f"{file_name}.bin")


def record_status(channel: str, message_id: str, status: str, error: str | None = None) -> dict:
	"""Apply a delivery report to the outbound message it is about (forward only)."""
	mid = f"{channel}:{message_id}"
	row = frappe.db.get_value(
		"Interaction", {"message_id": mid}, ["name", "delivery_status"], as_dict=True, for_update=True
	)
	if not row:
		return {"status": "unknown", "message_id": message_id}
	new = next_delivery_status(row.delivery_status, status)
	values = {"delivery_status": new}
	if new == "Failed" and error:
		values["delivery_error"] = error[:1000]
	if new != row.delivery_status:
		frappe.db.set_value("Interaction", row.name, values, update_modified=False)
	return {"status": "recorded", "message_id": message_id, "interaction": row.name, "delivery_status": new}


# ---------------------------------------------------------------- outbound


def last_inbound(reference_doctype: str, reference_name: str, channel: str | None = None):
	"""The latest inbound SMS/WhatsApp message on the record: {channel, normalised_phone, interaction_time}."""
	Interaction = DocType("Interaction")
	query = (
		frappe.qb.from_(Interaction)
		.select(Interaction.channel, Interaction.normalised_phone, Interaction.interaction_time)
		.where(
			(Interaction.reference_doctype == reference_doctype)
			& (Interaction.reference_name == reference_name)
			& (Interaction.direction == "Inbound")
			& Interaction.channel.isin(channel and [channel] or list(CHANNELS))
			& Interaction.normalised_phone.isnotnull()
		)
		.orderby(Interaction.interaction_time, order=frappe.qb.desc)
		.limit(1)
	)
	rows = query.run(as_dict=True)
	return rows[0] if rows else None


def last_inbound_from(channel: str, e164: str):
	Interaction = DocType("Interaction")
	rows = (
		frappe.qb.from_(Interaction)
		.select(Interaction.interaction_time)
		.where(
			(Interaction.conversation == conversation_key(channel, e164))
			& (Interaction.direction == "Inbound")
		)
		.orderby(Interaction.interaction_time, order=frappe.qb.desc)
		.limit(1)
	).run(pluck=True)
	return get_datetime(rows[0]) if rows else None


def record_number(doc) -> str | None:
	"""The number the record is reached on (E.164): its mobile, else its phone; an opportunity's customer's
	or lead's; a ticket's contact's or customer's."""
	reg = region()
	if doc.doctype == "Opportunity":
		other = ("Customer", doc.customer) if doc.customer else ("Lead", doc.lead) if doc.lead else None
		return record_number(frappe.get_doc(*other)) if other else None
	if doc.doctype == "Ticket":
		if doc.contact:
			contact = frappe.get_doc("Contact", doc.contact)
			for number in (contact.mobile_no, contact.phone):
				if e164 := normalise_phone(number, reg):
					return e164
		return record_number(frappe.get_doc("Customer", doc.customer)) if doc.customer else None
	for number in (doc.get("mobile_no"), doc.get("phone")):
		if e164 := normalise_phone(number, reg):
			return e164
	return None


@frappe.whitelist(methods=["POST"])
def send_message(
	reference_doctype: str,
	reference_name: str,
	channel: str | None = None,
	message: str | None = None,
	template: str | None = None,
	template_params: list | str | None = None,
	template_language: str | None = None,
) -> dict:
	"""Send an SMS or a WhatsApp message from a record and log it as an outbound Interaction on it.

	Without `channel`, a ticket's reply goes out on the channel its customer last wrote on."""
	if reference_doctype not in SENDABLE:
		frappe.throw(
			_("Messages are sent from a Lead, Customer, Opportunity or Ticket."), MessagePayloadError
		)
	doc = frappe.get_doc(reference_doctype, reference_name)
	doc.check_permission("write")
	if not frappe.has_permission("Interaction", "create"):
		frappe.throw(_("You may not log interactions."), frappe.PermissionError)
	inbound = last_inbound(reference_doctype, reference_name, channel)
	channel = channel or (inbound.channel if inbound else None)
	if channel not in CHANNELS:
		frappe.throw(_("Choose SMS or WhatsApp."), MessagePayloadError)
	number = (inbound.normalised_phone if inbound else None) or record_number(doc)
	if not number:
		frappe.throw(_("{0} {1} has no valid mobile number.").format(_(reference_doctype), reference_name))
	if opted_out(number, channel):
		frappe.throw(_("{0} has opted out of {1} messages.").format(number, _(channel)))
	message = (message or "").strip()
	if isinstance(template_params, str):
		try:
			template_params = frappe.parse_json(template_params) if template_params.strip() else []
		except ValueError:
			frappe.throw(_("Template parameters must be a JSON list."), MessagePayloadError)
	if template_params is not None and not isinstance(template_params, list):
		frappe.throw(_("Template parameters must be a list."), MessagePayloadError)
	if channel == "SMS":
		if not message:
			frappe.throw(_("Write the message first."), MessagePayloadError)
		from crm_suite.crm import sms

		message_id = sms.send(number, message)
		message_type = "text"
	else:
		from crm_suite.crm import whatsapp

		if template:
			message_id = whatsapp.send_template(number, template, template_params or [], template_language)
			message_type = "template"
		else:
			if not message:
				frappe.throw(_("Write the message first."), MessagePayloadError)
			if not within_window(last_inbound_from("WhatsApp", number), now_datetime()):
				frappe.throw(
					_(
						"The customer has not written on WhatsApp in the last 24 hours: send an approved template."
					),
					title=_("Outside the 24-Hour Window"),
				)
			message_id = whatsapp.send_text(number, message)
			message_type = "text"
	interaction = log_outbound(
		reference_doctype,
		reference_name,
		channel,
		number,
		message_id,
		message_type,
		message,
		template if message_type == "template" else None,
		template_params,
		ignore_permissions=False,
	)
	if reference_doctype == "Ticket":
		# an agent's message is the ticket's first response, as an emailed reply is (SLA)
		from crm_suite.service.email_in import is_agent
		from crm_suite.service.sla import record_first_response

		if is_agent(frappe.session.user):
			record_first_response(reference_name, now_datetime())
	return {"interaction": interaction, "channel": channel, "to": number, "message_id": message_id}


def send_to_number(
	channel: str, number: str, text: str | None = None, template=None, params=None, language=None
):
	"""Send without a record's checks (campaign steps: the caller checked consent). Returns
	(message id, message type)."""
	if channel == "SMS":
		from crm_suite.crm import sms

		return sms.send(number, text or ""), "text"
	from crm_suite.crm import whatsapp

	if template:
		return whatsapp.send_template(number, template, params or [], language), "template"
	return whatsapp.send_text(number, text or ""), "text"


def log_outbound(
	reference_doctype: str | None,
	reference_name: str | None,
	channel: str,
	number: str,
	message_id: str,
	message_type: str,
	message: str | None,
	template: str | None = None,
	template_params: list | None = None,
	ignore_permissions: bool = True,
) -> str:
	"""The outbound message as an Interaction on the record (status Sent until the reports come)."""
	interaction = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": channel,
			"direction": "Outbound",
			"interaction_time": now_datetime(),
			"phone_number": number,
			"normalised_phone": number,
			"message_id": f"{channel}:{message_id}",
			"conversation": conversation_key(channel, number),
			"message_type": message_type,
			"template_name": template,
			"delivery_status": "Sent",
			"subject": subject_for(
				"Outbound", channel, message or template, _("{0} to {1}").format(_(channel), number)
			),
			"notes": escape_html(message or "").replace("\n", "<br>")
			or escape_html(f"{template} {template_params or ''}"),
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"agent": frappe.session.user if frappe.session.user != "Guest" else "",
		}
	)
	interaction.insert(ignore_permissions=ignore_permissions)
	return interaction.name
