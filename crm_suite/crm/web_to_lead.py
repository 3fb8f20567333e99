"""Web-to-lead: lead capture from the public page /contact-us and from any site (REST).

POST /api/method/crm_suite.crm.web_to_lead.capture_lead   (no login)
  first_name, last_name, company_name, email, phone, message,
  utm_source, utm_medium, utm_campaign, campaign, and the honeypot field `website_url` (leave empty).

- Rate limited per IP (Contact Center Settings › Submissions per IP per Hour, default 10): beyond it, 429.
  Frappe takes the client address from `X-Forwarded-For`, which a client may forge, so two limits that no
  header lifts come on top (`enforce_submission_limits`): per submitted email (or phone) address,
  `PER_ADDRESS_LIMIT` an hour, and for the whole site, `SITE_LIMIT_FACTOR` × the per-IP limit an hour.
- Honeypot: a filled `website_url` gets the same answer as a real submission and writes nothing.
- Deduplicated with the funnel's duplicate finder (crm_suite.sales.duplicates.find_matches: same email,
  or same phone in E.164): an open Lead (New, Contacted, Qualified) gets the submission as an Interaction
  instead of a new Lead; else a known Customer (directly, through its Contact, or through a converted
  lead) gets it as an Interaction on the Customer. Everybody else becomes a new Lead (source Website
  unless UTM parameters say otherwise); one whose old lead was disqualified is flagged as its possible
  duplicate (the Lead's Duplicates table), so the enquiry is not lost and sales sees the history.
- The answer never says whether the person was already known.
"""

import hashlib
import time

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import cint, escape_html, validate_email_address

from crm_suite.sales.duplicates import OPEN_STATES, find_matches
from crm_suite.utils.contact_details import normalise_email, normalise_phone

HONEYPOT = "website_url"
SETTINGS = "Contact Center Settings"
MAX_LENGTHS = {
	"first_name": 100,
	"last_name": 100,
	"company_name": 140,
	"email": 140,
	"phone": 40,
	"utm_source": 140,
	"utm_medium": 140,
	"utm_campaign": 140,
	"campaign": 140,
	"message": 5000,
}


class WebLeadError(frappe.ValidationError):
	http_status_code = 400


def _limit() -> int:
	return cint(frappe.db.get_single_value(SETTINGS, "web_lead_rate_limit")) or 10


PER_ADDRESS_LIMIT = 5  # submissions per email (or phone) address and hour
SITE_LIMIT_FACTOR = 50  # submissions per site and hour: this many times the per-IP limit
WINDOW = 60 * 60


def site_limit() -> int:
	return SITE_LIMIT_FACTOR * _limit()


def _count(key: str) -> int:
	"""Adds one to this hour's counter `key` (Redis, shared by every worker) and returns it."""
	cache_key = frappe.cache.make_key(f"crm_web_lead:{key}:{int(time.time() // WINDOW)}")
	value = frappe.cache.incrby(cache_key, 1)
	if value == 1:
		frappe.cache.expire(cache_key, WINDOW)
	return value


def submission_address(data: dict) -> str:
	"""Who a submission says it is from: the normalised email, else the phone's digits."""
	email = normalise_email(str(data.get("email") or ""))
	if email:
		return "email:" + email
	digits = "".join(ch for ch in str(data.get("phone") or "") if ch.isdigit())
	return "phone:" + digits if digits else ""


def enforce_submission_limits(data: dict) -> None:
	"""The limits a forged client address does not lift: per submitted address and per site window."""
	too_many = _("Too many submissions. Please try again later.")
	if (address := submission_address(data)) and _count(
		"address:" + hashlib.sha256(address.encode()).hexdigest()
	) > PER_ADDRESS_LIMIT:
		frappe.throw(too_many, frappe.RateLimitExceededError)
	if _count("site") > site_limit():
		frappe.throw(too_many, frappe.RateLimitExceededError)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=_limit, seconds=60 * 60, methods=["POST"])
def capture_lead(**data) -> dict:
	data.pop("cmd", None)
	if not (data.get(HONEYPOT) or "").strip():  # the honeypot's answer stays the same, and it counts nowhere
		enforce_submission_limits(data)
	submit_web_lead(data)
	return {"status": "received", "message": _("Thank you, we will be in touch soon.")}


def clean(data: dict) -> frappe._dict:
	d = frappe._dict(
		{k: (str(v).strip() if v is not None else "") for k, v in data.items() if k in MAX_LENGTHS}
	)
	for key, limit in MAX_LENGTHS.items():
		if len(d.get(key) or "") > limit:
			frappe.throw(_("{0} is too long (at most {1} characters).").format(key, limit), WebLeadError)
	d.email = normalise_email(d.get("email"))
	if d.email and not validate_email_address(d.email):
		frappe.throw(_("{0} is not a valid email address.").format(escape_html(d.email)), WebLeadError)
	if not d.email and not d.get("phone"):
		frappe.throw(_("Please give an email address or a phone number."), WebLeadError)
	if not (d.get("first_name") or d.get("last_name") or d.get("company_name")):
		frappe.throw(_("Please give your name or your organisation."), WebLeadError)
	return d


def find_existing(email: str | None, e164: str | None) -> dict:
	"""Where a known person's submission goes, by the funnel's duplicate finder (same email or E.164 phone):

	- {"lead": ...}: their oldest *open* lead (New, Contacted, Qualified), still being worked;
	- {"customer": ...}: else the customer they are (directly, as its Contact, or through a converted lead);
	- {}: else a new Lead. A disqualified (Unqualified) lead does not swallow a new enquiry: the new lead
	  is flagged as a possible duplicate of it by the Lead's own duplicate check, for sales to judge.
	"""
	matches = find_matches(email, [e164] if e164 else [])
	leads = [m.name for m in matches if m.doctype == "Lead"]
	if leads:
		open_leads = frappe.get_all(
			"Lead",
			filters={"name": ("in", leads), "status": ("in", OPEN_STATES)},
			pluck="name",
			order_by="creation asc",
			limit=1,
		)
		if open_leads:
			return {"lead": open_leads[0]}
	customers = [m.name for m in matches if m.doctype == "Customer"]
	contacts = [m.name for m in matches if m.doctype == "Contact"]
	if not customers and contacts:
		customers = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "parent": ("in", contacts), "link_doctype": "Customer"},
			pluck="link_name",
			order_by="creation asc",
		)
	if not customers and leads:
		customers = frappe.get_all(
			"Lead",
			filters={"name": ("in", leads), "status": "Converted", "customer": ("is", "set")},
			pluck="customer",
			order_by="creation asc",
		)
	return {"customer": customers[0]} if customers else {}


def submit_web_lead(data: dict) -> dict:
	"""Honeypot, validation, dedup, then a Lead and/or an Interaction. Returns what was done (for tests)."""
	if (data.get(HONEYPOT) or "").strip():
		return {"spam": True}
	d = clean(data)
	settings = frappe.get_single(SETTINGS)
	e164 = normalise_phone(d.get("phone"), (settings.default_region or "").strip().upper() or None)
	existing = find_existing(d.email, e164)
	lead_name = existing.get("lead")
	created = False
	if not existing:
		campaign = (
			d.get("campaign") if d.get("campaign") and frappe.db.exists("Campaign", d.campaign) else None
		)
		source = (
			settings.web_lead_source
			if settings.web_lead_source and frappe.db.exists("Lead Source", settings.web_lead_source)
			else None
		)
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": d.get("first_name"),
				"last_name": d.get("last_name"),
				"company_name": d.get("company_name"),
				"email_id": d.email,
				"phone": e164 or d.get("phone"),
				"utm_source": d.get("utm_source"),
				"utm_medium": d.get("utm_medium"),
				"utm_campaign": d.get("utm_campaign"),
				"campaign": campaign,
				"lead_owner": "",  # not Guest (the "__user" default)
				"notes": escape_html(d.get("message") or ""),
			}
		)
		lead.flags.ignore_permissions = True
		lead.insert()
		if not lead.source and source:  # attribution found no better source
			lead.db_set("source", source, update_modified=False)
		lead_name, created = lead.name, True
	reference = ("Lead", lead_name) if lead_name else ("Customer", existing["customer"])
	interaction = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Web Form",
			"direction": "Inbound",
			"subject": _("Web enquiry from {0}").format(
				" ".join(filter(None, [d.get("first_name"), d.get("last_name")])) or d.get("company_name")
			),
			"reference_doctype": reference[0],
			"reference_name": reference[1],
			"agent": "",
			"notes": escape_html(d.get("message") or ""),
		}
	)
	interaction.insert(ignore_permissions=True)
	return {
		"lead": lead_name,
		"customer": existing.get("customer"),
		"created": created,
		"interaction": interaction.name,
	}
