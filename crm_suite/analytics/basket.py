"""Market-basket analysis: pair association rules counted by a set-based self-join on order lines.

A basket is a submitted, non-return Sales Order dated in the basket window; a product counts once per
basket however many lines carry it. For every ordered pair of products (A -> B):

	support(A -> B)    = baskets with A and B / all baskets
	confidence(A -> B) = baskets with A and B / baskets with A
	lift(A -> B)       = confidence(A -> B) / (baskets with B / all baskets)
	conviction(A -> B) = (1 - support(B)) / (1 - confidence(A -> B)); stored as 0 when confidence is 1
	                     (infinite: B was in every basket with A)

Counting, all inside MariaDB (nothing reaches Python): the baskets and products get integer ids in
temporary tables, the lines become one (basket, product) row per product per basket, products below the
minimum support count are pruned (Apriori: a pair is never more frequent than either of its products), and
the remaining lines are self-joined on the basket (product a < product b), grouped on one integer pair key
with HAVING at the minimum count. Rules below the minimum confidence are not stored. See docs/analytics.md
for the measured comparison with mlxtend.
"""

import datetime
import math
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import add_days, cint, flt, getdate, now_datetime

from crm_suite.analytics.rfm import MEMORY_LIMIT, require_manager, temp_tables_in_memory
from crm_suite.utils import singles
from crm_suite.utils.permissions import readable_condition
from crm_suite.utils.temp_tables import temp_table_sql

PRODUCT_TABLE = "crm_basket_products"  # product name -> integer id
ORDER_TABLE = "crm_basket_orders"  # basket (order) name -> integer id
LINE_TABLE = "crm_basket_lines"  # (basket, product id), one row per product per basket
ITEM_TABLE = "crm_basket_items"  # frequent products: baskets per product id, at least the minimum count
PAIR_KEY = 4294967296  # a pair of 32-bit ids as one BIGINT grouping key


def _drop_temp_tables() -> None:
	temp_table_sql(
		f"DROP TEMPORARY TABLE IF EXISTS {PRODUCT_TABLE}, {ORDER_TABLE}, {LINE_TABLE}, {ITEM_TABLE}"
	)


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

	rule, order = frappe.qb.DocType("Association Rule"), frappe.qb.DocType("Sales Order")
	frappe.qb.from_(rule).delete().run()
	in_window = (
		(order.docstatus == 1)
		& (order.is_return == 0)
		& (order.transaction_date > values["start"])
		& (order.transaction_date <= as_of)
	)
	if customers is not None:
		in_window &= order.customer.isin(values["customers"])
	baskets = frappe.qb.from_(order).select(Count("*")).where(in_window).run()[0][0]
	if not baskets:
		return {"baskets": 0, "rules": 0}
	values["baskets"] = baskets
	values["min_count"] = min_pair_count(settings.min_support, baskets)
	# One name per order held in memory: MEMORY rows are fixed width (VARCHAR(140) in utf8mb4 ~ 570 bytes).
	orders_engine = "MEMORY" if baskets * 600 < MEMORY_LIMIT // 2 else "InnoDB"
	with temp_tables_in_memory():
		try:
			_drop_temp_tables()
			_count_rules(values, baskets_where, orders_engine, scoped=customers is not None)
		finally:
			_drop_temp_tables()
	rules = frappe.qb.from_(rule).select(Count("*")).run()[0][0]
	return {"baskets": baskets, "rules": rules}


def _count_rules(values: dict, baskets_where: str, orders_engine: str, scoped: bool) -> None:
	"""Fill the temporary tables and insert the rules (see compute_rules); the caller drops the tables.
	Raw SQL: temporary tables, INSERT … SELECT with STRAIGHT_JOIN and FORCE INDEX, byte collations."""
	# Products and baskets as integers: the pair join and grouping then compare 4-byte keys, not
	# collated strings, and every temporary table stays narrow enough to live in memory.
	# The two name lookups per order line compare bytes (utf8mb4_bin): hashing a name under
	# utf8mb4_unicode_ci computes its collation weights, which was about a third of the line step. Frappe
	# stores a child's `parent` and a Link's value with the linked document's exact name (its link
	# validation rewrites the value to the name as stored), so the byte comparison finds the same rows.
	temp_table_sql(
		f"""CREATE TEMPORARY TABLE {PRODUCT_TABLE} (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
			name VARCHAR(140) COLLATE utf8mb4_bin NOT NULL, UNIQUE KEY (name)) ENGINE=MEMORY
		SELECT name FROM `tabProduct`"""
	)
	temp_table_sql(
		f"""CREATE TEMPORARY TABLE {ORDER_TABLE} (basket INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
			name VARCHAR(140) COLLATE utf8mb4_bin NOT NULL, UNIQUE KEY (name)) ENGINE={orders_engine}
		SELECT so.name FROM `tabSales Order` so WHERE {baskets_where}""",
		values,
	)
	temp_table_sql(
		f"""CREATE TEMPORARY TABLE {LINE_TABLE} (basket INT UNSIGNED NOT NULL, item INT UNSIGNED NOT NULL,
			PRIMARY KEY (basket, item) USING HASH, KEY basket (basket) USING HASH) ENGINE=MEMORY"""
	)
	# Hash indexes, not BTREE: the primary key only drops repeated lines and the pair join only looks a
	# basket's few lines up by equality (filtering y.item > x.item on them); on the benchmark the line insert
	# took 3.3 s instead of 4.6 s and the pair join 2.6-2.7 s instead of 3.7-4.1 s.
	# A product counts once per basket: the primary key drops repeated lines (INSERT IGNORE).
	if not scoped:  # every order: read all lines once in index order, look the order up
		lines = f"""`tabSales Order Item` i FORCE INDEX (parent_product)
			STRAIGHT_JOIN {ORDER_TABLE} o ON o.name = i.parent COLLATE utf8mb4_bin"""
	else:  # a few customers' orders: start from them (the item's parent index is utf8mb4_unicode_ci)
		lines = f"""{ORDER_TABLE} o STRAIGHT_JOIN `tabSales Order Item` i
			ON i.parent = o.name COLLATE utf8mb4_unicode_ci"""
	frappe.db.sql(
		f"""INSERT IGNORE INTO {LINE_TABLE} (basket, item)
		SELECT o.basket, p.id FROM {lines}
			STRAIGHT_JOIN {PRODUCT_TABLE} p ON p.name = i.product COLLATE utf8mb4_bin"""
	)
	# Apriori: a pair can only reach the minimum support if both its products do, so only the
	# frequent products (baskets per product, counted once) take part in the pair join.
	temp_table_sql(
		f"""CREATE TEMPORARY TABLE {ITEM_TABLE} (item INT UNSIGNED NOT NULL PRIMARY KEY,
			n INT UNSIGNED NOT NULL) ENGINE=MEMORY
		SELECT item, COUNT(*) AS n FROM {LINE_TABLE} GROUP BY item HAVING n >= %(min_count)s""",
		values,
	)
	# Pairs counted once (y.item > x.item), grouped on one integer key, then doubled into both rules.
	frappe.db.sql(
		f"""INSERT INTO `tabAssociation Rule`
			(name, creation, modified, owner, modified_by, docstatus, idx, antecedent, consequent,
			pair_count, antecedent_count, consequent_count, basket_count,
			support, confidence, lift, conviction, computed_on)
		SELECT NEXTVAL(association_rule_id_seq), %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, pa.name, pc.name,
			r.n_ab, ca.n, cc.n, %(baskets)s,
			r.n_ab / %(baskets)s,
			r.n_ab / ca.n,
			r.n_ab * %(baskets)s / (ca.n * cc.n),
			IF(r.n_ab >= ca.n, 0, (1 - cc.n / %(baskets)s) / (1 - r.n_ab / ca.n)),
			%(now)s
		FROM (
			SELECT IF(d.dir = 1, p.a, p.b) AS ante, IF(d.dir = 1, p.b, p.a) AS cons, p.n_ab
			FROM (
				SELECT pair DIV {PAIR_KEY} AS a, pair MOD {PAIR_KEY} AS b, n_ab
				FROM (
					SELECT x.item * {PAIR_KEY} + y.item AS pair, COUNT(*) AS n_ab
					FROM {LINE_TABLE} x
						STRAIGHT_JOIN {ITEM_TABLE} fx ON fx.item = x.item
						STRAIGHT_JOIN {LINE_TABLE} y FORCE INDEX (basket)
							ON y.basket = x.basket AND y.item > x.item
						STRAIGHT_JOIN {ITEM_TABLE} fy ON fy.item = y.item
					GROUP BY pair
					HAVING n_ab >= %(min_count)s
				) k
			) p
			CROSS JOIN (SELECT 1 AS dir UNION ALL SELECT 2) d
		) r
		JOIN {ITEM_TABLE} ca ON ca.item = r.ante
		JOIN {ITEM_TABLE} cc ON cc.item = r.cons
		JOIN {PRODUCT_TABLE} pa ON pa.id = r.ante
		JOIN {PRODUCT_TABLE} pc ON pc.id = r.cons
		WHERE r.n_ab / ca.n >= %(min_confidence)s""",
		values,
	)


def run_scheduled(customers: list[str] | None = None) -> None:
	"""Scheduled daily on the long queue: recount the rules (from every basket, or only `customers`'),
	then commit."""
	compute_rules(customers=customers)
	singles.set_single_value("Analytics Settings", "last_basket_run", now_datetime())
	frappe.db.commit()


@frappe.whitelist(methods=["POST"])  # queues a job: a GET (a link, an image) must not
def enqueue_rules() -> None:
	require_manager()
	frappe.enqueue(
		"crm_suite.analytics.basket.run_scheduled", queue="long", job_id="crm_suite_basket", deduplicate=True
	)


def _owned_products_sql(doctype: str) -> str:
	"""SQL for the products a customer has bought (and, for an opportunity, the ones it already lists), from
	the orders the user may read (crm_suite/utils/permissions.py)."""
	readable = readable_condition("Sales Order", "so.`name`")
	bought = f"""SELECT i.product FROM `tabSales Order Item` i JOIN `tabSales Order` so ON so.name = i.parent
		WHERE so.docstatus = 1 AND so.is_return = 0 AND so.customer = %(customer)s AND {readable}"""
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
	# raw SQL: GROUP_CONCAT … ORDER BY … SEPARATOR cut by SUBSTRING_INDEX, and a UNION subquery
	return frappe.db.sql(
		f"""SELECT r.consequent AS product, p.item_name, MAX(r.confidence) AS confidence, MAX(r.lift) AS lift,
			SUBSTRING_INDEX(
				GROUP_CONCAT(COALESCE(NULLIF(pa.item_name, ''), r.antecedent) ORDER BY r.confidence DESC
					SEPARATOR '; '),
				'; ', 3
			) AS because_of
		FROM `tabAssociation Rule` r
		JOIN `tabProduct` p ON p.name = r.consequent AND p.disabled = 0
		LEFT JOIN `tabProduct` pa ON pa.name = r.antecedent
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
	if cint(limit) < 1:
		frappe.throw(_("Rows must be at least 1."), title=_("Invalid Rows"))
	rule = frappe.qb.DocType("Association Rule")
	antecedent, consequent = frappe.qb.DocType("Product").as_("pa"), frappe.qb.DocType("Product").as_("pc")
	condition = (
		(rule.support >= validate_min_support(min_support))
		& (rule.confidence >= validate_min_confidence(min_confidence))
		& (rule.lift >= flt(min_lift))
	)
	if product:
		condition &= (rule.antecedent == product) | (rule.consequent == product)
	return (
		frappe.qb.from_(rule)
		.left_join(antecedent)
		.on(antecedent.name == rule.antecedent)
		.left_join(consequent)
		.on(consequent.name == rule.consequent)
		.select(
			rule.antecedent,
			antecedent.item_name.as_("antecedent_name"),
			rule.consequent,
			consequent.item_name.as_("consequent_name"),
			rule.pair_count,
			rule.support,
			rule.confidence,
			rule.lift,
			rule.conviction,
		)
		.where(condition)
		.orderby(rule.lift, order=frappe.qb.desc)
		.orderby(rule.confidence, order=frappe.qb.desc)
		.orderby(rule.antecedent)
		.orderby(rule.consequent)
		.limit(cint(limit))
		.run(as_dict=True)
	)
