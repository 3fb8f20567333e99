// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Opportunity", {
	customer(frm) {
		if (frm.doc.customer && !frm.doc.title) {
			frappe.db.get_value("Customer", frm.doc.customer, "customer_name").then(({ message }) => {
				frm.set_value("title", message && message.customer_name);
			});
		}
	},
});

frappe.ui.form.on("Opportunity Item", {
	qty: set_line_amount,
	rate: set_line_amount,
});

function set_line_amount(frm, cdt, cdn) {
	// Shown at once; the server recomputes every amount when the form is saved.
	const row = locals[cdt][cdn];
	frappe.model.set_value(cdt, cdn, "amount", flt(row.qty) * flt(row.rate));
}
