"""Sales Order on a real site: server-side totals, returns, submit/cancel, bad input, permissions,
the mapping from a won opportunity, and Frappe's Data Import."""

import frappe
import pytest
from frappe import _

from crm_suite.analytics.orders import make_sales_order as map_opportunity
from tests.integration.analytics.orders_factory import make_sales_order
from tests.integration.factories import make_customer, make_opportunity, make_product, make_user


def test_totals_are_computed_on_the_server():
	customer, p1, p2 = make_customer().name, make_product().name, make_product().name
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"transaction_date": "2026-01-10",
			"grand_total": 999999,
			"items": [{"product": p1, "qty": 2, "rate": 12.5, "amount": 1}, {"product": p2, "qty": 1}],
		}
	).insert()
	# p2 had no rate typed: it is fetched from the product's standard rate (10).
	assert [(i.amount) for i in so.items] == [25.0, 10.0]
	assert (so.total_qty, so.grand_total) == (3, 35.0)
	so.submit()
	assert frappe.db.get_value("Sales Order", so.name, ["docstatus", "grand_total"]) == (1, 35.0)
	so.cancel()
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 2


def test_a_return_has_negative_quantities_and_total():
	customer, product = make_customer().name, make_product().name
	sale = make_sales_order(customer, "2026-01-10", [(product, 3, 10)])
	ret = make_sales_order(customer, "2026-01-12", [(product, 1, 10)], is_return=1, return_against=sale.name)
	assert (ret.items[0].qty, ret.total_qty, ret.grand_total) == (-1, -1, -10.0)


def test_a_return_against_another_customers_order_is_refused():
	product = make_product().name
	sale = make_sales_order(make_customer().name, "2026-01-10", [(product, 3, 10)])
	with pytest.raises(frappe.ValidationError, match="same customer"):
		make_sales_order(
			make_customer().name, "2026-01-12", [(product, 1, 10)], is_return=1, return_against=sale.name
		)


def test_an_order_without_products_is_refused_and_nothing_saved():
	customer = make_customer().name
	with pytest.raises(frappe.ValidationError, match="at least one product"):
		frappe.get_doc({"doctype": "Sales Order", "customer": customer, "items": []}).insert()
	assert not frappe.db.exists("Sales Order", {"customer": customer})


@pytest.mark.parametrize(
	"qty,rate,message",
	[(0, 10, "Quantity in row 1"), (-2, 10, "Quantity in row 1"), (1, -5, "Rate in row 1")],
)
def test_bad_lines_are_refused(qty, rate, message):
	customer = make_customer().name
	with pytest.raises(frappe.ValidationError, match=message):
		make_sales_order(customer, "2026-01-10", [(make_product().name, qty, rate)], submit=False)
	assert not frappe.db.exists("Sales Order", {"customer": customer})


def test_won_opportunity_maps_to_a_sales_order():
	customer, product = make_customer().name, make_product().name
	opp = make_opportunity(customer=customer, items=[{"product": product, "qty": 4, "rate": 25}])
	opp.status = "Won"
	opp.save()
	so = map_opportunity(opp.name)
	assert (so.doctype, so.customer, so.opportunity) == ("Sales Order", customer, opp.name)
	assert [(i.product, i.qty, i.rate) for i in so.items] == [(product, 4, 25)]
	so.insert()
	so.submit()
	assert so.grand_total == 100.0


def test_open_opportunity_or_one_without_customer_cannot_make_an_order():
	opp = make_opportunity(customer=make_customer().name)
	with pytest.raises(frappe.ValidationError, match="won opportunity"):
		map_opportunity(opp.name)
	lead = frappe.get_doc({"doctype": "Lead", "first_name": "No", "last_name": "Customer"}).insert()
	opp = make_opportunity(lead=lead.name)
	opp.status = "Won"
	opp.save()
	with pytest.raises(frappe.ValidationError, match="customer"):
		map_opportunity(opp.name)


def test_permissions_sales_user_submits_but_cannot_cancel_marketing_only_reads():
	customer, product = make_customer().name, make_product().name
	sales_user = make_user("Sales User")
	marketing = make_user("Marketing Manager")
	frappe.set_user(sales_user.name)
	so = make_sales_order(customer, "2026-01-10", [(product, 1, 10)])
	assert frappe.has_permission("Sales Order", "read", so.name)
	assert not frappe.has_permission("Sales Order", "cancel", so.name)
	with pytest.raises(frappe.PermissionError):
		so.cancel()
	frappe.set_user(marketing.name)
	assert frappe.has_permission("Sales Order", "read", so.name)
	assert not frappe.has_permission("Sales Order", "create")
	with pytest.raises(frappe.PermissionError):
		make_sales_order(customer, "2026-01-10", [(product, 1, 10)], submit=False)


def test_data_import_of_order_history():
	"""Frappe's Data Import (which commits per row) inserts and submits orders with their lines."""
	customer, p1, p2 = make_customer().name, make_product().name, make_product().name
	frappe.db.commit()
	content = (
		"ID,Customer,Date,Currency,Product (Items),Quantity (Items),Rate (Items)\n"
		f",{customer},2025-03-01,USD,{p1},2,10\n"
		f",,,,{p2},1,5\n"
		f",{customer},2025-04-01,USD,{p2},3,5\n"
	)
	file = frappe.get_doc(
		{"doctype": "File", "file_name": f"orders-{customer}.csv", "content": content, "is_private": 1}
	).insert(ignore_permissions=True)
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Sales Order",
			"import_type": "Insert New Records",
			"submit_after_import": 1,
			"import_file": file.file_url,
		}
	).insert()
	frappe.db.commit()
	try:
		data_import.start_import()
		rows = frappe.get_all(
			"Sales Order",
			filters={"customer": customer},
			fields=["transaction_date", "grand_total", "docstatus", "total_qty"],
			order_by="transaction_date",
		)
		assert frappe.db.get_value("Data Import", data_import.name, "status") == "Success"
		assert [(str(r.transaction_date), r.grand_total, r.docstatus, r.total_qty) for r in rows] == [
			("2025-03-01", 25.0, 1, 3),
			("2025-04-01", 15.0, 1, 3),
		]
		# The import submits through the document methods, so the customer's order totals followed.
		summary = frappe.db.get_value(
			"Customer Order Summary",
			customer,
			["first_order_date", "last_order_date", "order_count", "lifetime_value"],
		)
		assert (str(summary[0]), str(summary[1]), summary[2], summary[3]) == (
			"2025-03-01",
			"2025-04-01",
			2,
			40,
		)
	finally:
		frappe.db.rollback()
		# Everything the import committed goes, with the trail Frappe keeps of it (versions written on
		# submit, Deleted Document copies and "Deleted" feed comments).
		orders = frappe.get_all("Sales Order", filters={"customer": customer}, pluck="name")
		if orders:
			frappe.db.delete("Sales Order Item", {"parent": ("in", orders)})
			frappe.db.delete("Sales Order", {"name": ("in", orders)})
			frappe.db.delete("Version", {"ref_doctype": "Sales Order", "docname": ("in", orders)})
		frappe.db.delete("Customer Order Summary", {"name": customer})
		frappe.db.delete("Data Import Log", {"data_import": data_import.name})
		made = [
			("Data Import", data_import.name),
			("File", file.name),
			("Product", p1),
			("Product", p2),
			("Customer", customer),
		]
		for doctype, name in made:
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
		frappe.db.delete(
			"Comment", {"comment_type": "Deleted", "subject": ("in", [f"{_(d)} {n}" for d, n in made])}
		)
		frappe.db.commit()


def test_permissions_managers_cancel_others_may_not_delete_import_or_read():
	customer, product = make_customer().name, make_product().name
	so = make_sales_order(customer, "2026-01-10", [(product, 1, 10)])
	frappe.set_user(make_user("Sales User").name)
	assert not frappe.has_permission("Sales Order", "delete", so.name)
	assert not frappe.has_permission("Sales Order", "import")
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Sales Order", so.name)
	frappe.set_user(make_user("Support Agent").name)
	assert frappe.has_permission("Sales Order", "read", so.name)
	assert not frappe.has_permission("Sales Order", "write", so.name)
	frappe.set_user(make_user().name)  # a desk user with no CRM role
	assert not frappe.has_permission("Sales Order", "read", so.name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_list("Sales Order")
	frappe.set_user(make_user("Sales Manager").name)
	assert frappe.has_permission("Sales Order", "import")
	frappe.get_doc("Sales Order", so.name).cancel()
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 2
