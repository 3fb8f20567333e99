// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["Ticket Backlog Aging"] = {
	filters: [{ fieldname: "agent", label: __("Agent"), fieldtype: "Link", options: "User" }],
};
