"""Market-basket analysis: pair association rules counted by a set-based self-join on order lines.

A basket is a submitted, non-return Sales Order dated in the basket window; a product counts once per
basket however many lines carry it. For every ordered pair of products (A -> B):

	support(A -> B)    = baskets with A and B / all baskets
	confidence(A -> B) = baskets with A and B / baskets with A
	lift(A -> B)       = confidence(A -> B) / (baskets with B / all baskets)
	conviction(A -> B) = (1 - support(B)) / (1 - confidence(A -> B)); stored as 0 when confidence is 1
	                     (infinite: B was in every basket with A)

Pairs below the minimum support are dropped inside MariaDB (HAVING), before anything reaches Python;
rules below the minimum confidence are not stored. See docs/analytics.md for why SQL and not mlxtend.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, now_datetime

from crm_suite.analytics.rfm import _temp_sql, require_manager

ITEM_TABLE = "crm_basket_items"


@dataclass(frozen=True)
class BasketSettings:
	window_days: int = 365
	min_support: float = 0.0001
	min_confidence: float = 0.01


def validate_min_support(min_support) -> float:
	value = flt(min_support, 9)
	if min_support is None or not 0 < value <= 1:
		frappe.throw(
			_("Minimum support is a share of baskets: more than 0 and at most 1 (got {0}).").format(
				min_support
			),
			title=_("Invalid Minimum Support"),
		)
	return value


def validate_min_confidence(min_confidence) -> float:
	value = flt(min_confidence, 9)
	if not 0 <= value <= 1:
		frappe.throw(
			_("Minimum confidence is a share from 0 to 1 (got {0}).").format(min_confidence),
			title=_("Invalid Minimum Confidence"),
		)
	return value


def validate_basket_settings(settings: BasketSettings) -> None:
	if not settings.window_days or settings.window_days < 1:
		frappe.throw(_("The basket window must be at least one day."), title=_("Invalid Basket Window"))
	validate_min_support(settings.min_support)
	validate_min_confidence(settings.min_confidence)


def get_basket_settings() -> BasketSettings:
	"""The saved Analytics Settings; a value never saved (0 or empty) falls back to its default."""
	s = frappe.get_cached_doc("Analytics Settings")
	d = BasketSettings()
	return BasketSettings(
		window_days=cint(s.basket_window_days) or d.window_days,
		min_support=flt(s.basket_min_support, 9) or d.min_support,
		min_confidence=flt(s.basket_min_confidence, 9) or d.min_confidence,
	)


def min_pair_count(min_support: float, baskets: int) -> int:
	"""The fewest baskets a pair must appear in to reach `min_support` (at least 1)."""
	return max(1, math.ceil(round(min_support * baskets, 9)))


def rule_measures(n_ab: int, n_a: int, n_b: int, n: int) -> dict:
	"""The measures of rule A -> B from basket counts, as the SQL computes them (for tests and docs)."""
	confidence = n_ab / n_a
	support_b = n_b / n
	return {
		"support": n_ab / n,
		"confidence": confidence,
		"lift": confidence / support_b,
		"conviction": 0.0 if confidence >= 1 else (1 - support_b) / (1 - confidence),
	}


def compute_rules(
	as_of: datetime.date | str | None = None,
	settings: BasketSettings | None = None,
	customers: list[str] | None = None,
) -> dict:
	"""Replace all Association Rules with freshly counted ones. Does not commit (the job does)."""
	settings = settings or get_basket_settings()
	validate_basket_settings(settings)
	as_of = getdate(as_of) if as_of else getdate()
	values: dict = {
		"as_of": as_of,
		"start": add_days(as_of, -settings.window_days),
		"min_confidence": settings.min_confidence,
		"now": now_datetime(),
		"user": frappe.session.user,
	}
	scope = ""
	if customers is not None:
		values["customers"] = tuple(customers) or ("",)
		scope = "AND so.customer IN %(customers)s"
	baskets_where = f"""so.docstatus = 1 AND so.is_return = 0
		AND so.transaction_date > %(start)s AND so.transaction_date <= %(as_of)s {scope}"""

	frappe.db.sql("DELETE FROM `tabAssociation Rule`")
	baskets = frappe.db.sql(f"SELECT COUNT(*) FROM `tabSales Order` so WHERE {baskets_where}", values)[0][0]
	if not baskets:
		return {"baskets": 0, "rules": 0}
	values["baskets"] = baskets
	values["min_count"] = min_pair_count(settings.min_support, baskets)

	# Baskets per product, counted once into a temporary table that the rule query joins twice.
	_temp_sql(f"DROP TEMPORARY TABLE IF EXISTS {ITEM_TABLE}")
	_temp_sql(
		f"""CREATE TEMPORARY TABLE {ITEM_TABLE} (PRIMARY KEY (product))
		SELECT i.product, COUNT(DISTINCT i.parent) AS n
		FROM `tabSales Order` so JOIN `tabSales Order Item` i ON i.parent = so.name
		WHERE {baskets_where} GROUP BY i.product HAVING n >= %(min_count)s""",
		values,
	)
	if customers is None:
		pair_join = """`tabSales Order Item` x FORCE INDEX (parent_product)
			STRAIGHT_JOIN `tabSales Order Item` y FORCE INDEX (parent_product)
				ON y.parent = x.parent AND y.product > x.product
			STRAIGHT_JOIN `tabSales Order` so ON so.name = x.parent"""
	else:  # a few customers' orders: let the optimizer start from them
		pair_join = """`tabSales Order` so JOIN `tabSales Order Item` x ON x.parent = so.name
			JOIN `tabSales Order Item` y ON y.parent = x.parent AND y.product > x.product"""
	try:
		# The pair count walks the lines in (parent, product) index order, so each order's lines are read
		# together (STRAIGHT_JOIN keeps that order; driving from Sales Order made it twice as slow).
		frappe.db.sql(
			f"""INSERT INTO `tabAssociation Rule`
				(name, creation, modified, owner, modified_by, docstatus, idx, antecedent, consequent,
				pair_count, antecedent_count, consequent_count, basket_count,
				support, confidence, lift, conviction, computed_on)
			SELECT NEXTVAL(association_rule_id_seq), %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, r.ante, r.cons,
				r.n_ab, ca.n, cb.n, %(baskets)s,
				r.n_ab / %(baskets)s,
				r.n_ab / ca.n,
				r.n_ab * %(baskets)s / (ca.n * cb.n),
				IF(r.n_ab >= ca.n, 0, (1 - cb.n / %(baskets)s) / (1 - r.n_ab / ca.n)),
				%(now)s
			FROM (
				SELECT IF(d.dir = 1, p.a, p.b) AS ante, IF(d.dir = 1, p.b, p.a) AS cons, p.n_ab
				FROM (
					SELECT x.product AS a, y.product AS b, COUNT(DISTINCT x.parent) AS n_ab
					FROM {pair_join}
					WHERE {baskets_where}
					GROUP BY x.product, y.product
					HAVING n_ab >= %(min_count)s
				) p
				CROSS JOIN (SELECT 1 AS dir UNION ALL SELECT 2) d
			) r
			JOIN {ITEM_TABLE} ca ON ca.product = r.ante
			JOIN {ITEM_TABLE} cb ON cb.product = r.cons
			WHERE r.n_ab / ca.n >= %(min_confidence)s""",
			values,
		)
	finally:
		_temp_sql(f"DROP TEMPORARY TABLE IF EXISTS {ITEM_TABLE}")
	rules = frappe.db.sql("SELECT COUNT(*) FROM `tabAssociation Rule`")[0][0]
	return {"baskets": baskets, "rules": rules}


def run_scheduled() -> None:
	"""Scheduled daily on the long queue: recount the rules, then commit."""
	compute_rules()
	frappe.db.set_single_value("Analytics Settings", "last_basket_run", now_datetime())
	frappe.db.commit()


@frappe.whitelist()
def enqueue_rules() -> None:
	require_manager()
	frappe.enqueue(
		"crm_suite.analytics.basket.run_scheduled", queue="long", job_id="crm_suite_basket", deduplicate=True
	)


def _owned_products_sql(doctype: str) -> str:
	"""SQL for the products a customer has bought (and, for an opportunity, the ones it already lists)."""
	bought = """SELECT i.product FROM `tabSales Order Item` i JOIN `tabSales Order` so ON so.name = i.parent
		WHERE so.docstatus = 1 AND so.is_return = 0 AND so.customer = %(customer)s"""
	if doctype == "Opportunity":
		return bought + " UNION SELECT oi.product FROM `tabOpportunity Item` oi WHERE oi.parent = %(name)s"
	return bought


@frappe.whitelist()
def get_cross_sell(doctype: str, name: str, limit: int = 5) -> list[dict]:
	"""Products often bought with what this Customer or Opportunity already has, that it has not bought,
	best first (highest confidence, then lift). Only rules with lift above 1 count."""
	if doctype not in ("Customer", "Opportunity"):
		frappe.throw(
			_("Cross-sell suggestions are for a Customer or an Opportunity."), title=_("Not Supported")
		)
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	customer = doc.name if doctype == "Customer" else (doc.customer or "")
	owned = _owned_products_sql(doctype)
	return frappe.db.sql(
		f"""SELECT r.consequent AS product, p.item_name, MAX(r.confidence) AS confidence, MAX(r.lift) AS lift,
			SUBSTRING_INDEX(GROUP_CONCAT(r.antecedent ORDER BY r.confidence DESC SEPARATOR ', '), ', ', 3)
				AS because_of
		FROM `tabAssociation Rule` r
		JOIN `tabProduct` p ON p.name = r.consequent AND p.disabled = 0
		WHERE r.lift > 1
			AND r.antecedent IN (SELECT * FROM ({owned}) o1)
			AND r.consequent NOT IN (SELECT * FROM ({owned}) o2)
		GROUP BY r.consequent, p.item_name
		ORDER BY confidence DESC, lift DESC, r.consequent
		LIMIT %(limit)s""",
		{"customer": customer, "name": doc.name, "limit": max(1, min(cint(limit) or 5, 50))},
		as_dict=True,
	)


def stored_rules(
	min_support, min_confidence=0, min_lift: float = 0, product: str | None = None, limit: int = 200
) -> list[dict]:
	"""The stored rules passing the filters, strongest lift first (the Frequently Bought Together report)."""
	values = {
		"min_support": validate_min_support(min_support),
		"min_confidence": validate_min_confidence(min_confidence),
		"min_lift": flt(min_lift),
		"limit": cint(limit),
	}
	product_condition = ""
	if product:
		values["product"] = product
		product_condition = "AND (r.antecedent = %(product)s OR r.consequent = %(product)s)"
	return frappe.db.sql(
		f"""SELECT r.antecedent, pa.item_name AS antecedent_name, r.consequent, pc.item_name AS consequent_name,
			r.pair_count, r.support, r.confidence, r.lift, r.conviction
		FROM `tabAssociation Rule` r
		LEFT JOIN `tabProduct` pa ON pa.name = r.antecedent
		LEFT JOIN `tabProduct` pc ON pc.name = r.consequent
		WHERE r.support >= %(min_support)s AND r.confidence >= %(min_confidence)s AND r.lift >= %(min_lift)s
			{product_condition}
		ORDER BY r.lift DESC, r.confidence DESC, r.antecedent, r.consequent
		LIMIT %(limit)s""",
		values,
		as_dict=True,
	)
