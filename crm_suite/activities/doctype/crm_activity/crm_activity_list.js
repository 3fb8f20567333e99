frappe.listview_settings["CRM Activity"] = {
	add_fields: ["status", "due_on", "all_day"],
	filters: [["status", "=", "Open"]],
	get_indicator(doc) {
		if (doc.status === "Done") return [__("Done"), "green", "status,=,Done"];
		if (doc.status === "Cancelled") return [__("Cancelled"), "gray", "status,=,Cancelled"];
		if (crm_suite_activities.is_overdue(doc.due_on, doc.all_day)) return [__("Overdue"), "red", "status,=,Open"];
		if (crm_suite_activities.is_today(doc.due_on)) return [__("Today"), "orange", "status,=,Open"];
		return [__("Open"), "blue", "status,=,Open"];
	},
};
