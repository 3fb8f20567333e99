// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Lead", {
	refresh(frm) {
		if (frm.is_new()) return;
		show_duplicates(frm);
		show_score(frm);
		const open = ["New", "Contacted", "Qualified"].includes(frm.doc.status);
		if (open && !frm.doc.merged_into) {
			frm.add_custom_button(__("Convert"), () => convert(frm)).addClass("btn-primary");
		}
		if (frm.doc.customer) {
			frm.add_custom_button(__("Customer"), () => frappe.set_route("Form", "Customer", frm.doc.customer), __("View"));
		}
		if (frm.doc.opportunity) {
			frm.add_custom_button(__("Opportunity"), () => frappe.set_route("Form", "Opportunity", frm.doc.opportunity), __("View"));
		}
		if (open && !frm.doc.merged_into && frm.doc.status !== "Converted") {
			frm.add_custom_button(__("Merge into Another Lead"), () => merge(frm), __("Duplicates"));
		}
	},
});

function convert(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Convert Lead"),
		fields: [
			{
				fieldname: "create_opportunity",
				fieldtype: "Check",
				label: __("Also create an Opportunity"),
				default: 1,
			},
		],
		primary_action_label: __("Convert"),
		primary_action({ create_opportunity }) {
			dialog.hide();
			frappe
				.call({
					method: "crm_suite.sales.conversion.convert_lead",
					args: { lead: frm.doc.name, create_opportunity: create_opportunity ? 1 : 0 },
					freeze: true,
					freeze_message: __("Converting..."),
				})
				.then(({ message }) => {
					frappe.show_alert({
						message: __("Converted to customer {0}", [message.customer]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}

function merge(frm) {
	const originals = (frm.__duplicates || []).filter((d) => d.doctype === "Lead" && d.name);
	const dialog = new frappe.ui.Dialog({
		title: __("Merge {0} into another lead", [frm.doc.name]),
		fields: [
			{
				fieldname: "original",
				fieldtype: "Link",
				options: "Lead",
				label: __("Original Lead"),
				reqd: 1,
				default: originals.length ? originals[0].name : undefined,
				description: __(
					"Opportunities, emails, comments, ToDos and interactions of this lead move to the original; this lead is marked merged."
				),
			},
		],
		primary_action_label: __("Merge"),
		primary_action({ original }) {
			dialog.hide();
			frappe
				.call({
					method: "crm_suite.sales.duplicates.merge_leads",
					args: { duplicate: frm.doc.name, original },
					freeze: true,
				})
				.then(() => frappe.set_route("Form", "Lead", original));
		},
	});
	dialog.show();
}

function show_duplicates(frm) {
	if (frm.doc.merged_into) {
		frm.dashboard.set_headline_alert(
			__("Merged into {0}", [`<a href="/app/lead/${frm.doc.merged_into}">${frm.doc.merged_into}</a>`]),
			"blue"
		);
		return;
	}
	if (!frm.doc.is_duplicate) return;
	const rows = (frm.doc.duplicates || []).map((d) => ({
		doctype: d.reference_doctype,
		name: d.reference_name,
		matched_on: d.matched_on,
		title: d.match_title,
	}));
	// With the own-records option on, or while the site has User Permissions, matches are stored without
	// their names: the server names the ones this user may read (crm_suite.sales.duplicates.get_duplicates).
	if (rows.some((d) => !d.name)) {
		frappe
			.call({
				method: "crm_suite.sales.duplicates.get_duplicates",
				args: { lead: frm.doc.name },
				type: "GET",
			})
			.then(({ message }) => render_duplicates(frm, message || []));
	} else {
		render_duplicates(frm, rows);
	}
}

function render_duplicates(frm, matches) {
	frm.__duplicates = matches;
	if (!matches.length) return;
	const links = matches.map((d) => {
		if (!d.name) {
			return __("a {0} you cannot see ({1})", [__(d.doctype), __(d.matched_on)]);
		}
		const route = `/app/${frappe.router.slug(d.doctype)}/${encodeURIComponent(d.name)}`;
		return `<a href="${route}">${frappe.utils.escape_html(__(d.doctype))} ${frappe.utils.escape_html(
			d.title || d.name
		)}</a> (${__(d.matched_on)})`;
	});
	frm.dashboard.set_headline_alert(__("Possible duplicate of: {0}", [links.join(", ")]), "orange");
}

function show_score(frm) {
	const score = frm.doc.lead_score || 0;
	const color = score >= 70 ? "green" : score >= 40 ? "orange" : "red";
	frm.dashboard.add_indicator(__("Lead Score: {0}", [score]), color);
}
