// The filters the Sales reports share: a date range (over the date each report is about, with its own
// labels; by default the last 12 months), owner, lead source and campaign. Each report's script pulls this
// file in with an include directive, which Frappe's report loader (frappe.desk.query_report.get_script)
// expands, and declares itself with one call.
function crm_suite_sales_report(report, from_label, to_label, from_default, to_default) {
	const today = frappe.datetime.get_today();
	frappe.query_reports[report] = {
		filters: [
			{
				fieldname: "from_date",
				label: from_label,
				fieldtype: "Date",
				default: from_default || frappe.datetime.add_months(today, -12),
			},
			{ fieldname: "to_date", label: to_label, fieldtype: "Date", default: to_default || today },
			{ fieldname: "owner", label: __("Owner"), fieldtype: "Link", options: "User" },
			{ fieldname: "source", label: __("Source"), fieldtype: "Link", options: "Lead Source" },
			{ fieldname: "campaign", label: __("Campaign"), fieldtype: "Link", options: "Campaign" },
		],
	};
}
