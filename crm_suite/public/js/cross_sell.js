// Analytics: cross-sell suggestions on the Customer and Opportunity forms, from the association rules
// (crm_suite.analytics.basket.get_cross_sell).
(() => {
	const show_cross_sell = (frm) => {
		if (frm.is_new()) return;
		frappe
			.xcall("crm_suite.analytics.basket.get_cross_sell", {
				doctype: frm.doctype,
				name: frm.doc.name,
				limit: 5,
			})
			.then((rows) => {
				if (!rows || !rows.length) return;
				const items = rows
					.map(
						(r) => `<li>
							<a href="/app/product/${encodeURIComponent(r.product)}">${frappe.utils.escape_html(
								r.item_name || r.product
							)}</a>
							<span class="text-muted small">${__("Confidence {0}%, lift {1}, with {2}", [
								format_number(r.confidence * 100, null, 0),
								format_number(r.lift, null, 1),
								frappe.utils.escape_html(r.because_of || ""),
							])}</span>
						</li>`
					)
					.join("");
				frm.dashboard.add_section(
					`<ul class="list-unstyled cross-sell-suggestions">${items}</ul>`,
					__("Often Bought Together (not bought yet)")
				);
			});
	};
	for (const doctype of ["Customer", "Opportunity"]) {
		frappe.ui.form.on(doctype, { refresh: show_cross_sell });
	}
})();
