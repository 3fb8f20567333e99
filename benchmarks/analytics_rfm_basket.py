"""Benchmark: RFM recompute with write-back, cohort report and basket pair rules on generated data.

Generates 100k customers, 5k products and 1M order lines (250k orders, 4 lines each; ~3% cancelled,
~2% returns) with MariaDB's sequence engine (INSERT ... SELECT, nothing built row by row in Python), times
each analytics step with its peak Python memory (tracemalloc) and the process high-water RSS
(getrusage), then deletes everything it generated. Run from the bench folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/analytics_rfm_basket.py --site SITE

Options: --keep (leave the data in place), --reuse (measure data kept by an earlier --keep run: a warm
buffer pool), --cleanup-only, --no-index-comparison. The load average and InnoDB's buffer pool size are
printed: on a shared machine the figures move with them. Each step also prints its slowest statements
(where the time goes: reading, temporary tables, write-back).

With the optional extra `[bench]` installed in the bench env (`env/bin/pip install -e apps/crm_suite[bench]`)
the same rules are also mined with mlxtend's fpgrowth + association_rules from the same lines, for the
comparison in docs/analytics.md; without it that step is skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
import warnings
from contextlib import contextmanager

from crm_suite.devserver import connect

CUSTOMERS = 100_000
PRODUCTS = 5_000
ORDERS = 250_000
LINES_PER_ORDER = 4  # 1M lines
AS_OF = "2026-06-30"
PREFIX = "BENCH"


@contextmanager
def measure(label: str, results: list):
	import frappe

	statements: list[tuple[float, str]] = []
	sql = frappe.db.sql

	def timed_sql(query, *args, **kwargs):
		start = time.perf_counter()
		try:
			return sql(query, *args, **kwargs)
		finally:
			statements.append((time.perf_counter() - start, " ".join(str(query).split())))

	frappe.db.sql = timed_sql
	tracemalloc.start()
	start = time.perf_counter()
	try:
		yield
	finally:
		elapsed = time.perf_counter() - start
		_, peak = tracemalloc.get_traced_memory()
		tracemalloc.stop()
		frappe.db.sql = sql
	rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
	results.append((label, elapsed, peak / 1024 / 1024, rss))
	print(
		f"{label:<58} {elapsed:8.3f} s   peak Python {peak / 1024 / 1024:8.2f} MiB   max RSS {rss:7.1f} MiB",
		flush=True,
	)
	if len(statements) > 1:
		for seconds, query in sorted(statements, reverse=True)[:4]:
			if seconds >= 0.05 * elapsed:
				print(
					f"    {seconds:7.3f} s  {query.removeprefix('/* temporary table: no implicit commit */ ')[:100]}"
				)


def generate(frappe) -> None:
	sql = frappe.db.sql
	now = "NOW(6)"
	common = f"{now}, {now}, 'Administrator', 'Administrator'"
	t = time.perf_counter()
	sql(f"""INSERT INTO `tabProduct` (name, creation, modified, owner, modified_by, docstatus, idx,
			item_code, item_name, standard_rate, uom, disabled)
		SELECT CONCAT('{PREFIX}-P-', LPAD(seq, 5, '0')), {common}, 0, 0,
			CONCAT('{PREFIX}-P-', LPAD(seq, 5, '0')), CONCAT('Bench product ', seq), 5 + seq % 200, 'Nos', 0
		FROM seq_1_to_{PRODUCTS}""")
	sql(f"""INSERT INTO `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, disabled)
		SELECT CONCAT('{PREFIX}-C-', LPAD(seq, 6, '0')), {common}, 0, 0,
			'CUST-.YYYY.-', CONCAT('Bench customer ', seq), 'Company', 0
		FROM seq_1_to_{CUSTOMERS}""")
	# Customers skewed (a few order often), dates spread over three years, 3% cancelled, 2% returns.
	sql(f"""INSERT INTO `tabSales Order` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer, customer_name, transaction_date, is_return, currency, total_qty, grand_total,
			conversion_rate, base_grand_total)
		SELECT CONCAT('{PREFIX}-SO-', LPAD(seq, 7, '0')), {common},
			IF(CRC32(CONCAT('x', seq)) % 100 < 3, 2, 1), 0, 'SO-.YYYY.-',
			CONCAT('{PREFIX}-C-', LPAD(1 + FLOOR({CUSTOMERS} * POW(CRC32(CONCAT('c', seq)) / 4294967296, 1.6)), 6, '0')),
			'', DATE_SUB('{AS_OF}', INTERVAL CRC32(CONCAT('d', seq)) % 1095 DAY),
			IF(CRC32(CONCAT('r', seq)) % 100 < 2, 1, 0), 'USD', 0, 0, 1, 0
		FROM seq_1_to_{ORDERS}""")
	# Line 1: a product skewed towards the popular ones; line 2: its bundle partner in 60% of orders
	# (so there are rules to find); lines 3-4: skewed random.
	sql(f"""INSERT INTO `tabSales Order Item` (name, creation, modified, owner, modified_by, docstatus, idx,
			parent, parentfield, parenttype, product, item_name, qty, rate, amount, currency)
		SELECT CONCAT('{PREFIX}-SOI-', LPAD(l.seq, 7, '0')), {common}, 1, l.k,
			CONCAT('{PREFIX}-SO-', LPAD(l.o, 7, '0')), 'items', 'Sales Order',
			CONCAT('{PREFIX}-P-', LPAD(l.p, 5, '0')), '', l.q, 5 + l.p % 200, l.q * (5 + l.p % 200), 'USD'
		FROM (
			SELECT s.seq, s.o, s.k, s.q,
				CASE
					WHEN s.k = 1 THEN s.base
					WHEN s.k = 2 AND CRC32(CONCAT('b', s.o)) % 100 < 60
						THEN IF(s.base % 2 = 1, LEAST(s.base + 1, {PRODUCTS}), s.base - 1)
					ELSE 1 + FLOOR({PRODUCTS} * POW(CRC32(CONCAT('l', s.seq)) / 4294967296, 2))
				END AS p
			FROM (
				SELECT seq, CEIL(seq / {LINES_PER_ORDER}) AS o, 1 + (seq - 1) % {LINES_PER_ORDER} AS k,
					1 + CRC32(CONCAT('q', seq)) % 3 AS q,
					1 + FLOOR({PRODUCTS} * POW(CRC32(CONCAT('a', CEIL(seq / {LINES_PER_ORDER}))) / 4294967296, 2)) AS base
				FROM seq_1_to_{ORDERS * LINES_PER_ORDER}
			) s
		) l""")
	# Returns carry negative quantities; then the order totals from their lines (docstatus follows the order).
	sql(f"""UPDATE `tabSales Order Item` i JOIN `tabSales Order` so ON so.name = i.parent
		SET i.qty = -i.qty, i.amount = -i.amount, i.docstatus = so.docstatus
		WHERE so.name LIKE '{PREFIX}-SO-%%' AND (so.is_return = 1 OR so.docstatus = 2)""")
	sql(f"""UPDATE `tabSales Order Item` i JOIN `tabSales Order` so ON so.name = i.parent
		SET i.qty = -i.qty, i.amount = -i.amount
		WHERE so.name LIKE '{PREFIX}-SO-%%' AND so.docstatus = 2 AND so.is_return = 0""")
	sql(f"""UPDATE `tabSales Order` so JOIN (
			SELECT parent, SUM(qty) AS q, SUM(amount) AS a FROM `tabSales Order Item`
			WHERE parent LIKE '{PREFIX}-SO-%%' GROUP BY parent
		) t ON t.parent = so.name
		SET so.total_qty = t.q, so.grand_total = t.a, so.base_grand_total = t.a""")  # USD only: rate 1
	# The orders were written around the document model, so their submit hooks never ran: recompute the
	# per-customer order totals the nightly RFM job reads (what the patch does on an existing site).
	from crm_suite.analytics.order_summary import rebuild_order_summaries

	rebuild_order_summaries()
	frappe.db.commit()
	for table in (
		"tabSales Order",
		"tabSales Order Item",
		"tabCustomer",
		"tabProduct",
		"tabCustomer Order Summary",
	):
		sql(f"ANALYZE TABLE `{table}`")
	print(
		f"generated {CUSTOMERS:,} customers, {PRODUCTS:,} products, {ORDERS:,} orders, "
		f"{ORDERS * LINES_PER_ORDER:,} lines in {time.perf_counter() - t:.1f} s",
		flush=True,
	)


def cleanup(frappe) -> None:
	sql = frappe.db.sql
	t = time.perf_counter()
	sql(f"DELETE FROM `tabCustomer Segment History` WHERE customer LIKE '{PREFIX}-C-%%'")
	sql(f"DELETE FROM `tabSales Order Item` WHERE parent LIKE '{PREFIX}-SO-%%'")
	sql(f"DELETE FROM `tabSales Order` WHERE name LIKE '{PREFIX}-SO-%%'")
	sql(f"DELETE FROM `tabCustomer Order Summary` WHERE name LIKE '{PREFIX}-C-%%'")
	sql(f"DELETE FROM `tabCustomer` WHERE name LIKE '{PREFIX}-C-%%'")
	sql(
		f"DELETE FROM `tabAssociation Rule` WHERE antecedent LIKE '{PREFIX}-P-%%' OR consequent LIKE '{PREFIX}-P-%%'"
	)
	sql(f"DELETE FROM `tabProduct` WHERE name LIKE '{PREFIX}-P-%%'")
	frappe.db.commit()
	print(f"cleaned up the generated data in {time.perf_counter() - t:.1f} s", flush=True)


def bare_rfm_query(frappe, index_hint: str = "") -> int:
	"""The grouping query with three NTILE windows alone (no write-back), for comparison."""
	return len(
		frappe.db.sql(
			f"""SELECT customer,
			NTILE(5) OVER (ORDER BY recency DESC) r, NTILE(5) OVER (ORDER BY frequency) f,
			NTILE(5) OVER (ORDER BY monetary) m
		FROM (SELECT customer, DATEDIFF('{AS_OF}', MAX(transaction_date)) recency, COUNT(*) frequency,
				SUM(base_grand_total) monetary
			FROM `tabSales Order` {index_hint}
			WHERE docstatus = 1 AND transaction_date > DATE_SUB('{AS_OF}', INTERVAL 365 DAY)
			GROUP BY customer) g""",
			as_list=True,
		)
	)


def mlxtend_rules(frappe, settings, results: list) -> None:
	"""The same pair rules mined with mlxtend (fpgrowth, then association_rules) from the same baskets, to
	compare time, memory and the rules themselves with the SQL counting. Needs the optional [bench] extra."""
	try:
		import numpy as np
		import pandas as pd
		from mlxtend.frequent_patterns import association_rules, fpgrowth
		from scipy.sparse import csr_matrix
	except ImportError:
		print("mlxtend comparison skipped: mlxtend is not installed (the optional extra [bench])")
		return
	from frappe.utils import add_days

	with measure("mlxtend: fetch the 1M basket lines into pandas", results):
		rows = frappe.db.sql(
			"""SELECT i.parent, i.product FROM `tabSales Order Item` i JOIN `tabSales Order` so
			ON so.name = i.parent WHERE so.docstatus = 1 AND so.is_return = 0
				AND so.transaction_date > %s AND so.transaction_date <= %s""",
			(add_days(AS_OF, -settings.window_days), AS_OF),
		)
		lines = pd.DataFrame(rows, columns=["basket", "product"]).drop_duplicates()
		del rows
	with measure("mlxtend: one-hot (sparse) + fpgrowth + association_rules", results):
		baskets = lines["basket"].astype("category").cat
		products = lines["product"].astype("category").cat
		with warnings.catch_warnings():  # pandas' own FutureWarning about its bool sparse fill value
			warnings.simplefilter("ignore", FutureWarning)
			onehot = pd.DataFrame.sparse.from_spmatrix(
				csr_matrix((np.ones(len(lines), dtype=bool), (baskets.codes, products.codes))),
				columns=list(products.categories),
			)
		frequent = fpgrowth(onehot, min_support=settings.min_support, use_colnames=True, max_len=2)
		rules = association_rules(
			frequent,
			num_itemsets=len(baskets.categories),
			metric="confidence",
			min_threshold=settings.min_confidence,
		)
	mined = {(next(iter(r.antecedents)), next(iter(r.consequents))) for r in rules.itertuples()}
	stored = set(frappe.db.sql("SELECT antecedent, consequent FROM `tabAssociation Rule`"))
	print(
		f"    {len(frequent):,} frequent itemsets, {len(mined):,} rules; same rules as SQL: {mined == stored}"
	)


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default=os.environ.get("CRM_SITE"), required=not os.environ.get("CRM_SITE"))
	parser.add_argument("--keep", action="store_true", help="leave the generated data in place")
	parser.add_argument("--cleanup-only", action="store_true")
	parser.add_argument("--reuse", action="store_true", help="measure data left by an earlier --keep run")
	parser.add_argument("--no-index-comparison", action="store_true")
	args = parser.parse_args()
	frappe = connect(args.site)
	from frappe.utils import add_days

	from crm_suite.analytics import basket, cohorts, rfm

	reuse = args.reuse and frappe.db.count("Sales Order", {"name": ("like", f"{PREFIX}-SO-%")}) == ORDERS
	if not reuse:
		cleanup(frappe)
		if args.cleanup_only:
			return
		generate(frappe)
	one, five, fifteen = os.getloadavg()
	print(f"load average (1, 5, 15 min): {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")
	pool = frappe.db.sql("SELECT @@innodb_buffer_pool_size")[0][0] / 1024 / 1024
	print(f"InnoDB buffer pool: {pool:,.0f} MiB")
	results: list = []
	try:
		settings = rfm.RfmSettings(window_days=365)
		with measure("bare RFM grouping + 3 NTILE (covering index)", results):
			n = bare_rfm_query(frappe)
		print(f"    {n:,} customers scored")
		if not args.no_index_comparison:
			with measure("bare RFM grouping + 3 NTILE (IGNORE INDEX)", results):
				bare_rfm_query(frappe, "IGNORE INDEX (customer_date_total)")
		with measure("RFM + loyalty recompute, write-back, first run", results):
			out = rfm.compute_rfm(AS_OF, settings)
			frappe.db.commit()
		print(f"    {out['scored']:,} scored in window, {out['segment_changes']:,} segment changes logged")
		# The next night: every recency moves by a day, so every scored customer is written again.
		with measure("RFM + loyalty recompute, write-back, next night", results):
			out = rfm.compute_rfm(add_days(AS_OF, 1), settings)
			frappe.db.commit()
		print(f"    {out['scored']:,} scored in window, {out['segment_changes']:,} segment changes logged")
		with measure("Cohort Retention report (36 cohorts x 12 months)", results):
			matrix = cohorts.cohort_matrix("2023-07-01", AS_OF, 12)
		print(f"    {len(matrix)} cohorts")
		basket_settings = basket.BasketSettings(window_days=1095, min_support=0.0002, min_confidence=0.05)
		with measure("basket pair rules (self-join, support >= 0.0002)", results):
			out = basket.compute_rules(AS_OF, basket_settings)
			frappe.db.commit()
		print(f"    {out['baskets']:,} baskets, {out['rules']:,} rules stored")
		with measure("RFM Segmentation report (summary)", results):
			from crm_suite.analytics.report.rfm_segmentation.rfm_segmentation import execute

			execute({})
		mlxtend_rules(frappe, basket_settings, results)
	finally:
		print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
		if args.keep:
			print("--keep: generated data left in place; run with --cleanup-only to remove it")
		else:
			cleanup(frappe)
			# Rules and scores are derived data: recompute them from what is left.
			basket.compute_rules()
			rfm.compute_rfm()
			frappe.db.commit()
	frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())
