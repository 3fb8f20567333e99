// The calendar view of activities (/app/crm-activity/view/calendar): Frappe's calendar over due_on /
// ends_on, with the user's permissions (frappe.desk.calendar.get_events lists through frappe.get_list).
frappe.views.calendar["CRM Activity"] = {
	field_map: {
		start: "due_on",
		end: "ends_on",
		id: "name",
		allDay: "all_day",
		title: "subject",
		status: "status",
	},
	fields: ["name", "subject", "due_on", "ends_on", "all_day", "status", "activity_type", "reference_title"],
	filters: [
		{ fieldtype: "Link", fieldname: "assigned_to", options: "User", label: __("Assigned To") },
		{ fieldtype: "Select", fieldname: "activity_type", options: "\nCall\nMeeting\nEmail\nTask", label: __("Type") },
	],
	get_css_class(event) {
		if (event.status === "Done") return "success";
		if (event.status === "Cancelled") return "default";
		if (crm_suite_activities.is_overdue(event.due_on, event.all_day)) return "danger";
		return "info";
	},
};
