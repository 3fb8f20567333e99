// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["Frequently Bought Together"] = {
	filters: [
		{
			fieldname: "min_support",
			label: __("Minimum Support"),
			fieldtype: "Float",
			precision: 6,
			default: 0.0001,
			reqd: 1,
			description: __("Share of baskets with both products: more than 0, at most 1"),
		},
		{ fieldname: "min_confidence", label: __("Minimum Confidence"), fieldtype: "Float", precision: 4, default: 0.1 },
		{ fieldname: "min_lift", label: __("Minimum Lift"), fieldtype: "Float", precision: 3, default: 1 },
		{ fieldname: "product", label: __("Product"), fieldtype: "Link", options: "Product" },
		{ fieldname: "limit", label: __("Rows"), fieldtype: "Int", default: 200 },
	],
	formatter(value, row, column, data, default_formatter) {
		// Conviction is stored as 0 when the rule always held (confidence 1): infinite.
		if (column.fieldname === "conviction" && data && data.confidence >= 1) return "∞";
		return default_formatter(value, row, column, data);
	},
};
