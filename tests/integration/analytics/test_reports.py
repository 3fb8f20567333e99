"""The analytics reports on hand-made data, run through Frappe's report runner (permissions included)."""

import frappe
import pytest
from frappe.desk.query_report import run as run_report

from crm_suite.analytics import basket, cohorts, rfm
from tests.integration.analytics.orders_factory import customers, make_sales_order, products
from tests.integration.factories import make_customer, make_user, unique


def test_cohort_matrix_by_hand():
	c1, c2, c3 = customers(3)
	(p,) = products(1)
	for customer, date in [
		(c1, "2019-01-05"),
		(c1, "2019-02-10"),
		(c1, "2019-02-20"),
		(c1, "2019-04-01"),
		(c2, "2019-01-20"),
		(c2, "2019-03-03"),
		(c3, "2019-02-01"),
		(c3, "2019-03-15"),
	]:
		make_sales_order(customer, date, [(p, 1, 10)])
	make_sales_order(c2, "2019-02-02", [(p, 1, 10)]).cancel()  # cancelled: no activity in February
	make_sales_order(c3, "2018-12-01", [(p, 1, 10)]).cancel()  # cancelled: c3's first order is in February
	rfm.compute_rfm("2019-06-30", rfm.RfmSettings(window_days=365), customers=[c1, c2, c3])  # first orders
	data = cohorts.cohort_matrix("2019-01-01", "2019-02-28", 3)
	assert data == [
		{
			"cohort": "2019-01",
			"customers": 2,
			"month_0": 100.0,
			"month_1": 50.0,
			"month_2": 50.0,
			"month_3": 50.0,
		},
		{"cohort": "2019-02", "customers": 1, "month_0": 100.0, "month_1": 100.0},
	]
	result = run_report("Cohort Retention", {"from_date": "2019-01-01", "to_date": "2019-02-28", "months": 3})
	assert [c["fieldname"] for c in result["columns"]][-1] == "month_3"
	assert result["result"] == data
	assert result["chart"]["data"]["datasets"][0]["values"] == [50.0, 50.0, 50.0]


@pytest.mark.parametrize(
	"filters,message",
	[
		({"months": 0}, "between 1 and"),
		({"months": 61}, "between 1 and"),
		({"from_date": "2019-03-01", "to_date": "2019-01-01", "months": 3}, "must not be after"),
	],
)
def test_cohort_bad_filters(filters, message):
	with pytest.raises(frappe.ValidationError, match=message):
		run_report("Cohort Retention", filters)


def test_cohort_report_is_for_managers_only():
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		run_report("Cohort Retention", {"months": 3})
	frappe.set_user(make_user("Marketing Manager").name)
	assert run_report("Cohort Retention", {"from_date": "2019-01-01", "to_date": "2019-01-31", "months": 3})


def test_rfm_segmentation_summary_chart_and_drill_down():
	group = frappe.get_doc({"doctype": "Customer Group", "customer_group_name": unique("RFM ")}).insert().name
	names = [make_customer(customer_group=group).name for _ in range(5)]
	(p,) = products(1)
	for i, name in enumerate(names):
		for k in range(i + 1):  # frequencies 1..5, all last ordered 2 days before as_of
			make_sales_order(name, f"2026-06-{28 - k:02d}", [(p, 1, 10 * (i + 1))])
	rfm.compute_rfm("2026-06-30", rfm.RfmSettings(window_days=365), customers=names)
	result = run_report("RFM Segmentation", {"customer_group": group})
	rows = {r["segment"]: r for r in result["result"]}
	# R ties at 1; F 1..5 -> Lost, Hibernating, At Risk, At Risk, Can't Lose Them.
	assert {s: r["customers"] for s, r in rows.items()} == {
		"At Risk": 2,
		"Hibernating": 1,
		"Can't Lose Them": 1,
		"Lost": 1,
	}
	assert [r["segment"] for r in result["result"]] == ["At Risk", "Can't Lose Them", "Hibernating", "Lost"]
	revenue = sum(10 * (i + 1) * (i + 1) for i in range(5))  # 550
	assert rows["At Risk"]["revenue"] == 90 + 160
	assert rows["At Risk"]["revenue_share"] == round(100 * 250 / revenue, 2)
	assert rows["At Risk"]["customer_share"] == 40.0
	assert result["chart"]["data"]["labels"] == ["At Risk", "Can't Lose Them", "Hibernating", "Lost"]
	drill = run_report("RFM Segmentation", {"customer_group": group, "segment": "At Risk"})
	assert [r["customer"] for r in drill["result"]] == [names[3], names[2]]  # highest monetary first
	# Campaign targeting filters Customer on the plain Select field.
	assert set(
		frappe.get_all("Customer", filters={"rfm_segment": "At Risk", "customer_group": group}, pluck="name")
	) == {names[2], names[3]}
	with pytest.raises(frappe.ValidationError, match="Unknown RFM segment"):
		run_report("RFM Segmentation", {"segment": "Whales"})


def test_rfm_segmentation_permissions():
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		run_report("RFM Segmentation", {})
	frappe.set_user(make_user("Sales User").name)
	assert "result" in run_report("RFM Segmentation", {})


def test_rfm_segmentation_shows_only_the_customers_the_user_may_read():
	group = frappe.get_doc({"doctype": "Customer Group", "customer_group_name": unique("RFM ")}).insert().name
	mine, other = (make_customer(customer_group=group).name for _ in range(2))
	(p,) = products(1)
	for name in (mine, other):
		make_sales_order(name, "2026-06-28", [(p, 1, 10)])
	rfm.compute_rfm("2026-06-30", rfm.RfmSettings(window_days=365), customers=[mine, other])
	seller = make_user("Sales User").name
	frappe.get_doc(
		{"doctype": "User Permission", "user": seller, "allow": "Customer", "for_value": mine}
	).insert(ignore_permissions=True)
	frappe.set_user(seller)
	summary = run_report("RFM Segmentation", {"customer_group": group})["result"]
	assert sum(r["customers"] for r in summary) == 1 and sum(r["revenue"] for r in summary) == 10
	segment = summary[0]["segment"]
	drill = run_report("RFM Segmentation", {"customer_group": group, "segment": segment})["result"]
	assert [r["customer"] for r in drill] == [mine]
	frappe.set_user("Administrator")
	assert (
		sum(r["customers"] for r in run_report("RFM Segmentation", {"customer_group": group})["result"]) == 2
	)


def test_frequently_bought_together_filters_and_bad_support():
	names = customers(2)
	a, b, c = products(3)
	for i, lines in enumerate([[a, b], [a, b], [a, c], [b], [c]]):
		make_sales_order(names[i % 2], f"2026-06-{20 + i}", [(x, 1, 10) for x in lines])
	basket.compute_rules("2026-06-30", basket.BasketSettings(365, 0.2, 0), customers=names)
	result = run_report(
		"Frequently Bought Together", {"min_support": 0.3, "min_confidence": 0.5, "min_lift": 0}
	)
	# a+b in 2 of 5 baskets (0.4); a in 3, b in 3: confidence 2/3 both ways, lift (2/3)/(3/5) = 1.11.
	assert [(r["antecedent"], r["consequent"]) for r in result["result"]] == sorted([(a, b), (b, a)])
	assert result["result"][0]["lift"] == pytest.approx((2 / 3) / (3 / 5), abs=1e-6)
	only_c = run_report("Frequently Bought Together", {"min_support": 0.2, "min_lift": 0, "product": c})
	assert {(r["antecedent"], r["consequent"]) for r in only_c["result"]} == {(a, c), (c, a)}
	for bad in (0, -1, 1.01):
		with pytest.raises(frappe.ValidationError, match="Minimum support"):
			run_report("Frequently Bought Together", {"min_support": bad})
	with pytest.raises(frappe.ValidationError, match="Minimum confidence"):
		run_report("Frequently Bought Together", {"min_support": 0.1, "min_confidence": 2})
	with pytest.raises(frappe.ValidationError, match="Rows"):  # was an SQL error (LIMIT -5): a 500
		run_report("Frequently Bought Together", {"min_support": 0.1, "limit": -5})


def test_frequently_bought_together_permissions():
	for role in ("Support Agent", "Support Manager"):
		frappe.set_user(make_user(role).name)
		with pytest.raises(frappe.PermissionError):
			run_report("Frequently Bought Together", {"min_support": 0.1})
	frappe.set_user(make_user("Sales User").name)
	assert "result" in run_report("Frequently Bought Together", {"min_support": 0.1})


def test_rfm_segmentation_rows_are_exactly_the_customers_the_user_may_list():
	"""A Sales User under a User Permission on a Territory, with one customer of another territory shared
	with them: the summary and the drill-downs hold exactly the customers `frappe.get_list("Customer")`
	gives that user, with the same segments and revenue."""
	from collections import Counter

	group = frappe.get_doc({"doctype": "Customer Group", "customer_group_name": unique("RFM ")}).insert().name
	mine, theirs = (
		frappe.get_doc({"doctype": "Territory", "territory_name": unique("RFM T ")}).insert().name
		for _ in range(2)
	)
	names = [make_customer(customer_group=group, territory=t).name for t in (mine, theirs) for _ in range(3)]
	(p,) = products(1)
	for i, name in enumerate(names):
		for k in range(1 + i % 3):  # frequencies 1..3 in each territory, different amounts
			make_sales_order(name, f"2026-06-{20 - 3 * (i % 2) - k:02d}", [(p, 1, 10 * (i + 1))])
	rfm.compute_rfm("2026-06-30", rfm.RfmSettings(window_days=365), customers=names)
	seller = make_user("Sales User").name
	frappe.get_doc(
		{"doctype": "User Permission", "user": seller, "allow": "Territory", "for_value": mine}
	).insert(ignore_permissions=True)
	shared = names[4]
	frappe.share.add("Customer", shared, seller, read=1)

	frappe.set_user(seller)
	readable = frappe.get_list(
		"Customer",
		filters={"customer_group": group, "rfm_segment": ["is", "set"]},
		fields=["name", "rfm_segment", "monetary"],
		limit_page_length=0,
	)
	assert {r.name for r in readable} == {*names[:3], shared}  # the rule and the share both apply
	summary = run_report("RFM Segmentation", {"customer_group": group})["result"]
	assert {r["segment"]: r["customers"] for r in summary} == dict(Counter(r.rfm_segment for r in readable))
	for row in summary:
		assert row["revenue"] == sum(r.monetary for r in readable if r.rfm_segment == row["segment"])
	drilled = set()
	for row in summary:
		drill = run_report("RFM Segmentation", {"customer_group": group, "segment": row["segment"]})["result"]
		drilled |= {r["customer"] for r in drill}
	assert drilled == {r.name for r in readable}
