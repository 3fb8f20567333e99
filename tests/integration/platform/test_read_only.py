"""What may read from a MariaDB replica is marked @frappe.read_only(): every Script Report of the app (so a
direct call is covered, not only frappe.desk.query_report.run) and the nightly scoring's model learning.
tests/integration/resilience/test_replica.py shows them reading a real replica."""

import frappe
from frappe.core.doctype.report.report import get_report_module_dotted_path

from crm_suite.sales import scoring

READ_ONLY_WRAPPER = frappe.read_only()(lambda: None).__code__  # every function it wraps shares this code


def app_script_reports() -> list[frappe._dict]:
	modules = frappe.get_all("Module Def", filters={"app_name": "crm_suite"}, pluck="name")
	return frappe.get_all(
		"Report",
		filters={"report_type": "Script Report", "is_standard": "Yes", "module": ("in", modules)},
		fields=["name", "module"],
		order_by="name",
	)


def test_every_script_report_of_the_app_runs_read_only():
	reports = app_script_reports()
	assert len(reports) >= 13
	not_read_only = [
		r.name
		for r in reports
		if frappe.get_module(get_report_module_dotted_path(r.module, r.name)).execute.__code__
		is not READ_ONLY_WRAPPER
	]
	assert not not_read_only, f"not @frappe.read_only(): {not_read_only}"


def test_the_scoring_models_counts_are_read_only():
	assert scoring.learn_model.__code__ is READ_ONLY_WRAPPER
