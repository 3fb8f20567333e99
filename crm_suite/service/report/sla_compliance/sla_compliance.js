// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["SLA Compliance"] = {
	filters: [
		{ fieldname: "group_by", label: __("Group By"), fieldtype: "Select", options: "Priority\nAgent\nMonth\nService Level Agreement", default: "Priority" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -3) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
	],
};
