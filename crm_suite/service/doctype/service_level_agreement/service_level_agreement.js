// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Service Level Agreement", {
	setup(frm) {
		frappe.call("frappe.core.doctype.user.user.get_timezones").then((r) => {
			frm.fields_dict.time_zone.set_data(r.message.timezones);
		});
	},
});
