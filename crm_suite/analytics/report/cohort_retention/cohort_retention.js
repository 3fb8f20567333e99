// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["Cohort Retention"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("First Orders From"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.month_start(), -11),
		},
		{ fieldname: "to_date", label: __("First Orders To"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "months", label: __("Months"), fieldtype: "Int", default: 12 },
	],
	// Heat map: the higher the share still ordering, the deeper the blue.
	formatter(value, row, column, data, default_formatter) {
		const formatted = default_formatter(value, row, column, data);
		if (!column.fieldname.startsWith("month_") || value === undefined || value === null) return formatted;
		const alpha = Math.min(1, Math.max(0.05, value / 100));
		const color = alpha > 0.55 ? "#fff" : "inherit";
		return `<div style="background: rgba(38, 112, 236, ${alpha}); color: ${color}; padding: 0 4px;">${formatted}</div>`;
	},
};
