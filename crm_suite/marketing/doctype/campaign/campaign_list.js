frappe.listview_settings["Campaign"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Planned: "blue", Active: "green", Completed: "gray", Cancelled: "red" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
