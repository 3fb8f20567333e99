"""Campaign fields, the Campaign Workflow (Planned → Active only by a Marketing Manager) and lead attribution."""

import frappe
import pytest
from frappe.model.workflow import WorkflowPermissionError, WorkflowTransitionError, apply_workflow

from tests.integration.factories import make_campaign, make_lead, make_user, unique


def test_campaign_workflow_is_installed_on_status():
	wf = frappe.get_doc("Workflow", "Campaign Workflow")
	assert (wf.document_type, wf.workflow_state_field, wf.is_active) == ("Campaign", "status", 1)


def test_only_a_marketing_manager_activates_a_campaign():
	campaign = make_campaign()
	assert campaign.status == "Planned"

	frappe.set_user(make_user("CRM Manager").name)
	with pytest.raises(WorkflowTransitionError):
		apply_workflow(frappe.get_doc("Campaign", campaign.name), "Activate")
	doc = frappe.get_doc("Campaign", campaign.name)
	doc.status = "Active"  # editing the field directly is checked too
	with pytest.raises(WorkflowPermissionError):
		doc.save()
	assert frappe.db.get_value("Campaign", campaign.name, "status") == "Planned"

	frappe.set_user(make_user("Marketing Manager").name)
	doc = apply_workflow(frappe.get_doc("Campaign", campaign.name), "Activate")
	assert doc.status == "Active"
	doc = apply_workflow(frappe.get_doc("Campaign", campaign.name), "Complete")
	assert doc.status == "Completed"


def test_a_campaign_cannot_skip_planned_or_jump_back():
	campaign = make_campaign()
	campaign.status = "Completed"
	with pytest.raises(WorkflowPermissionError):
		campaign.save()
	with pytest.raises(WorkflowPermissionError):
		make_campaign(status="Active")


def test_sales_users_cannot_edit_campaigns():
	campaign = make_campaign()
	frappe.set_user(make_user("Sales User").name)
	doc = frappe.get_doc("Campaign", campaign.name)
	doc.budget = 10
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_utm_campaign_is_unique_and_normalised():
	tag = unique("spring-")
	campaign = make_campaign(utm_campaign=f"  {tag.upper()} ", utm_source="Newsletter")
	assert (campaign.utm_campaign, campaign.utm_source) == (tag, "newsletter")
	with pytest.raises(frappe.ValidationError, match="already used"):
		make_campaign(utm_campaign=tag)


def test_negative_day_offset_is_refused():
	with pytest.raises(frappe.ValidationError):
		make_campaign(schedule=[{"day_offset": -1, "email_template": "x"}])


# ---------------------------------------------------------------- attribution


def test_lead_with_utm_campaign_is_attributed_to_campaign_and_channel_source():
	tag = unique("summer-")
	campaign = make_campaign(utm_campaign=tag, channel="Social")
	lead = make_lead(utm_campaign=tag.upper(), utm_medium="CPC")
	assert (lead.campaign, lead.source, lead.utm_medium) == (campaign.name, "Social Media", "cpc")


def test_utm_source_naming_a_lead_source_wins_over_the_channel_default():
	tag = unique("fair-")
	campaign = make_campaign(utm_campaign=tag, channel="Event")
	lead = make_lead(utm_campaign=tag, utm_source="Partner")
	assert (lead.campaign, lead.source) == (campaign.name, "Partner")


def test_campaign_link_alone_sets_the_campaigns_lead_source():
	campaign = make_campaign(channel="Ads", lead_source="Referral")
	lead = make_lead(campaign=campaign.name)
	assert lead.source == "Referral"


def test_explicit_values_are_kept_and_unknown_utm_changes_nothing():
	campaign = make_campaign(utm_campaign=unique("x-"), channel="Email")
	lead = make_lead(campaign=campaign.name, source="Cold Call", utm_campaign="something-else")
	assert (lead.campaign, lead.source) == (campaign.name, "Cold Call")
	stray = make_lead(utm_campaign=unique("nobody-"))
	assert (stray.campaign, stray.source) == (None, None)
