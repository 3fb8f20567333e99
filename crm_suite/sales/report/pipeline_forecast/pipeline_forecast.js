// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

{% include "crm_suite/sales/report/sales_report_filters.js" %}

crm_suite_sales_report(
	"Pipeline Forecast",
	__("Expected Close From"),
	__("Expected Close To"),
	frappe.datetime.month_start(),
	frappe.datetime.add_months(frappe.datetime.month_end(), 5),
);
