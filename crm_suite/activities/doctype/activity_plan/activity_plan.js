// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Activity Plan", {
	applies_to(frm) {
		if (frm.doc.applies_to !== "Lead") frm.set_value("apply_on_lead_status", "");
	},
});
