// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("CRM Activity", {
	setup(frm) {
		frm.set_query("reference_doctype", () => ({
			filters: { name: ["in", ["Lead", "Opportunity", "Customer", "Ticket"]] },
		}));
	},

	refresh(frm) {
		const acts = crm_suite_activities;
		if (!frm.is_new() && frm.doc.status === "Open") {
			if (acts.is_overdue(frm.doc.due_on, frm.doc.all_day)) {
				frm.dashboard.set_headline(
					`<span class="indicator-pill red">${__("Overdue")}</span> ${__("This activity was due {0}.", [
						frappe.datetime.comment_when(frm.doc.due_on),
					])}`
				);
			}
			if (frm.perm[0] && frm.perm[0].write) {
				frm.add_custom_button(__("Mark Done"), () => acts.done(frm.doc.name, () => frm.reload_doc()));
				frm.add_custom_button(__("Cancel Activity"), () =>
					acts.cancel(frm.doc.name, () => frm.reload_doc())
				);
				if (frm.doc.activity_type === "Meeting" && frm.doc.invitee_email) {
					frm.add_custom_button(
						frm.doc.invitation_sent_on ? __("Send Updated Invitation") : __("Send Invitation"),
						() => acts.invite(frm.doc.name, () => frm.reload_doc())
					);
				}
			}
		}
		if (frm.doc.reference_doctype && frm.doc.reference_name) {
			frm.add_custom_button(__("Open {0}", [__(frm.doc.reference_doctype)]), () =>
				frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name)
			);
		}
	},
});
