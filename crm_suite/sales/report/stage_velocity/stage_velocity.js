// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["Stage Velocity"] = {
	filters: [
		{
			fieldname: "record_type",
			label: __("Of"),
			fieldtype: "Select",
			options: [
				{ value: "Lead", label: __("Leads (status)") },
				{ value: "Opportunity", label: __("Opportunities (stage)") },
			],
			default: "Lead",
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("Entered From"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{
			fieldname: "to_date",
			label: __("Entered To"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "group_by",
			label: __("By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("Stage only") },
				{ value: "Owner", label: __("Owner") },
				{ value: "Source", label: __("Source") },
			],
		},
		{ fieldname: "owner", label: __("Owner"), fieldtype: "Link", options: "User" },
		{ fieldname: "source", label: __("Source"), fieldtype: "Link", options: "Lead Source" },
	],
};
