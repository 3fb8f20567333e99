"""Rules for Campaign documents (called from the thin Campaign controller)."""

import frappe
from frappe import _

# The Lead Source a campaign's leads get when the campaign names none (defaults made on install).
CHANNEL_LEAD_SOURCE = {
	"Email": "Email Campaign",
	"Social": "Social Media",
	"Event": "Trade Show",
	"Ads": "Advertisement",
	"Referral": "Referral",
	"Partner": "Partner",
}


def clean_utm(value: str | None) -> str | None:
	"""UTM values compare trimmed and case-insensitively, as analytics tools treat them."""
	value = (value or "").strip().lower()
	return value or None


def validate_campaign(doc) -> None:
	doc.utm_source = clean_utm(doc.utm_source)
	doc.utm_medium = clean_utm(doc.utm_medium)
	doc.utm_campaign = clean_utm(doc.utm_campaign)
	if doc.utm_campaign:
		other = frappe.db.get_value(
			"Campaign", {"utm_campaign": doc.utm_campaign, "name": ("!=", doc.name or "")}, "name"
		)
		if other:
			frappe.throw(
				_("UTM Campaign {0} is already used by campaign {1}; leads could not be attributed.").format(
					frappe.bold(doc.utm_campaign), other
				),
				title=_("Duplicate UTM Campaign"),
			)
	for step in doc.get("schedule") or []:
		if (step.day_offset or 0) < 0:
			frappe.throw(
				_("Row {0}: the day offset cannot be negative.").format(step.idx), title=_("Invalid Schedule")
			)
	email_steps = [s for s in doc.get("schedule") or [] if (s.get("channel") or "Email") == "Email"]
	if email_steps and doc.channel and doc.channel != "Email":
		frappe.msgprint(
			_("This campaign has an email schedule but its channel is {0}.").format(_(doc.channel))
		)


def lead_source_for(campaign: str) -> str | None:
	row = frappe.db.get_value("Campaign", campaign, ["lead_source", "channel"], as_dict=True)
	if not row:
		return None
	source = row.lead_source or CHANNEL_LEAD_SOURCE.get(row.channel or "")
	return source if source and frappe.db.exists("Lead Source", source) else None
