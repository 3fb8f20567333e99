// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["Pipeline Forecast"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("Expected Close From"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
		},
		{
			fieldname: "to_date",
			label: __("Expected Close To"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.month_end(), 5),
		},
		{
			fieldname: "owner",
			label: __("Owner"),
			fieldtype: "Link",
			options: "User",
		},
		{
			fieldname: "source",
			label: __("Source"),
			fieldtype: "Link",
			options: "Lead Source",
		},
		{
			fieldname: "campaign",
			label: __("Campaign"),
			fieldtype: "Link",
			options: "Campaign",
		},
	],
};
