"""Call events from any PBX: a token-authenticated webhook.

POST /api/method/crm_suite.crm.telephony.call_event
Header: X-Webhook-Token: <Contact Center Settings › Webhook Token>
(not the Authorization header: Frappe reads that itself as OAuth / API-key credentials.)
JSON body: {"event_id": "pbx-123-1", "event": "ringing|answered|ended|missed", "call_id": "pbx-123",
            "from": "+49 30 1234567", "to": "...", "direction": "Inbound|Outbound",
            "agent": "agent@example.com", "timestamp": "2026-11-23 10:00:00", "duration": 95}

- Missing token → 401, wrong token → 403; nothing is written either way.
- Each event id is recorded once (Call Event Log is named by it): a replay answers "duplicate" and changes nothing.
- The caller's number (the `to` number for outbound calls) is normalised to E.164 with `phonenumbers` and
  matched (indexed, as the funnel's duplicate check) to a Customer, then a Contact (and its Customer), then
  a Lead. A number that cannot be parsed is
  kept as given and the Interaction is flagged `invalid_phone`.
- All events of one call (same call_id) update one Interaction (channel Call).
- A missed call creates a call-back ToDo for the next agent in Contact Center Settings, round robin.
- Unknown valid numbers create a Lead when the settings say so.
"""

import hmac
import json

import frappe
from frappe import _
from frappe.model.naming import parse_naming_series
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import cint, get_datetime, now_datetime, time_diff_in_seconds

from crm_suite.sales.contact_lookup import records_with_phones
from crm_suite.utils.contact_details import normalise_phone
from crm_suite.utils.i18n import user_language

EVENTS = ("ringing", "answered", "ended", "missed")
CALL_STATUS = {"ringing": "Ringing", "answered": "Answered", "ended": "Ended", "missed": "Missed"}
SETTINGS = "Contact Center Settings"


class CallEventError(frappe.ValidationError):
	http_status_code = 400


# ---------------------------------------------------------------- authentication


def _request_token() -> str | None:
	return (frappe.get_request_header("X-Webhook-Token") or "").strip() or None


def check_token(token: str | None) -> None:
	"""401 without a token, 403 with a wrong one (or when no token is configured)."""
	if not token:
		raise frappe.AuthenticationError(_("The call webhook needs a token."))
	expected = frappe.utils.password.get_decrypted_password(
		SETTINGS, SETTINGS, "webhook_token", raise_exception=False
	)
	if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
		raise frappe.PermissionError(_("The call webhook token is not valid."))


@frappe.whitelist(allow_guest=True, methods=["POST"])
def call_event(**kwargs) -> dict:
	check_token(_request_token())
	payload = {k: v for k, v in frappe.form_dict.items() if k != "cmd"}
	return handle_call_event(payload)


# ---------------------------------------------------------------- matching


def match_number(e164: str | None) -> dict:
	"""The Customer / Contact / Lead a normalised number belongs to: {"customer", "contact", "lead"}.

	The lookup is the funnel's duplicate check (`crm_suite.sales.contact_lookup`, indexed `IN` queries on
	stored digits and E.164 numbers): the oldest enabled Customer, else the oldest Contact (and its
	Customer), else the newest unconverted Lead (a converted one when there is no other).
	"""
	if not e164:
		return {}
	found = records_with_phones([e164])
	customers = [r for r in found["Customer"] if not r.disabled]
	if customers:
		return {"customer": customers[0].name}
	if found["Contact"]:
		contact = found["Contact"][0]
		return {"contact": contact.name, "customer": contact.customer}
	leads = sorted(reversed(found["Lead"]), key=lambda r: r.status == "Converted")
	if leads:
		return {"lead": leads[0].name, "customer": leads[0].customer}
	return {}


# ---------------------------------------------------------------- round robin


def next_callback_agent() -> str | None:
	"""The enabled call-back agent whose last call-back ToDo is oldest (never assigned first)."""
	Agent = DocType("Contact Center Agent")
	User = DocType("User")
	ToDo = DocType("ToDo")
	last = (
		frappe.qb.from_(ToDo)
		.select(ToDo.allocated_to, Max(ToDo.creation).as_("last_at"))
		.where(ToDo.reference_type == "Interaction")
		.groupby(ToDo.allocated_to)
	).as_("last")
	rows = (
		frappe.qb.from_(Agent)
		.join(User)
		.on(User.name == Agent.user)
		.left_join(last)
		.on(last.allocated_to == Agent.user)
		.select(Agent.user)
		.where((Agent.parent == SETTINGS) & (Agent.parenttype == SETTINGS) & (User.enabled == 1))
		.orderby(last.last_at.isnotnull())
		.orderby(last.last_at)
		.orderby(Agent.idx)
		.limit(1)
	).run(pluck=True)
	return rows[0] if rows else None


def create_callback_todo(interaction) -> str | None:
	agent = next_callback_agent()
	if not agent:
		return None
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": agent,
			"reference_type": "Interaction",
			"reference_name": interaction.name,
			"priority": "High",
			"date": frappe.utils.today(),
			"description": _("Call back {0} (missed call)", lang=user_language(agent)).format(
				interaction.normalised_phone
				or interaction.phone_number
				or _("unknown number", lang=user_language(agent))
			),
		}
	)
	todo.insert(ignore_permissions=True)
	return todo.name


# ---------------------------------------------------------------- events


def _parse_payload(payload: dict) -> frappe._dict:
	p = frappe._dict(payload)
	p.event_id = str(p.get("event_id") or "").strip()
	p.event = str(p.get("event") or "").strip().lower()
	if not p.event_id or len(p.event_id) > 140:
		frappe.throw(_("A call event needs an event_id (at most 140 characters)."), CallEventError)
	if p.event not in EVENTS:
		frappe.throw(
			_("Unknown call event {0}; expected one of {1}.").format(p.event, ", ".join(EVENTS)),
			CallEventError,
		)
	p.call_id = str(p.get("call_id") or p.event_id).strip()[:140]
	direction = str(p.get("direction") or "Inbound").strip().capitalize()
	if direction not in ("Inbound", "Outbound"):
		frappe.throw(_("direction must be Inbound or Outbound."), CallEventError)
	p.direction = direction
	p.number = str((p.get("to") if direction == "Outbound" else p.get("from")) or "").strip()[:140]
	try:
		p.timestamp = get_datetime(p.get("timestamp")) if p.get("timestamp") else now_datetime()
	except Exception:
		frappe.throw(_("timestamp is not a date and time: {0}").format(p.get("timestamp")), CallEventError)
	if p.timestamp and p.timestamp.tzinfo:
		p.timestamp = p.timestamp.replace(tzinfo=None)
	p.duration = cint(p.get("duration")) if p.get("duration") not in (None, "") else None
	if p.duration is not None and p.duration < 0:
		frappe.throw(_("duration cannot be negative."), CallEventError)
	agent = str(p.get("agent") or "").strip()
	p.agent = agent if agent and frappe.db.exists("User", agent) else None
	return p


def lock_interaction_series() -> None:
	"""Takes the Interaction naming series' row lock (held to commit) before the call's locking read.

	The read below locks the call's place in the `call_id` index (a gap lock while the call has no
	Interaction yet), and a new Interaction needs the series row. Any other Interaction insert (a web
	lead's enquiry, a logged call) takes the series row first and then inserts into that index: with the
	read first, each session held what the other waited for (a deadlock under the load test). In this
	order every Interaction writer queues on the series row, which all inserts pass through anyway."""
	series = frappe.get_meta("Interaction").get_field("naming_series")
	prefix = parse_naming_series((series.default or series.options or "").split("\n")[0])
	if prefix:
		series = DocType("Series")
		frappe.qb.from_(series).select(series.current).where(series.name == prefix).for_update().run()


def handle_call_event(payload: dict) -> dict:
	"""Record one call event. Returns {"status": "recorded"|"duplicate", "interaction", "todo", ...}."""
	p = _parse_payload(payload)
	if frappe.db.exists("Call Event Log", p.event_id):
		return {"status": "duplicate", "event_id": p.event_id}
	log = frappe.get_doc(
		{
			"doctype": "Call Event Log",
			"event_id": p.event_id,
			"event": p.event,
			"call_id": p.call_id,
			"phone_number": p.number,
			"payload": json.dumps(payload, default=str)[:65000],
		}
	)
	try:
		log.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		return {"status": "duplicate", "event_id": p.event_id}

	settings = frappe._dict(frappe.db.get_singles_dict(SETTINGS))
	region = (settings.default_region or "").strip().upper() or None
	e164 = normalise_phone(p.number, region)

	lock_interaction_series()
	name = frappe.db.get_value(
		"Interaction",
		{"call_id": p.call_id, "channel": "Call"},
		"name",
		order_by="creation desc",
		for_update=True,
	)
	lead_created = False
	if name:
		interaction = frappe.get_doc("Interaction", name)
	else:
		interaction = frappe.new_doc("Interaction")
		interaction.update(
			{
				"channel": "Call",
				"direction": p.direction,
				"interaction_time": p.timestamp,
				"call_id": p.call_id,
				"phone_number": p.number,
				"normalised_phone": e164,
				"invalid_phone": 0 if e164 else 1,
				"agent": p.agent or "",  # "" keeps the "__user" default (the webhook runs as Guest) out
			}
		)
		match = match_number(e164)
		if not match and e164 and cint(settings.create_lead_for_unknown):
			match = {"lead": create_lead_for_number(e164, settings, p.agent)}
			lead_created = True
		_link(interaction, match)
		interaction.subject = _("{0} call from {1}").format(
			_(p.direction), e164 or p.number or _("unknown number")
		)
		if p.direction == "Outbound":
			interaction.subject = _("Outbound call to {0}").format(e164 or p.number or _("unknown number"))

	interaction.call_status = CALL_STATUS[p.event]
	if p.agent:
		interaction.agent = p.agent
	if p.event == "answered":
		interaction.outcome = "Connected"
	elif p.event == "missed":
		interaction.outcome = "No Answer"
	elif p.event == "ended":
		if p.duration is not None:
			interaction.duration = p.duration
		elif interaction.interaction_time:
			interaction.duration = max(
				int(time_diff_in_seconds(p.timestamp, interaction.interaction_time)), 0
			)
		if not interaction.outcome:
			interaction.outcome = "Connected"
	interaction.flags.ignore_permissions = True
	interaction.save() if name else interaction.insert()
	frappe.db.set_value("Call Event Log", log.name, "interaction", interaction.name, update_modified=False)

	todo = create_callback_todo(interaction) if p.event == "missed" else None
	return {
		"status": "recorded",
		"event_id": p.event_id,
		"interaction": interaction.name,
		"customer": interaction.customer,
		"lead": interaction.lead,
		"contact": interaction.contact,
		"invalid_phone": interaction.invalid_phone,
		"todo": todo,
		"lead_created": lead_created,
	}


def _link(interaction, match: dict) -> None:
	interaction.customer = match.get("customer")
	interaction.lead = match.get("lead")
	interaction.contact = match.get("contact")
	if match.get("customer"):
		interaction.reference_doctype, interaction.reference_name = "Customer", match["customer"]
	elif match.get("lead"):
		interaction.reference_doctype, interaction.reference_name = "Lead", match["lead"]


def create_lead_for_number(e164: str, settings, agent: str | None) -> str:
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": _("Caller"),
			"last_name": e164,
			"phone": e164,
			"source": settings.unknown_caller_lead_source
			if settings.unknown_caller_lead_source
			and frappe.db.exists("Lead Source", settings.unknown_caller_lead_source)
			else None,
			"lead_owner": agent or "",
		}
	)
	lead.insert(ignore_permissions=True)
	return lead.name
