"""Builders shared by the marketing / contact-center tests."""

import frappe

from tests.integration.factories import make_campaign, make_customer, unique


def make_segment(based_on="Customer", conditions=(), members=(), match="All", **kw):
	doc = frappe.get_doc(
		{
			"doctype": "Segment",
			"segment_name": unique("Segment "),
			"based_on": based_on,
			"segment_type": "Static List" if members else "Filter Conditions",
			"match": match,
			"conditions": [dict(zip(("fieldname", "operator", "value"), c, strict=True)) for c in conditions],
			"members": [{"member": m} for m in members],
			**kw,
		}
	)
	return doc.insert()


def make_email_template(**kw):
	return frappe.get_doc(
		{
			"doctype": "Email Template",
			"name": unique("Template "),
			"subject": "Hello {{ customer_name or lead_name }}",
			"response": "<p>Dear {{ doc.customer_name or doc.lead_name }}, news from {{ campaign.campaign_name }}.</p>",
			**kw,
		}
	).insert()


def make_active_campaign(segment: str, steps: list[tuple[int, str]], start_date=None, **kw):
	campaign = make_campaign(
		channel="Email",
		target_segment=segment,
		start_date=start_date or frappe.utils.add_days(frappe.utils.today(), -10),
		schedule=[{"day_offset": d, "email_template": t} for d, t in steps],
		**kw,
	)
	campaign.status = "Active"
	campaign.save()
	return campaign


def make_customers(n: int, **kw) -> list:
	return [make_customer(email_id=f"{unique('c-')}@example.com", **kw) for _ in range(n)]
