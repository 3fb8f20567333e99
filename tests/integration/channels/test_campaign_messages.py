"""Campaign steps by SMS and by WhatsApp template: once per number (across re-runs and shared numbers),
only to numbers that opted in on that channel, an opt-out (STOP) honoured; sent through the fake gateway
and the fake Graph API on loopback. These tests commit (the job commits per recipient) and clean up."""

import frappe

from crm_suite.crm.messaging import set_consent
from crm_suite.marketing import outreach
from tests.integration.channels.conftest import italian_mobile
from tests.integration.factories import make_campaign, make_customer, unique
from tests.integration.marketing.helpers import make_segment
from tests.integration.marketing.test_outreach import sent_campaigns  # noqa: F401


def committed_campaign(committed, sent_campaigns, segment: str, start_date, schedule: list[dict]):  # noqa: F811
	"""An active campaign on the segment, committed (the outreach job commits per recipient) and cleaned up."""
	campaign = make_campaign(target_segment=segment, start_date=start_date, schedule=schedule)
	campaign.status = "Active"
	campaign.save()
	committed(campaign)
	sent_campaigns.append(campaign.name)
	frappe.db.commit()
	return campaign


def test_sms_and_whatsapp_steps_reach_each_consenting_number_once(channels, committed, sent_campaigns):  # noqa: F811
	tag = unique("Texting ")
	numbers = [italian_mobile() for _ in range(4)]
	channels.numbers.extend(numbers)
	opted_in, opted_out, no_consent, shared = numbers
	members = [
		committed(make_customer(customer_name=f"{tag}A", mobile_no=opted_in)),
		committed(make_customer(customer_name=f"{tag}B", mobile_no=opted_out)),
		committed(make_customer(customer_name=f"{tag}C", mobile_no=no_consent)),
		committed(make_customer(customer_name=f"{tag}D", mobile_no=shared)),
		committed(
			make_customer(customer_name=f"{tag}E", phone=shared.replace("+39", "0039 "))
		),  # same number
		committed(make_customer(customer_name=f"{tag}F")),  # no number: not a recipient
	]
	for number in (opted_in, shared):
		for channel in ("SMS", "WhatsApp"):
			set_consent(number, channel, "Opted In", "test")
	set_consent(opted_out, "SMS", "Opted Out", "STOP message")
	set_consent(opted_out, "WhatsApp", "Opted Out", "STOP message")
	segment = committed(make_segment(conditions=[("customer_name", "like", f"{tag}%")]))
	schedule = [
		{"day_offset": 0, "channel": "SMS", "sms_text": "Ciao {{ doc.customer_name }}, -20% oggi!"},
		{
			"day_offset": 1,
			"channel": "WhatsApp",
			"whatsapp_template": "spring_sale",
			"template_params": "{{ doc.customer_name }}\n20%",
			"template_language": "it",
		},
	]
	campaign = committed_campaign(
		committed, sent_campaigns, segment.name, frappe.utils.add_days(frappe.utils.today(), -3), schedule
	)

	counts = outreach.run_campaign_outreach(campaign.name)
	assert counts == {"queued": 4, "unsubscribed": 4, "failed": 0, "skipped": 0}
	sms = [r["fields"] for r in channels.gateway.requests]
	assert sorted(f["to"] for f in sms) == sorted([opted_in, shared])
	assert {f["text"] for f in sms if f["to"] == opted_in} == {f"Ciao {tag}A, -20% oggi!"}
	wa = [r["json"] for r in channels.graph.requests if r["method"] == "POST"]
	assert sorted(w["to"] for w in wa) == sorted(n.lstrip("+") for n in (opted_in, shared))
	ada = next(w for w in wa if w["to"] == opted_in.lstrip("+"))
	assert ada["template"] == {
		"name": "spring_sale",
		"language": {"code": "it"},
		"components": [
			{
				"type": "body",
				"parameters": [{"type": "text", "text": f"{tag}A"}, {"type": "text", "text": "20%"}],
			}
		],
	}
	statuses = {
		(r.channel, r.recipient): r.status
		for r in frappe.get_all(
			"Campaign Send Log", {"campaign": campaign.name}, ["channel", "recipient", "status"]
		)
	}
	for channel in ("SMS", "WhatsApp"):
		assert statuses[(channel, opted_in)] == "Sent"
		assert statuses[(channel, shared)] == "Sent"
		assert statuses[(channel, opted_out)] == "Unsubscribed"
		assert statuses[(channel, no_consent)] == "No Consent"
	# each message is an Interaction on the member's timeline
	assert frappe.db.count("Interaction", {"customer": members[0].name, "direction": "Outbound"}) == 2
	# both steps are Sent; running again sends nothing more
	assert {s.status for s in frappe.get_doc("Campaign", campaign.name).schedule} == {"Sent"}
	for step in frappe.get_doc("Campaign", campaign.name).schedule:
		frappe.db.set_value("Campaign Schedule Step", step.name, "status", "Pending")
	frappe.db.commit()
	again = outreach.run_campaign_outreach(campaign.name)
	assert again == {"queued": 0, "unsubscribed": 0, "failed": 0, "skipped": 0}
	assert len(channels.gateway.requests) == 2


def test_a_refused_number_fails_alone(channels, committed, sent_campaigns):  # noqa: F811
	tag = unique("Texting ")
	good, bad = italian_mobile(), italian_mobile()
	channels.numbers.extend([good, bad])
	for i, number in enumerate((good, bad)):
		committed(make_customer(customer_name=f"{tag}{i}", mobile_no=number))
		set_consent(number, "WhatsApp", "Opted In", "test")
	segment = committed(make_segment(conditions=[("customer_name", "like", f"{tag}%")]))
	schedule = [
		{
			"day_offset": 0,
			"channel": "WhatsApp",
			"whatsapp_template": "hello",
			"template_params": "{{ doc.customer_name }}",
		}
	]
	campaign = committed_campaign(committed, sent_campaigns, segment.name, frappe.utils.today(), schedule)
	channels.graph.refuse = {bad.lstrip("+")}  # WhatsApp refuses this number (e.g. not on WhatsApp)
	counts = outreach.run_campaign_outreach(campaign.name)
	assert counts["queued"] == 1 and counts["failed"] == 1
	assert frappe.db.exists("Error Log", {"reference_doctype": "Campaign", "reference_name": campaign.name})
	log = frappe.get_all("Campaign Send Log", {"campaign": campaign.name}, ["recipient", "status"])
	assert {r.recipient: r.status for r in log} == {good: "Sent", bad: "Failed"}
