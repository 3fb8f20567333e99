// Copyright (c) 2026, crm_suite developers and contributors
// For license information, please see license.txt

// The lifetime values are amounts in the reporting currency (CRM Settings), as the form shows them through its
// virtual reporting_currency field; list rows do not carry a virtual field, so the list reads the setting once.
frappe.listview_settings["Customer Order Summary"] = {
	onload(listview) {
		frappe.db.get_single_value("CRM Settings", "reporting_currency").then((currency) => {
			frappe.listview_settings["Customer Order Summary"].reporting_currency = currency;
			listview.refresh();
		});
	},
	formatters: {
		lifetime_value(value) {
			const settings = frappe.listview_settings["Customer Order Summary"];
			return format_currency(value, settings.reporting_currency || frappe.boot.sysdefaults.currency);
		},
	},
};
