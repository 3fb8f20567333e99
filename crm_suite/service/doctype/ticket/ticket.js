// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Ticket", {
	refresh(frm) {
		const status = frm.doc.agreement_status;
		if (!status || frm.is_new()) return;
		const colors = {
			"First Response Due": "orange",
			"Resolution Due": "blue",
			Paused: "yellow",
			Fulfilled: "green",
			Failed: "red",
		};
		let text = __(status);
		const due = status === "First Response Due" ? frm.doc.response_by : frm.doc.resolution_by;
		if (["First Response Due", "Resolution Due"].includes(status) && due) {
			text += " · " + __("by {0}", [frappe.datetime.str_to_user(due)]);
		}
		frm.dashboard.add_indicator(text, colors[status] || "gray");
	},
});
