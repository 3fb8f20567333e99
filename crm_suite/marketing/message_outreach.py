"""Campaign steps by SMS or WhatsApp template (crm_suite.marketing.outreach hands such steps here).

- Recipients are the segment's members with a valid mobile number (else phone), in E.164 form; the
  Campaign Send Log's recipient is that number, so the unique (campaign, step, recipient) index makes
  each number get the step once, even when two members share it.
- Consent: a member is sent only when the number's Channel Consent for the step's channel is *Opted In*
  (a START message, the desk, a Data Import). An opt-out (STOP, or recorded in the desk) logs the member as
  *Unsubscribed*, no consent at all as *No Consent*; neither gets anything.
- Once only across a dying worker: a message leaves the building through an HTTP call that no database
  transaction can take back, so the log row is committed as *Sending* before the call and set to *Sent*
  (with the Interaction logged on the member) after it. A worker that dies in between leaves the row
  *Sending*: the next run skips that number (at most once; the row says it may not have gone).
- One member's failure (a template that does not render for them, a gateway or WhatsApp refusing the
  number) is a *Failed* row and an Error Log; the rest go on. A step whose every row failed stays Pending.
"""

import frappe
from frappe import _
from frappe.query_builder import DocType
from jinja2 import TemplateError

from crm_suite.crm import messaging
from crm_suite.utils.contact_details import normalise_phone

NUMBER_FIELDS = ("mobile_no", "phone")


def _sources(step) -> list[str]:
	if step.channel == "SMS":
		return [step.sms_text or ""]
	return [line for line in (step.template_params or "").splitlines() if line.strip()]


def consents(numbers: list[str], channel: str) -> dict[str, str]:
	if not numbers:
		return {}
	Consent = DocType("Channel Consent")
	return dict(
		frappe.qb.from_(Consent)
		.select(Consent.phone, Consent.status)
		.where((Consent.channel == channel) & Consent.phone.isin(numbers))
		.run()
	)


def send_message_step(campaign, step, segment, chunk_size: int, tick=None) -> dict | None:
	from crm_suite.marketing import outreach

	counts = {"queued": 0, "unsubscribed": 0, "failed": 0, "skipped": 0}
	sources = _sources(step)
	try:
		compiled = outreach.compile_templates(*sources)
	except TemplateError as e:
		outreach._log_campaign_error(
			campaign.name,
			_("Campaign {0}: step {1} does not compile").format(campaign.name, step.idx),
			_("The step stays Pending until its text is fixed: {0}").format(e),
		)
		return None
	used = outreach.template_fields(segment.based_on, sources)
	columns = set(frappe.get_meta(segment.based_on).get_valid_columns())
	numbers = [f for f in NUMBER_FIELDS if f in columns]
	fields = ["*"] if used is None else sorted({"name", *numbers, *used})
	region = messaging.region()
	campaign_ctx = campaign.as_dict(no_default_fields=False)

	for members in outreach.member_chunks(segment, fields, chunk_size):
		by_number: dict[str, dict] = {}
		for member in members:
			for field in numbers:
				if e164 := normalise_phone(member.get(field), region):
					by_number.setdefault(e164, member)
					break
		already = outreach.logged_recipients(campaign.name, step.name, list(by_number))
		consent = consents(list(by_number), step.channel)
		for number, member in by_number.items():
			if number in already:
				continue
			status = send_to_member(
				campaign, step, segment.based_on, member, number, consent.get(number), compiled, campaign_ctx
			)
			counts[status] += 1
			if tick:
				tick()
		frappe.db.commit()
	return counts


def send_to_member(campaign, step, member_doctype, member, number, consent, templates, campaign_ctx) -> str:
	log = frappe.get_doc(
		{
			"doctype": "Campaign Send Log",
			"campaign": campaign.name,
			"schedule_step": step.name,
			"day_offset": step.day_offset,
			"channel": step.channel,
			"recipient": number,
			"reference_doctype": member_doctype,
			"reference_name": member.get("name"),
			"status": "Sending"
			if consent == "Opted In"
			else "Unsubscribed"
			if consent == "Opted Out"
			else "No Consent",
		}
	)
	try:
		log.insert(ignore_permissions=True, ignore_links=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		frappe.db.rollback()
		return "skipped"  # another worker got there first
	frappe.db.commit()  # Sending is durable before the message leaves: a re-run never sends it twice
	if log.status != "Sending":
		return "unsubscribed"
	context = {**member, "doc": member, "campaign": campaign_ctx}
	try:
		rendered = [t.render(context) for t in templates]
		if step.channel == "SMS":
			message_id, kind = messaging.send_to_number("SMS", number, rendered[0])
		else:
			message_id, kind = messaging.send_to_number(
				"WhatsApp",
				number,
				template=step.whatsapp_template,
				params=rendered,
				language=step.template_language,
			)
		interaction = messaging.log_outbound(
			member_doctype,
			member.get("name"),
			step.channel,
			number,
			message_id,
			kind,
			rendered[0] if step.channel == "SMS" else None,
			step.whatsapp_template if step.channel == "WhatsApp" else None,
			rendered if step.channel == "WhatsApp" else None,
		)
	except (frappe.ValidationError, TemplateError, AttributeError, TypeError) as e:
		frappe.db.rollback()
		frappe.local.message_log = []
		frappe.log_error(
			title=_("Campaign {0}: no {1} to {2}").format(campaign.name, _(step.channel), number),
			reference_doctype="Campaign",
			reference_name=campaign.name,
		)
		frappe.db.set_value(
			"Campaign Send Log", log.name, {"status": "Failed", "error": str(e)[:1000] or type(e).__name__}
		)
		frappe.db.commit()
		return "failed"
	frappe.db.set_value("Campaign Send Log", log.name, {"status": "Sent", "interaction": interaction})
	frappe.db.commit()
	return "queued"
