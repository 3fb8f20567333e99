"""Sales Order rules: line amounts, totals, return signs, and making an order from a won opportunity.

The arithmetic is pure (tested without a site); the Sales Order controller applies it.
"""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.model.mapper import get_mapped_doc

from crm_suite.sales import opportunity_value
from crm_suite.sales.opportunity_value import line_amount  # noqa: F401 (the Sales Order controller's)


@dataclass(frozen=True)
class OrderTotals:
	total_qty: float
	grand_total: float


def signed_qty(qty: float, is_return: bool) -> float:
	"""A return carries negative quantities whichever sign was typed; a sale keeps what was typed."""
	qty = qty or 0
	return -abs(qty) if is_return else qty


def order_totals(lines: list[tuple[float, float]], precision: int = 2) -> OrderTotals:
	"""Totals of (qty, rate) lines; the grand total is the sum of the rounded line amounts (as an
	opportunity's amount is)."""
	lines_total = opportunity_value.totals(lines, precision)
	return OrderTotals(total_qty=lines_total.total_qty, grand_total=lines_total.amount)


def validate_order_lines(lines: list[tuple[float, float]], is_return: bool) -> None:
	"""Raises before anything is saved: an order needs products, positive quantities (negative on a
	return, which `signed_qty` has already applied) and rates that are not negative."""
	if not lines:
		frappe.throw(_("A sales order needs at least one product."), title=_("No Products"))
	for idx, (qty, rate) in enumerate(lines, start=1):
		if not qty or (qty < 0) != bool(is_return):
			frappe.throw(
				_(
					"Quantity in row {0} must be more than zero (returns are entered with the Is Return flag)."
				).format(idx),
				title=_("Invalid Quantity"),
			)
		if (rate or 0) < 0:
			frappe.throw(_("Rate in row {0} cannot be negative.").format(idx), title=_("Invalid Rate"))


@frappe.whitelist()
def make_sales_order(source_name: str, target_doc=None):
	"""Map a Won Opportunity with a customer to a new (unsaved) Sales Order with its products."""
	opportunity = frappe.get_doc("Opportunity", source_name)
	opportunity.check_permission("read")
	if opportunity.status != "Won":
		frappe.throw(_("Only a won opportunity can make a sales order."), title=_("Opportunity Not Won"))
	if not opportunity.customer:
		frappe.throw(
			_("Convert the opportunity's lead to a customer before making a sales order."),
			title=_("No Customer"),
		)

	def set_missing_values(source, target):
		target.transaction_date = frappe.utils.nowdate()
		target.run_method("set_totals")

	return get_mapped_doc(
		"Opportunity",
		source_name,
		{
			"Opportunity": {
				"doctype": "Sales Order",
				"field_map": {"name": "opportunity", "customer": "customer", "currency": "currency"},
				"validation": {"status": ["=", "Won"]},
				"field_no_map": ["notes", "naming_series"],
			},
			"Opportunity Item": {
				"doctype": "Sales Order Item",
				"field_map": {"product": "product", "qty": "qty", "rate": "rate"},
			},
		},
		target_doc,
		set_missing_values,
	)
