// SMS and WhatsApp from a Lead, Customer, Opportunity or Ticket: a "Send Message" button whose dialog
// calls crm_suite.crm.messaging.send_message (the server checks write permission, consent and the
// WhatsApp 24-hour window). The message lands on the record's timeline as an outbound Interaction.
(() => {
	const DOCTYPES = ["Lead", "Customer", "Opportunity", "Ticket"];

	const open_dialog = (frm) => {
		const dialog = new frappe.ui.Dialog({
			title: __("Send SMS or WhatsApp"),
			fields: [
				{
					fieldname: "channel",
					fieldtype: "Select",
					label: __("Channel"),
					options: [
						{ value: "", label: __("The channel the customer last wrote on") },
						{ value: "SMS", label: __("SMS") },
						{ value: "WhatsApp", label: __("WhatsApp") },
					],
					default: frm.doctype === "Ticket" ? "" : "SMS",
				},
				{ fieldname: "message", fieldtype: "Small Text", label: __("Message") },
				{
					fieldname: "template",
					fieldtype: "Data",
					label: __("WhatsApp Template"),
					depends_on: "eval:doc.channel !== 'SMS'",
					description: __("An approved template's name; needed outside the 24-hour window"),
				},
				{
					fieldname: "template_params",
					fieldtype: "Small Text",
					label: __("Template Parameters"),
					depends_on: "eval:doc.template",
					description: __("One per line, in the order of the template's placeholders"),
				},
				{
					fieldname: "template_language",
					fieldtype: "Data",
					label: __("Template Language"),
					depends_on: "eval:doc.template",
					default: frappe.boot.lang || "en",
				},
			],
			primary_action_label: __("Send"),
			primary_action(values) {
				const params = (values.template_params || "")
					.split("\n")
					.map((p) => p.trim())
					.filter((p) => p);
				frappe
					.xcall("crm_suite.crm.messaging.send_message", {
						reference_doctype: frm.doctype,
						reference_name: frm.docname,
						channel: values.channel || null,
						message: values.message || null,
						template: values.template || null,
						template_params: values.template ? JSON.stringify(params) : null,
						template_language: values.template ? values.template_language : null,
					})
					.then((r) => {
						dialog.hide();
						frappe.show_alert({
							message: __("{0} sent to {1}", [__(r.channel), r.to]),
							indicator: "green",
						});
						frm.reload_doc();
					})
					.catch(() => {
						// Frappe has shown the server's message (no gateway, opted out, outside the window…)
					});
			},
		});
		dialog.show();
	};

	const setup = {
		refresh(frm) {
			if (frm.is_new() || !frm.perm[0] || !frm.perm[0].write) return;
			frm.add_custom_button(__("Send SMS or WhatsApp"), () => open_dialog(frm), __("Activities"));
		},
	};
	DOCTYPES.forEach((doctype) => frappe.ui.form.on(doctype, setup));
})();
