// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Analytics Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Recompute RFM and Loyalty"), () =>
			frappe.call("crm_suite.analytics.rfm.enqueue_rfm").then(() =>
				frappe.show_alert({ message: __("RFM recompute queued"), indicator: "green" })
			)
		);
		frm.add_custom_button(__("Recompute Association Rules"), () =>
			frappe.call("crm_suite.analytics.basket.enqueue_rules").then(() =>
				frappe.show_alert({ message: __("Association rules recompute queued"), indicator: "green" })
			)
		);
	},
});
