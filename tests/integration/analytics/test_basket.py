"""Association rules on ten hand-counted baskets, cross-sell suggestions, and bad input."""

import frappe
import pytest
from frappe.utils import add_days

from crm_suite.analytics import basket
from tests.integration.analytics.orders_factory import customers, make_sales_order, products
from tests.integration.factories import make_opportunity, make_user

AS_OF = "2026-06-30"

# Baskets of products A, B, C, D. A is in 5 baskets, B in 6, C in 5, D in 3;
# A+B in 4, A+C in 2, B+C in 2, every pair with D in 1.
BASKETS = ["AB", "ABC", "AC", "AAB", "BC", "B", "CD", "D", "ABD", "C"]


@pytest.fixture
def shop():
	names = customers(3)
	codes = dict(zip("ABCD", products(4), strict=True))
	for i, basket_letters in enumerate(BASKETS):
		make_sales_order(
			names[i % 3], str(add_days(AS_OF, -i - 1)), [(codes[x], 1, 10) for x in basket_letters]
		)
	# None of these count: cancelled, draft, a return, and an order before the window.
	make_sales_order(names[0], str(add_days(AS_OF, -3)), [(codes["A"], 1, 10), (codes["D"], 1, 10)]).cancel()
	make_sales_order(
		names[0], str(add_days(AS_OF, -3)), [(codes["A"], 1, 10), (codes["D"], 1, 10)], submit=False
	)
	sale = frappe.get_all(
		"Sales Order", filters={"customer": names[0], "docstatus": 1}, pluck="name", limit=1
	)[0]
	make_sales_order(
		names[0],
		str(add_days(AS_OF, -2)),
		[(codes["C"], 1, 10), (codes["D"], 1, 10)],
		is_return=1,
		return_against=sale,
	)
	make_sales_order(names[1], str(add_days(AS_OF, -400)), [(codes["C"], 1, 10), (codes["D"], 1, 10)])
	return frappe._dict(customers=names, codes=codes)


def rules_by_pair(codes):
	letter = {v: k for k, v in codes.items()}
	return {
		letter[r.antecedent] + letter[r.consequent]: r
		for r in frappe.get_all("Association Rule", fields=["*"])
	}


def test_support_confidence_lift_conviction_are_exact(shop):
	settings = basket.BasketSettings(window_days=365, min_support=0.2, min_confidence=0.35)
	assert basket.compute_rules(AS_OF, settings, customers=shop.customers) == {"baskets": 10, "rules": 5}
	rules = rules_by_pair(shop.codes)
	# Pairs in fewer than 2 baskets (support 0.2) are dropped; B -> C has confidence 2/6 < 0.35.
	assert set(rules) == {"AB", "BA", "AC", "CA", "CB"}
	ab = rules["AB"]
	assert (ab.pair_count, ab.antecedent_count, ab.consequent_count, ab.basket_count) == (4, 5, 6, 10)
	assert (ab.support, ab.confidence) == (0.4, 0.8)
	assert ab.lift == pytest.approx(0.8 / 0.6, abs=1e-9)
	assert ab.conviction == pytest.approx((1 - 0.6) / (1 - 0.8), abs=1e-9)
	ba = rules["BA"]
	assert (ba.support, ba.lift) == (0.4, pytest.approx(4 / 6 / 0.5, abs=1e-9))
	assert ba.confidence == pytest.approx(4 / 6, abs=1e-9)
	assert ba.conviction == pytest.approx(0.5 / (1 - 4 / 6), abs=1e-6)
	for pair, (n_ab, n_a, n_b) in {"AC": (2, 5, 5), "CA": (2, 5, 5), "CB": (2, 5, 6)}.items():
		expected = basket.rule_measures(n_ab, n_a, n_b, 10)
		got = rules[pair]
		for measure, value in expected.items():
			assert got[measure] == pytest.approx(value, abs=1e-8), (pair, measure)


def test_confidence_one_is_stored_as_infinite_conviction_zero(shop):
	settings = basket.BasketSettings(window_days=365, min_support=0.1, min_confidence=0.9)
	basket.compute_rules(AS_OF, settings, customers=shop.customers)
	# No rule reaches 0.9 over all ten baskets: the highest confidence is A -> B (0.8).
	assert frappe.db.count("Association Rule") == 0
	# A three-day window, (as_of - 3, as_of], holds baskets "AB" and "ABC": A is in both, so B -> A and
	# C -> A always held.
	last_days = basket.BasketSettings(window_days=3, min_support=0.1, min_confidence=0.5)
	assert basket.compute_rules(AS_OF, last_days, customers=shop.customers)["baskets"] == 2
	rules = rules_by_pair(shop.codes)
	assert (rules["BA"].confidence, rules["BA"].conviction) == (1, 0)
	assert (rules["CA"].confidence, rules["CA"].conviction) == (1, 0)


def test_recompute_replaces_the_previous_rules(shop):
	settings = basket.BasketSettings(window_days=365, min_support=0.2, min_confidence=0)
	basket.compute_rules(AS_OF, settings, customers=shop.customers)
	assert frappe.db.count("Association Rule") == 6
	basket.compute_rules(AS_OF, settings, customers=shop.customers)
	assert frappe.db.count("Association Rule") == 6


@pytest.mark.parametrize("min_support", [0, -0.1, 1.5, None])
def test_min_support_outside_zero_one_is_refused(shop, min_support):
	basket.compute_rules(AS_OF, basket.BasketSettings(365, 0.2, 0.35), customers=shop.customers)
	with pytest.raises(frappe.ValidationError, match="Minimum support"):
		basket.compute_rules(AS_OF, basket.BasketSettings(365, min_support, 0.1), customers=shop.customers)
	assert frappe.db.count("Association Rule") == 5  # nothing deleted


def test_min_support_of_one_is_allowed(shop):
	assert (
		basket.compute_rules(AS_OF, basket.BasketSettings(365, 1, 0), customers=shop.customers)["rules"] == 0
	)


def test_cross_sell_suggests_products_bought_together_not_yet_bought(shop):
	basket.compute_rules(AS_OF, basket.BasketSettings(365, 0.2, 0.35), customers=shop.customers)
	codes = shop.codes
	(buyer,) = customers(1)
	make_sales_order(buyer, AS_OF, [(codes["A"], 1, 10)])
	# A -> B has lift 1.33; A -> C has lift 0.8 (below 1: not a suggestion).
	suggestions = basket.get_cross_sell("Customer", buyer)
	# "because of" names the product the customer has (its name, not its code).
	name_of_a = frappe.db.get_value("Product", codes["A"], "item_name")
	assert name_of_a and name_of_a != codes["A"]
	assert [(s.product, s.because_of) for s in suggestions] == [(codes["B"], name_of_a)]
	assert suggestions[0].confidence == 0.8
	# An opportunity listing B for a new customer: B -> A (lift 1.33).
	(newcomer,) = customers(1)
	opp = make_opportunity(customer=newcomer, items=[{"product": codes["B"], "qty": 1, "rate": 10}])
	assert [s.product for s in basket.get_cross_sell("Opportunity", opp.name)] == [codes["A"]]
	# The buyer already has A; with B on the opportunity nothing is left to suggest.
	opp = make_opportunity(customer=buyer, items=[{"product": codes["B"], "qty": 1, "rate": 10}])
	assert basket.get_cross_sell("Opportunity", opp.name) == []


def test_cross_sell_needs_read_permission_and_a_supported_doctype(shop):
	(buyer,) = customers(1)
	with pytest.raises(frappe.ValidationError, match="Customer or an Opportunity"):
		basket.get_cross_sell("Ticket", "x")
	frappe.set_user(make_user().name)
	with pytest.raises(frappe.PermissionError):
		basket.get_cross_sell("Customer", buyer)
	frappe.set_user(make_user("Sales User").name)
	assert basket.get_cross_sell("Customer", buyer) == []


def test_products_below_the_minimum_support_are_pruned_before_pairing(shop):
	"""At support 0.4 (4 of 10 baskets) D (3 baskets) is pruned and A+B (4) is the only frequent pair."""
	settings = basket.BasketSettings(window_days=365, min_support=0.4, min_confidence=0)
	assert basket.compute_rules(AS_OF, settings, customers=shop.customers) == {"baskets": 10, "rules": 2}
	rules = rules_by_pair(shop.codes)
	assert set(rules) == {"AB", "BA"}
	assert (rules["AB"].pair_count, rules["AB"].antecedent_count, rules["BA"].antecedent_count) == (4, 5, 6)


def test_a_basket_window_of_zero_days_is_refused_and_rules_kept(shop):
	basket.compute_rules(AS_OF, basket.BasketSettings(365, 0.2, 0.35), customers=shop.customers)
	with pytest.raises(frappe.ValidationError, match="at least one day"):
		basket.compute_rules(AS_OF, basket.BasketSettings(0, 0.2, 0.35), customers=shop.customers)
	assert frappe.db.count("Association Rule") == 5


def test_only_managers_may_queue_a_rule_recount():
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		basket.enqueue_rules()
