// The planned activities of a Lead, Opportunity, Customer or Ticket on its form: open ones (overdue in
// red) with Done / Cancel, the last closed ones, and Plan Activity / Apply Plan buttons. Loaded through
// hooks.py doctype_js after activity_actions.js; reads crm_suite.activities.api.get_record_activities.

["Lead", "Opportunity", "Customer", "Ticket"].forEach((doctype) => {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			crm_suite_record_activities.render(frm);
		},
	});
});

window.crm_suite_record_activities = {
	render(frm) {
		frm.$wrapper.find(".crm-suite-activities").remove();
		if (frm.is_new()) return;
		const acts = crm_suite_activities;
		const reload = () => {
			frm.reload_doc();
		};
		acts
			.get("crm_suite.activities.api.get_record_activities", {
				reference_doctype: frm.doctype,
				reference_name: frm.doc.name,
			})
			.then((r) => {
				frm.$wrapper.find(".crm-suite-activities").remove();
				if (r.can_create) {
					frm.add_custom_button(
						__("Plan Activity"),
						() =>
							acts.plan(
								{ reference_doctype: frm.doctype, reference_name: frm.doc.name },
								reload
							),
						__("Activities")
					);
					frm.add_custom_button(
						__("Apply Plan"),
						() => acts.apply_plan(frm.doctype, frm.doc.name, reload),
						__("Activities")
					);
				}
				if (!r.open.length && !r.closed.length && !r.can_create) return;
				const esc = frappe.utils.escape_html;
				const open_rows = r.open
					.map(
						(a) => `<div class="crm-activity-row" data-name="${esc(a.name)}"
							style="display:flex;gap:8px;align-items:center;padding:4px 0;border-bottom:1px solid var(--border-color)">
							${acts.pill(a.due_on, a.all_day)}
							<span class="text-muted small">${esc(__(a.activity_type))}</span>
							<a href="${frappe.utils.get_form_link("CRM Activity", a.name)}">${esc(a.subject)}</a>
							<span class="text-muted small">${esc(a.assigned_to)}</span>
							<span style="margin-left:auto">
								<button class="btn btn-xs btn-default crm-activity-done">${__("Done")}</button>
								<button class="btn btn-xs btn-default crm-activity-cancel">${__("Cancel")}</button>
							</span>
						</div>`
					)
					.join("");
				const closed_rows = r.closed
					.map(
						(a) => `<div class="text-muted small" style="padding:2px 0">
							${esc(__(a.status))} · ${esc(__(a.activity_type))} ·
							<a href="${frappe.utils.get_form_link("CRM Activity", a.name)}">${esc(a.subject)}</a>
							${a.outcome ? " · " + esc(a.outcome) : ""}
						</div>`
					)
					.join("");
				const $section = $(`
					<div class="crm-suite-activities form-section card-section">
						<div class="section-head">${__("Planned Activities")}</div>
						<div class="section-body" style="display:block">
							${open_rows || `<div class="text-muted">${__("Nothing planned.")}</div>`}
							${closed_rows ? `<div style="margin-top:8px">${closed_rows}</div>` : ""}
						</div>
					</div>`);
				$section.on("click", ".crm-activity-done", (e) =>
					acts.done($(e.target).closest(".crm-activity-row").data("name"), reload)
				);
				$section.on("click", ".crm-activity-cancel", (e) =>
					acts.cancel($(e.target).closest(".crm-activity-row").data("name"), reload)
				);
				$(frm.layout.wrapper).prepend($section);
			});
	},
};
