// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Segment", {
	setup(frm) {
		frm.set_query("member_doctype", "members", () => ({ filters: { name: frm.doc.based_on } }));
	},
	refresh(frm) {
		crm_suite_segment.load_fields(frm);
		frm.add_custom_button(__("Preview Count"), () => crm_suite_segment.preview(frm));
		frm.add_custom_button(__("Show Members"), () => {
			if (frm.doc.segment_type === "Static List") {
				frappe.set_route("List", frm.doc.based_on, {
					name: ["in", (frm.doc.members || []).map((m) => m.member)],
				});
			} else {
				frappe.route_options = null;
				frappe.set_route("List", frm.doc.based_on);
				// the list view accepts Frappe filters exactly as the segment stores them
				frappe.after_ajax(() => {
					const filters = JSON.parse(frm.doc.filters_json || "[]");
					if (cur_list && frm.doc.match !== "Any") cur_list.filter_area.set(filters);
				});
			}
		});
	},
	based_on(frm) {
		crm_suite_segment.load_fields(frm);
	},
});

frappe.ui.form.on("Segment Member", {
	members_add(frm, cdt, cdn) {
		frappe.model.set_value(cdt, cdn, "member_doctype", frm.doc.based_on);
	},
});

const crm_suite_segment = {
	load_fields(frm) {
		if (!frm.doc.based_on) return;
		frappe
			.xcall("crm_suite.marketing.segments.get_filterable_fields", { doctype: frm.doc.based_on })
			.then((options) => {
				frm.fields_dict.conditions.grid.update_docfield_property("fieldname", "options", options);
			});
	},
	preview(frm) {
		frappe
			.xcall("crm_suite.marketing.segments.preview_count", {
				based_on: frm.doc.based_on,
				segment_type: frm.doc.segment_type,
				match: frm.doc.match,
				conditions: (frm.doc.conditions || []).map((c) => ({
					fieldname: c.fieldname,
					operator: c.operator,
					value: c.value,
				})),
				members: (frm.doc.members || []).map((m) => ({ member: m.member })),
			})
			.then((r) => {
				frappe.msgprint({
					title: __("Segment Preview"),
					indicator: "green",
					message: __("{0} {1} match this segment now.", [r.count, __(frm.doc.based_on)]),
				});
			});
	},
};
