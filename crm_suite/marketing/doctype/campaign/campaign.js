// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Campaign", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.status === "Active" && frm.doc.target_segment && (frm.doc.schedule || []).length) {
			frm.add_custom_button(__("Send Due Steps Now"), () =>
				frappe
					.xcall("crm_suite.marketing.outreach.send_due_steps_now", { campaign: frm.doc.name })
					.then((r) =>
						frappe.show_alert({
							message: __("Outreach queued ({0} due steps).", [r.due_steps]),
							indicator: "green",
						})
					)
			);
		}
		frm.add_custom_button(__("Campaign Effectiveness"), () =>
			frappe.set_route("query-report", "Campaign Effectiveness", { campaign: frm.doc.name })
		);
		frm.add_custom_button(__("Sent Emails"), () =>
			frappe.set_route("List", "Campaign Send Log", { campaign: frm.doc.name })
		);
	},
});
