frappe.listview_settings["Lead"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = {
			New: "blue",
			Contacted: "orange",
			Qualified: "purple",
			Unqualified: "gray",
			Converted: "green",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
