// Customer timeline: Interactions, Communications, Opportunities, Tickets and orders, newest first.
// Loaded on the Customer form through hooks.py doctype_js; reads crm_suite.crm.timeline.get_customer_timeline.

frappe.ui.form.on("Customer", {
	refresh(frm) {
		crm_suite_timeline.render(frm);
		if (!frm.is_new() && frappe.model.can_create("Interaction")) {
			frm.add_custom_button(
				__("Log Interaction"),
				() =>
					frappe.new_doc("Interaction", {
						reference_doctype: "Customer",
						reference_name: frm.doc.name,
						customer: frm.doc.name,
					}),
				__("Create")
			);
		}
	},
});

const crm_suite_timeline = {
	page_length: 20,

	render(frm) {
		frm.$wrapper.find(".crm-suite-timeline").remove();
		if (frm.is_new()) return;
		const $section = $(`
			<div class="crm-suite-timeline form-section card-section">
				<div class="section-head">${__("Customer Timeline")}</div>
				<div class="section-body" style="display:block">
					<div class="timeline-rows"></div>
					<button class="btn btn-xs btn-default timeline-more hidden">${__("Load more")}</button>
				</div>
			</div>`);
		$(frm.layout.wrapper).append($section);
		const state = { start: 0 };
		const load = () => {
			frappe
				.xcall("crm_suite.crm.timeline.get_customer_timeline", {
					customer: frm.doc.name,
					start: state.start,
					page_length: this.page_length,
				})
				.then((r) => {
					if (!r.items.length && !state.start) {
						$section.find(".timeline-rows").html(
							`<div class="text-muted">${__("Nothing yet.")}</div>`
						);
					}
					r.items.forEach((item) => $section.find(".timeline-rows").append(this.row(item)));
					state.start += r.items.length;
					$section.find(".timeline-more").toggleClass("hidden", !r.has_more);
				});
		};
		$section.find(".timeline-more").on("click", load);
		load();
	},

	row(item) {
		const when = frappe.datetime.comment_when(item.timestamp);
		const url = frappe.utils.get_form_link(item.doctype, item.name);
		const bits = [item.kind, item.status].filter(Boolean).map((b) => frappe.utils.escape_html(b));
		return `<div class="timeline-item" style="padding:6px 0;border-bottom:1px solid var(--border-color)">
			<span class="indicator-pill gray">${__(item.doctype)}</span>
			<a href="${url}">${frappe.utils.escape_html(item.title || item.name)}</a>
			<span class="text-muted small">${bits.join(" · ")}</span>
			<span class="text-muted small pull-right">${when}</span>
		</div>`;
	},
};
