// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

{% include "crm_suite/sales/report/sales_report_filters.js" %}

frappe.query_reports["Pipeline Forecast"] = {
	filters: crm_suite_sales_report_filters(
		__("Expected Close From"),
		__("Expected Close To"),
		frappe.datetime.month_start(),
		frappe.datetime.add_months(frappe.datetime.month_end(), 5),
	),
};
