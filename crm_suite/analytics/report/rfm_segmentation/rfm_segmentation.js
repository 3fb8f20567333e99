// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.query_reports["RFM Segmentation"] = {
	filters: [
		{
			fieldname: "segment",
			label: __("Segment (drill down)"),
			fieldtype: "Select",
			options: "\nChampions\nLoyal\nPotential Loyalist\nNew\nPromising\nNeed Attention\nAbout to Sleep\nAt Risk\nCan't Lose Them\nHibernating\nLost",
		},
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{
			fieldname: "loyalty_tier",
			label: __("Loyalty Tier"),
			fieldtype: "Select",
			options: "\nBronze\nSilver\nGold\nPlatinum",
		},
	],
	// A segment opens its customers here; the count opens the Customer list filtered on the segment,
	// the same filter a marketing Segment or Campaign target uses.
	formatter(value, row, column, data, default_formatter) {
		// segments and tiers are stored in English (data.segment stays so for the links): shown translated
		if (value && ["segment", "loyalty_tier"].includes(column.fieldname)) value = __(value);
		const formatted = default_formatter(value, row, column, data);
		if (!data || !data.segment || frappe.query_report.get_filter_value("segment")) return formatted;
		if (column.fieldname === "segment") {
			return `<a href="#" onclick="frappe.query_report.set_filter_value('segment', ${frappe.utils.escape_html(
				JSON.stringify(data.segment)
			)}); return false;">${formatted}</a>`;
		}
		if (column.fieldname === "customers") {
			const url = `/app/customer?rfm_segment=${encodeURIComponent(data.segment)}`;
			return `<a href="${url}">${formatted}</a>`;
		}
		return formatted;
	},
};
