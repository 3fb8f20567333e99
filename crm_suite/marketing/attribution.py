"""Attribution: a lead captured with UTM parameters or a campaign link is credited to the campaign and its source.

Hooked as Lead `before_insert` (hooks.py doc_events), so web-to-lead, the call webhook, imports and the
desk all attribute the same way. Rules, first match wins:
1. an explicit `campaign` link stays;
2. else the Campaign whose `utm_campaign` equals the lead's (trimmed, case-insensitive);
3. else a Campaign whose name or title equals the lead's utm_campaign.
The source (when the lead has none): the Lead Source named like `utm_source`, else the campaign's
Lead Source, else the default source of the campaign's channel.
"""

import frappe

from crm_suite.marketing.campaign import clean_utm, lead_source_for


def find_campaign(utm_campaign: str | None) -> str | None:
	utm_campaign = clean_utm(utm_campaign)
	if not utm_campaign:
		return None
	return (
		frappe.db.get_value("Campaign", {"utm_campaign": utm_campaign}, "name")
		or frappe.db.get_value("Campaign", {"campaign_name": utm_campaign}, "name")
		or frappe.db.exists("Campaign", utm_campaign)
	)


def find_source(utm_source: str | None) -> str | None:
	utm_source = (utm_source or "").strip()
	if not utm_source:
		return None
	return frappe.db.get_value("Lead Source", {"source_name": utm_source}, "name")


def attribute_lead(doc, method=None) -> None:
	for field in ("utm_source", "utm_medium", "utm_campaign"):
		if doc.meta.has_field(field):
			doc.set(field, clean_utm(doc.get(field)))
	if not doc.get("campaign"):
		doc.campaign = find_campaign(doc.get("utm_campaign"))
	if not doc.get("source"):
		doc.source = find_source(doc.get("utm_source")) or (
			lead_source_for(doc.campaign) if doc.campaign else None
		)
