// Analytics: a Won Opportunity with a customer can make a Sales Order (crm_suite.analytics.orders).
frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Won" || !frm.doc.customer) return;
		if (!frappe.model.can_create("Sales Order")) return;
		frm.add_custom_button(
			__("Sales Order"),
			() =>
				frappe.model.open_mapped_doc({
					method: "crm_suite.analytics.orders.make_sales_order",
					frm,
				}),
			__("Create")
		);
	},
});
