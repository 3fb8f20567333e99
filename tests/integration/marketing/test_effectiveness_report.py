"""Campaign Effectiveness report: leads, opportunities, won revenue, cost per lead, ROI, chart; permissions."""

import frappe
import pytest

from tests.integration.factories import make_campaign, make_lead, make_opportunity, make_user


def run(**filters):
	from frappe.desk.query_report import run as run_report

	return run_report("Campaign Effectiveness", filters=filters)


def test_figures_per_campaign():
	campaign = make_campaign(actual_cost=1000, channel="Ads")
	idle = make_campaign(actual_cost=50)
	leads = [make_lead(campaign=campaign.name) for _ in range(4)]
	won = make_opportunity(lead=leads[0].name, amount=2000)
	frappe.db.set_value("Opportunity", won.name, "status", "Won")
	make_opportunity(campaign=campaign.name, amount=700)  # open, linked directly
	result = run(campaign=campaign.name)
	(row,) = result["result"]
	assert (row["leads"], row["opportunities"], row["won"], row["won_revenue"], row["cost"]) == (
		4,
		2,
		1,
		2000,
		1000,
	)
	assert row["cost_per_lead"] == 250 and row["roi"] == 100
	assert result["chart"]["data"]["labels"] == [campaign.campaign_name]
	(idle_row,) = run(campaign=idle.name)["result"]
	assert (idle_row["leads"], idle_row["cost_per_lead"], idle_row["roi"]) == (0, None, -100)


def test_reversed_dates_are_refused():
	with pytest.raises(frappe.ValidationError, match="To Date"):
		run(from_date="2026-02-01", to_date="2026-01-01")


def test_only_marketing_and_managers_run_it():
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		run()
	frappe.set_user(make_user("Marketing Manager").name)
	assert "result" in run()
