frappe.listview_settings["Opportunity"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Open: "blue", Won: "green", Lost: "red" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
