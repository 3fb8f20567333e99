// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

{% include "crm_suite/sales/report/sales_report_filters.js" %}

frappe.query_reports["Win Loss Analysis"] = {
	filters: crm_suite_sales_report_filters(
		__("Closed From"),
		__("Closed To"),
		frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		frappe.datetime.get_today(),
	),
};
