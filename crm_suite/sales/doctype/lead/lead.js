// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

// frappe.ui.form.on("Lead", {
// 	refresh(frm) {

// 	},
// });
