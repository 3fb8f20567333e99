"""Money in one reporting currency, on a three-currency data set (EUR, BAM, USD) against hand-computed
totals: stored conversions, the reports, the number card, Customer Order Summary, RFM monetary and CLV,
campaign ROI; a missing rate is an error naming the pair and the date; rate changes re-convert.

Reporting currency EUR. Rates (D0 = 300 days ago, D1 = 100 days ago):
  BAM -> EUR 0.51 from D0 (direct pair)
  EUR -> USD 1.25 from D0 and 2.0 from D1, so USD -> EUR is 0.8 from D0 and 0.5 from D1 (inverse pair)
"""

import datetime

import frappe
import pytest
from frappe.utils import add_days

from crm_suite.analytics.rfm import compute_rfm
from crm_suite.crm.money import MissingExchangeRate
from tests.integration.analytics.orders_factory import make_sales_order
from tests.integration.factories import (
	make_campaign,
	make_customer,
	make_opportunity,
	make_product,
	make_user,
)

TODAY = datetime.date.today()  # (the site's nowdate() needs a connection; the dates are far apart)
D0 = add_days(TODAY, -300)
D1 = add_days(TODAY, -100)


def rate(from_currency, to_currency, date, value):
	return frappe.get_doc(
		{
			"doctype": "Exchange Rate",
			"from_currency": from_currency,
			"to_currency": to_currency,
			"date": date,
			"rate": value,
		}
	).insert()


def run(report, **filters):
	from frappe.desk.query_report import run as run_report

	return run_report(report, filters=filters, ignore_prepared_report=True)


@pytest.fixture
def eur():
	"""EUR as the reporting currency with the rates above and no others (the site's own rates, such as the
	demo's, are deleted in the test's transaction; all of it is rolled back with the test)."""
	frappe.db.delete("Exchange Rate")
	for code in ("EUR", "BAM", "USD"):
		frappe.db.set_value("Currency", code, "enabled", 1)
	frappe.db.set_single_value("CRM Settings", "reporting_currency", "EUR")
	rate("BAM", "EUR", D0, 0.51)
	rate("EUR", "USD", D0, 1.25)
	rate("EUR", "USD", D1, 2.0)


@pytest.fixture
def orders(eur):
	"""Customer A: EUR 100, BAM 200, USD 100 on D0 + 10 and USD 100 on D1 + 5; customer B: USD 40 on D1."""
	product = make_product().name
	a, b = make_customer().name, make_customer().name
	docs = [
		make_sales_order(a, add_days(D0, 10), [(product, 1, 100)], currency="EUR"),
		make_sales_order(a, add_days(D0, 10), [(product, 2, 100)], currency="BAM"),
		make_sales_order(a, add_days(D0, 10), [(product, 1, 100)], currency="USD"),
		make_sales_order(a, add_days(D1, 5), [(product, 4, 25)], currency="USD"),
		make_sales_order(b, D1, [(product, 1, 40)], currency="USD"),
	]
	return frappe._dict(a=a, b=b, docs=docs)


def test_orders_store_their_total_in_the_reporting_currency(orders):
	assert [(d.conversion_rate, d.base_grand_total) for d in orders.docs] == [
		(1.0, 100.0),
		(0.51, 102.0),
		(0.8, 80.0),
		(0.5, 50.0),
		(0.5, 20.0),  # a rate is valid from its own date
	]


def test_customer_order_summary_and_rfm_are_in_the_reporting_currency(orders):
	summary = {
		r.name: r.lifetime_value
		for r in frappe.get_all(
			"Customer Order Summary", filters={"name": ("in", [orders.a, orders.b])}, fields=["*"]
		)
	}
	assert summary == {orders.a: 332.0, orders.b: 20.0}
	compute_rfm(as_of=TODAY, customers=[orders.a, orders.b])
	a = frappe.db.get_value("Customer", orders.a, ["monetary", "clv_estimate"], as_dict=True)
	assert frappe.db.get_value("Customer", orders.b, "monetary") == 20.0
	assert a.monetary == 332.0
	# CLV = lifetime value × 365 / days since the first order × 3 years × 100 % margin
	assert a.clv_estimate == pytest.approx(332.0 * 365 / 290 * 3, abs=0.01)


def test_a_new_rate_reconverts_the_later_orders_and_the_summary(orders):
	rate("EUR", "USD", add_days(D1, 3), 4.0)  # USD -> EUR 0.25 from D1 + 3: only the D1 + 5 order moves
	totals = [frappe.db.get_value("Sales Order", d.name, "base_grand_total") for d in orders.docs]
	assert totals == [100.0, 102.0, 80.0, 25.0, 20.0]
	assert frappe.db.get_value("Customer Order Summary", orders.a, "lifetime_value") == 307.0


def test_a_rate_that_documents_need_cannot_be_deleted(orders):
	bam = frappe.db.get_value("Exchange Rate", {"from_currency": "BAM", "to_currency": "EUR"})
	with pytest.raises(MissingExchangeRate, match="BAM"):
		frappe.delete_doc("Exchange Rate", bam)
	assert frappe.db.exists("Exchange Rate", bam)


def test_a_missing_rate_is_a_clear_error_and_nothing_is_saved(eur):
	customer, product = make_customer().name, make_product().name
	with pytest.raises(MissingExchangeRate, match="No exchange rate from CHF to EUR on or before"):
		frappe.db.set_value("Currency", "CHF", "enabled", 1)
		make_sales_order(customer, TODAY, [(product, 1, 10)], currency="CHF")
	assert not frappe.db.exists("Sales Order", {"customer": customer})
	with pytest.raises(MissingExchangeRate, match="BAM to EUR"):  # before the first BAM rate
		make_opportunity(currency="BAM", amount=10, expected_close_date=add_days(D0, -1))


def test_a_new_reporting_currency_without_rates_is_refused(orders):
	settings = frappe.get_doc("CRM Settings")
	settings.reporting_currency = "JPY"
	with pytest.raises(MissingExchangeRate, match="JPY"):
		settings.save()
	assert frappe.db.get_single_value("CRM Settings", "reporting_currency") == "EUR"
	assert frappe.db.get_value("Sales Order", orders.docs[1].name, "base_grand_total") == 102.0


def test_rates_are_validated(eur):
	with pytest.raises(frappe.ValidationError, match="two different currencies"):
		rate("EUR", "EUR", TODAY, 1)
	with pytest.raises(frappe.ValidationError, match="more than zero"):
		rate("USD", "EUR", TODAY, 0)
	with pytest.raises(frappe.DuplicateEntryError):
		rate("BAM", "EUR", D0, 0.52)


@pytest.fixture
def pipeline(eur):
	"""One campaign (USD, cost 100 from D0 + 5: 80 EUR) with six opportunities of one owner."""
	owner = make_user("Sales User").name
	campaign = make_campaign(currency="USD", actual_cost=100, start_date=add_days(D0, 5)).name
	close = add_days(TODAY, 30)
	common = {"campaign": campaign, "opportunity_owner": owner, "probability": 50}
	make_opportunity(currency="EUR", amount=1000, expected_close_date=close, **common)  # 1000
	make_opportunity(currency="BAM", amount=1000, expected_close_date=close, **common)  # 510
	make_opportunity(currency="USD", amount=1000, expected_close_date=add_days(D1, -1), **common)  # 800
	won_usd = make_opportunity(currency="USD", amount=1000, **common)
	won_bam = make_opportunity(currency="BAM", amount=100, **common)
	lost = make_opportunity(currency="EUR", amount=300, **common)
	for doc, status in ((won_usd, "Won"), (won_bam, "Won"), (lost, "Lost")):
		doc.status = status
		doc.lost_reason = frappe.db.get_value("Lost Reason", {}) if status == "Lost" else None
		doc.save()  # closed today: USD 0.5 (500), BAM 0.51 (51), EUR 300
	return frappe._dict(campaign=campaign, owner=owner, close=close)


def test_sales_reports_add_converted_amounts(pipeline):
	frappe.set_user(make_user("Sales Manager").name)
	forecast = {r["month"]: r for r in run("Pipeline Forecast", campaign=pipeline.campaign)["result"]}
	near, far = str(add_days(D1, -1))[:7], str(pipeline.close)[:7]
	assert (forecast[far]["amount"], forecast[far]["weighted_amount"]) == (1510.0, 755.0)
	assert (forecast[near]["amount"], forecast[near]["weighted_amount"]) == (800.0, 400.0)
	stages = [
		r
		for r in run("Win Loss Analysis", campaign=pipeline.campaign)["result"]
		if r.get("dimension") == frappe._("Stage")
	]
	assert sum(r["won_amount"] for r in stages) == 551.0
	assert sum(r["lost_amount"] for r in stages) == 300.0
	funnel = run("Sales Funnel", campaign=pipeline.campaign)["result"]
	won_row = next(r for r in funnel if r.get("stage") == frappe._("Won"))
	assert won_row["value"] == 551.0


def test_campaign_roi_is_in_the_reporting_currency(pipeline):
	frappe.set_user(make_user("Marketing Manager").name)
	(row,) = run("Campaign Effectiveness", campaign=pipeline.campaign)["result"]
	assert (row["won_revenue"], row["cost"]) == (551.0, 80.0)
	assert row["roi"] == pytest.approx((551 - 80) / 80 * 100)


def test_pipeline_value_card_sums_converted_amounts(eur):
	from frappe.desk.doctype.number_card.number_card import get_result

	card = frappe.get_doc("Number Card", "Pipeline Value")
	before = get_result(card.as_dict(), None)
	for currency in ("EUR", "BAM", "USD"):
		make_opportunity(currency=currency, amount=1000, expected_close_date=TODAY)
	assert get_result(card.as_dict(), None) - before == pytest.approx(1000 + 510 + 500)
	chart = frappe.get_doc("Dashboard Chart", "Pipeline by Stage")
	assert chart.aggregate_function_based_on == "base_amount"


def test_exchange_rates_are_kept_by_managers_and_read_by_sales_users(eur):
	frappe.set_user(make_user("Sales User").name)
	assert frappe.get_list("Exchange Rate", filters={"from_currency": "BAM"}, pluck="rate") == [0.51]
	with pytest.raises(frappe.PermissionError):
		rate("BAM", "EUR", TODAY, 0.6)
	frappe.set_user("Guest")
	with pytest.raises(frappe.PermissionError):
		frappe.get_list("Exchange Rate")
	frappe.set_user(make_user("Sales Manager").name)
	assert rate("BAM", "EUR", TODAY, 0.6).rate == 0.6


def test_reports_show_the_reporting_currency_and_name_the_gaps(pipeline):
	"""A document without a conversion (written around the document model) is left out of the totals, and
	the report says so in its message instead of adding it silently."""
	frappe.set_user(make_user("Sales Manager").name)
	result = run("Pipeline Forecast", campaign=pipeline.campaign)
	assert {r["currency"] for r in result["result"]} == {"EUR"}
	assert next(c for c in result["columns"] if c["fieldname"] == "amount")["options"] == "currency"
	assert not result.get("message")
	frappe.set_user("Administrator")
	gap = make_opportunity(currency="BAM", amount=999, campaign=pipeline.campaign)
	frappe.db.set_value("Opportunity", gap.name, {"base_amount": 0, "conversion_rate": 0})
	frappe.set_user(make_user("Sales Manager").name)
	result = run("Pipeline Forecast", campaign=pipeline.campaign)
	assert "1 × Opportunity in BAM" in result["message"] and "EUR" in result["message"]
	assert sum(r["amount"] for r in result["result"]) == 2310.0  # the gap is not added
	funnel = run("Sales Funnel", campaign=pipeline.campaign)
	assert all(s["currency"] == "EUR" for s in funnel["report_summary"] if s["datatype"] == "Currency")
