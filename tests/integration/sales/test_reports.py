"""The five Sales reports on a small, known data set (filtered to a campaign made for the test)."""

import frappe
import pytest
from frappe.utils import add_days, add_months, getdate, nowdate

from crm_suite.sales.conversion import convert_lead
from tests.integration.factories import make_campaign, make_lead, make_opportunity, make_user

REPORTS = (
	"Sales Funnel",
	"Lead Conversion Time",
	"Lead Source Effectiveness",
	"Pipeline Forecast",
	"Win Loss Analysis",
)


def run(report, **filters):
	from frappe.desk.query_report import run as run_report

	return run_report(report, filters=filters, ignore_prepared_report=True)


@pytest.fixture
def pipeline():
	"""One campaign: 4 leads (1 unqualified, 1 contacted, 2 converted with opportunities: 1 won, 1 lost)."""
	campaign = make_campaign().name
	leads = [make_lead(campaign=campaign, source="Website") for _ in range(4)]
	leads[0].status = "Unqualified"
	leads[0].save()
	leads[1].status = "Contacted"
	leads[1].save()
	won = frappe.get_doc("Opportunity", convert_lead(leads[2].name, create_opportunity=1)["opportunity"])
	won.update({"campaign": campaign, "amount": 1000, "sales_stage": "Proposal"})
	won.save()
	won.status = "Won"
	won.save()
	lost = frappe.get_doc("Opportunity", convert_lead(leads[3].name, create_opportunity=1)["opportunity"])
	lost.update({"campaign": campaign, "amount": 400, "sales_stage": "Needs Analysis"})
	lost.save()
	lost.update({"status": "Lost", "lost_reason": "Price"})
	lost.save()
	month = getdate(add_months(nowdate(), 1)).strftime("%Y-%m")
	make_opportunity(
		campaign=campaign,
		amount=500,
		sales_stage="Qualification",
		expected_close_date=add_months(nowdate(), 1),
	)
	return frappe._dict(campaign=campaign, month=month)


def test_sales_funnel_counts_values_and_rates(pipeline):
	result = run("Sales Funnel", campaign=pipeline.campaign)
	rows = {r["stage"]: r for r in result["result"]}
	assert [rows[s]["count"] for s in ("Leads", "Contacted", "Qualified", "Converted")] == [4, 3, 2, 2]
	assert rows["Contacted"]["conversion_rate"] == 75.0 and rows["Contacted"]["drop_off"] == 1
	# opportunities: open@Qualification(500), lost@Needs Analysis(400), won@Proposal(1000)
	assert [
		rows[s]["count"]
		for s in ("Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation", "Won")
	] == [3, 3, 2, 1, 1, 1]
	assert rows["Needs Analysis"]["value"] == 1400 and rows["Won"]["value"] == 1000
	assert result["chart"]["data"]["labels"][0] == "Leads"


def test_lead_source_effectiveness(pipeline):
	rows = run("Lead Source Effectiveness", campaign=pipeline.campaign)["result"]
	assert len(rows) == 1
	row = rows[0]
	assert (row["source"], row["leads"], row["converted"], row["conversion_rate"]) == ("Website", 4, 2, 50.0)
	assert (row["opportunities"], row["won"], row["win_rate"], row["won_revenue"]) == (2, 1, 50.0, 1000)


def test_lead_conversion_time(pipeline):
	rows = run("Lead Conversion Time", campaign=pipeline.campaign)["result"]
	assert len(rows) == 1
	row = rows[0]
	assert (row["source"], row["opportunities"], row["won"]) == ("Website", 2, 1)
	assert 0 <= row["median_lead_to_opportunity"] < 1 and row["mean_lead_to_won"] is not None


def test_pipeline_forecast(pipeline):
	rows = run("Pipeline Forecast", campaign=pipeline.campaign, from_date=add_days(nowdate(), -1))["result"]
	assert [(r["month"], r["opportunities"], r["amount"], r["weighted_amount"]) for r in rows] == [
		(pipeline.month, 1, 500, 100)  # Qualification: 20 %
	]


def test_pipeline_forecast_groups_by_the_opportunity_owner_not_the_creator():
	"""Two open opportunities made by one user for two owners: a row per owner (GROUP BY on the opportunity
	owner, not on the document's `owner` column, which holds the creator)."""
	campaign = make_campaign().name
	owners = sorted(make_user("Sales User").name for _ in range(2))
	for owner in owners:
		make_opportunity(
			campaign=campaign,
			amount=300,
			sales_stage="Qualification",
			expected_close_date=add_months(nowdate(), 1),
			opportunity_owner=owner,
		)
	rows = run("Pipeline Forecast", campaign=campaign, from_date=add_days(nowdate(), -1))["result"]
	assert [(r["owner"], r["opportunities"], r["amount"]) for r in rows] == [(o, 1, 300) for o in owners]


def test_win_loss_analysis(pipeline):
	rows = run("Win Loss Analysis", campaign=pipeline.campaign)["result"]
	stages = {r["value"]: r for r in rows if r["dimension"] == "Stage"}
	reasons = {r["value"]: r for r in rows if r["dimension"] == "Lost Reason"}
	assert (stages["Proposal"]["won"], stages["Needs Analysis"]["lost"]) == (1, 1)
	assert reasons == {"Price": reasons["Price"]} and reasons["Price"]["lost_amount"] == 400


@pytest.mark.parametrize("report", REPORTS)
def test_reports_run_with_owner_and_date_filters(report):
	result = run(report, owner="Administrator", from_date=add_days(nowdate(), -30), to_date=nowdate())
	assert isinstance(result["result"], list)


def test_reversed_date_range_is_refused():
	with pytest.raises(frappe.ValidationError, match="From Date"):
		run("Sales Funnel", from_date=nowdate(), to_date=add_days(nowdate(), -1))


def test_support_agent_cannot_run_sales_reports():
	from tests.integration.factories import make_user

	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		run("Sales Funnel")


def test_sales_funnel_date_range_counts_only_leads_inside_it_whether_or_not_it_covers_all():
	campaign = make_campaign().name
	leads = [make_lead(campaign=campaign) for _ in range(3)]
	frappe.db.set_value("Lead", leads[0].name, "creation", add_days(nowdate(), -40), update_modified=False)
	frappe.db.set_value("Lead", leads[1].name, "creation", add_days(nowdate(), -10), update_modified=False)

	def leads_counted(**dates):
		return {r["stage"]: r["count"] for r in run("Sales Funnel", campaign=campaign, **dates)["result"]}[
			"Leads"
		]

	assert leads_counted() == 3
	# a range covering every lead of the campaign (the date comparison is left out) and ones that don't
	assert leads_counted(from_date=add_days(nowdate(), -60), to_date=nowdate()) == 3
	assert leads_counted(from_date=add_days(nowdate(), -20), to_date=nowdate()) == 2
	assert leads_counted(from_date=add_days(nowdate(), -60), to_date=add_days(nowdate(), -20)) == 1
	assert leads_counted(from_date=add_days(nowdate(), -30), to_date=add_days(nowdate(), -20)) == 0


def test_lead_conversion_time_medians_match_the_definition():
	"""Odd and even counts: the middle value, or the mean of the two middle values (as MEDIAN())."""
	campaign = make_campaign().name
	source = frappe.get_doc({"doctype": "Lead Source", "source_name": f"Median {campaign}"}).insert().name
	for days_before, won_after in ((1, 2), (3, None), (7, 4), (10, None)):
		lead = make_lead(campaign=campaign, source=source)
		opp = make_opportunity(lead=lead.name, campaign=campaign)
		frappe.db.set_value("Lead", lead.name, "creation", add_days(nowdate(), -days_before - 30))
		frappe.db.set_value("Opportunity", opp.name, "creation", add_days(nowdate(), -30))
		if won_after:
			frappe.db.set_value(
				"Opportunity", opp.name, {"status": "Won", "closed_on": add_days(nowdate(), -30 + won_after)}
			)
	rows = run("Lead Conversion Time", campaign=campaign)["result"]
	assert len(rows) == 1
	row = rows[0]
	assert (row["source"], row["opportunities"], row["won"]) == (source, 4, 2)
	# lead -> opportunity: 1, 3, 7, 10 days; opportunity -> won: 2, 4; lead -> won: 3, 11
	assert (row["median_lead_to_opportunity"], row["mean_lead_to_opportunity"]) == (5, 5.25)
	assert (row["median_opportunity_to_won"], row["mean_opportunity_to_won"]) == (3, 3)
	assert (row["median_lead_to_won"], row["mean_lead_to_won"]) == (7, 7)
