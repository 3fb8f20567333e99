"""RFM scores, segments, loyalty metrics and segment history on small hand-computed data.

Each test scores only its own customers (`customers=`), so other data on the site cannot move the quintiles.
"""

import frappe
import pytest
from frappe.utils import add_days

from crm_suite.analytics import rfm
from tests.integration.analytics.orders_factory import customers, make_sales_order, products
from tests.integration.factories import make_user

AS_OF = "2026-06-30"
SETTINGS = rfm.RfmSettings(
	window_days=365,
	churn_interval_factor=3,
	churn_days_single_order=180,
	clv_lifetime_years=3,
	clv_margin_percent=100,
)


def ago(days: int) -> str:
	return str(add_days(AS_OF, -days))


def fields(names, *fieldnames):
	rows = [frappe.db.get_value("Customer", n, list(fieldnames), as_dict=True) for n in names]
	return [tuple(r[f] for f in fieldnames) for r in rows]


def run(names, settings=SETTINGS):
	return rfm.compute_rfm(AS_OF, settings, customers=names)


def test_recency_ties_share_the_lower_quintile_and_one_order_customers():
	names = customers(10)
	(product,) = products(1)
	for i, (name, days) in enumerate(zip(names, [60, 50, 40, 30, 20, 10, 5, 1, 1, 1], strict=True)):
		make_sales_order(name, ago(days), [(product, 1, 10 * (i + 1))])
	assert run(names) == {"scored": 10, "segment_changes": 10}
	rows = fields(names, "r_score", "f_score", "m_score", "rfm_segment", "loyalty_tier")
	# NTILE(5) over 10 puts two per quintile; the three customers at 1 day got 4, 5, 5 and all take 4.
	assert [r[0] for r in rows] == [1, 1, 2, 2, 3, 3, 4, 4, 4, 4]
	# Everyone has one order: a single tie group, all F = 1.
	assert {r[1] for r in rows} == {1}
	assert [r[2] for r in rows] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
	assert [r[3] for r in rows] == [
		"Lost",
		"Lost",
		"Hibernating",
		"Hibernating",
		"About to Sleep",
		"About to Sleep",
		"Promising",
		"Promising",
		"Promising",
		"Promising",
	]
	assert [r[4] for r in rows] == ["Bronze"] * 4 + ["Silver"] * 4 + ["Gold"] * 2
	first = frappe.get_doc("Customer", names[0])
	assert (first.recency_days, first.frequency, first.monetary, first.order_count) == (60, 1, 10, 1)
	assert (first.is_repeat_customer, first.avg_days_between_orders, first.churn_risk) == (0, 0, 0)
	# CLV = net revenue x 365 / max(tenure days, 30) x lifetime years x margin.
	assert first.clv_estimate == pytest.approx(10 * 365 / 60 * 3)
	assert frappe.db.get_value("Customer", names[9], "clv_estimate") == pytest.approx(100 * 365 / 30 * 3)


def test_frequency_zero_and_negative_monetary_returns_and_cancelled_orders():
	names = customers(6)
	(product,) = products(1)
	c0, c1, c2, c3, c4, c5 = names
	sale = make_sales_order(c0, ago(10), [(product, 1, 100)])
	make_sales_order(c0, ago(5), [(product, 1, 100)], is_return=1, return_against=sale.name)  # net 0
	make_sales_order(c1, ago(40), [(product, 1, 50)])
	sale = make_sales_order(c1, ago(10), [(product, 1, 50)])
	make_sales_order(c1, ago(5), [(product, 1, 130)], is_return=1, return_against=sale.name)  # net -30
	for days in (30, 20, 10):
		make_sales_order(c2, ago(days), [(product, 1, 10)])
	for days in (40, 30, 20, 10):
		make_sales_order(c3, ago(days), [(product, 1, 50)])
	for days in (50, 40, 30, 20, 10):
		make_sales_order(c4, ago(days), [(product, 1, 60)])
	make_sales_order(c4, ago(1), [(product, 1, 1000)]).cancel()
	make_sales_order(c4, ago(1), [(product, 1, 1000)], submit=False)
	make_sales_order(c5, ago(1), [(product, 1, 1000)]).cancel()

	assert run(names) == {"scored": 5, "segment_changes": 5}
	rows = fields(
		names, "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_segment"
	)
	assert [r[:3] for r in rows] == [
		(10, 1, 0),
		(10, 2, -30),
		(10, 3, 30),
		(10, 4, 200),
		(10, 5, 300),
		(0, 0, 0),
	]
	# Same recency for all five: one tie group, R = 1. F by quintile. M: zero and negative totals score 1.
	assert [r[3:] for r in rows] == [
		(1, 1, 1, "Lost"),
		(1, 2, 1, "Hibernating"),
		(1, 3, 3, "At Risk"),
		(1, 4, 4, "At Risk"),
		(1, 5, 5, "Can't Lose Them"),
		(0, 0, 0, ""),
	]
	assert frappe.db.get_value("Customer", c4, "order_count") == 5
	assert not frappe.db.exists("Customer Segment History", {"customer": c5})


def test_customers_outside_the_window_are_lost_and_loyalty_metrics():
	names = customers(4)
	(product,) = products(1)
	regular, lapsed, single, gone = names
	for days in (100, 60, 20):
		make_sales_order(regular, ago(days), [(product, 1, 100)])
	for days in (300, 290):
		make_sales_order(lapsed, ago(days), [(product, 2, 10)])
	make_sales_order(single, ago(200), [(product, 1, 10)])
	make_sales_order(gone, ago(400), [(product, 1, 10)])
	run(names)
	rows = {n: frappe.get_doc("Customer", n) for n in names}
	r = rows[regular]
	assert (r.order_count, r.is_repeat_customer, r.avg_days_between_orders, r.churn_risk) == (3, 1, 40, 0)
	assert r.clv_estimate == pytest.approx(300 * 365 / 100 * 3)
	l = rows[lapsed]
	# Usual interval 10 days; 290 days without an order is more than 3 x 10.
	assert (l.avg_days_between_orders, l.recency_days, l.churn_risk) == (10, 290, 1)
	assert (rows[single].churn_risk, rows[single].is_repeat_customer) == (1, 0)
	g = rows[gone]
	assert (g.rfm_segment, g.r_score, g.f_score, g.m_score, g.frequency, g.recency_days) == (
		"Lost",
		0,
		0,
		0,
		0,
		400,
	)
	assert (g.loyalty_tier, g.churn_risk, str(g.first_order_date)) == ("", 1, ago(400))


def test_segment_changes_are_kept_as_history_once():
	names = customers(2)
	(product,) = products(1)
	a, b = names
	make_sales_order(a, ago(100), [(product, 1, 10)])
	make_sales_order(b, ago(5), [(product, 1, 20)])
	assert run(names)["segment_changes"] == 2
	# Two customers: NTILE(5) puts them in quintiles 1 and 2; both have one order (F tie: 1).
	assert fields(names, "rfm_segment") == [("Lost",), ("Hibernating",)]
	assert run(names)["segment_changes"] == 0
	# a orders twice more: now the more recent and more frequent of the two (2, 2); b drops to (1, 1).
	make_sales_order(a, ago(2), [(product, 1, 10)])
	make_sales_order(a, ago(1), [(product, 1, 10)])
	assert run(names)["segment_changes"] == 2
	history = frappe.get_all(
		"Customer Segment History",
		filters={"customer": a},
		fields=["from_segment", "to_segment", "r_score", "f_score"],
		order_by="name",
	)
	assert [(h.from_segment, h.to_segment) for h in history] == [("", "Lost"), ("Lost", "Hibernating")]
	assert (history[-1].r_score, history[-1].f_score) == (2, 2)
	assert fields(names, "rfm_segment") == [("Hibernating",), ("Lost",)]


def test_a_window_of_zero_days_is_refused_before_anything_is_written():
	(name,) = customers(1)
	make_sales_order(name, ago(5), [(products(1)[0], 1, 10)])
	with pytest.raises(frappe.ValidationError, match="at least one day"):
		run([name], rfm.RfmSettings(window_days=0))
	assert frappe.db.get_value("Customer", name, "rfm_segment") in (None, "")
	saved = frappe.db.get_single_value("Analytics Settings", "rfm_window_days")
	settings = frappe.get_doc("Analytics Settings")
	settings.rfm_window_days = 0
	with pytest.raises(frappe.ValidationError, match="at least one day"):
		settings.save()
	frappe.clear_document_cache("Analytics Settings", "Analytics Settings")
	assert frappe.db.get_single_value("Analytics Settings", "rfm_window_days") == saved


def test_the_whole_population_run_scores_every_customer_with_orders():
	names = customers(3)
	(product,) = products(1)
	for i, name in enumerate(names):
		make_sales_order(name, ago(i + 1), [(product, 1, 10)])
	result = rfm.compute_rfm(AS_OF, SETTINGS)
	assert result["scored"] >= 3
	assert all(seg for (seg,) in fields(names, "rfm_segment"))
	assert frappe.db.count("Customer Segment History", {"customer": ("in", names)}) == 3


def test_only_managers_may_queue_a_recompute():
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		rfm.enqueue_rfm()


@pytest.mark.parametrize("rows", [1, 3, 7, 10, 23])
def test_ntile_sql_equals_mariadb_ntile(rows):
	"""The quintile arithmetic in SQL gives what MariaDB's own NTILE(5) gives, row for row."""
	got = frappe.db.sql(
		f"""SELECT seq, NTILE(5) OVER (ORDER BY seq), {rfm.ntile_sql("seq", str(rows))}
		FROM seq_1_to_{rows} ORDER BY seq"""
	)
	assert [int(r[1]) for r in got] == [int(r[2]) for r in got]


def test_segment_and_tier_sql_equal_the_python_maps():
	"""MariaDB evaluates the generated ELT expressions to what segment_for and loyalty_tier say, for every
	score combination (and '' / NULL for the unscored zeros)."""
	scores = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)] + [(0, 0, 0)]
	values = " UNION ALL ".join(f"SELECT {r} AS r, {f} AS f, {m} AS m" for r, f, m in scores)
	got = frappe.db.sql(
		f"""SELECT r, f, m, {rfm.segment_sql("t.r", "t.f")}, {rfm.loyalty_sql("t.r", "t.f", "t.m")}
		FROM ({values}) t"""
	)
	for r, f, m, segment, tier in got:
		assert segment == (rfm.segment_for(r, f) if r else None), (r, f)
		assert tier == rfm.loyalty_tier(r, f, m), (r, f, m)
	assert len(got) == 126
