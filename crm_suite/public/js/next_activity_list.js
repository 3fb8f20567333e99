// Lead, Opportunity, Customer and Ticket lists and Kanban cards: the next planned activity's due time as a
// pill (red when overdue, orange today) next to its subject. Loaded through hooks.py doctype_list_js (the
// same text follows each of the four doctypes' own list settings, so it extends every one of them that is
// loaded and not yet extended); the two columns are kept by crm_suite/activities/activities.py.

(() => {
	const pill = (value, doc) => {
		if (!value) return "";
		const now = frappe.datetime.now_datetime();
		const overdue = value < now;
		const today = value.slice(0, 10) === frappe.datetime.get_today();
		const color = overdue ? "red" : today ? "orange" : "gray";
		const when = frappe.datetime.str_to_user(value).slice(0, -3);
		const what = doc && doc.next_activity ? ` ${frappe.utils.escape_html(doc.next_activity)}` : "";
		const title = overdue ? __("Overdue") : __("Next activity");
		return `<span class="indicator-pill ${color} crm-next-activity${overdue ? " crm-overdue" : ""}"
			title="${title}">${frappe.utils.escape_html(when)}</span>${what}`;
	};
	// Frappe shows the first in_list_view fields that fit the screen (4 to 10 columns), in form order, and
	// the next activity is the last field of each form: put its column right after the status indicator.
	const place_column = (listview) => {
		const columns = listview.columns || [];
		if (columns.some((c) => c.df && c.df.fieldname === "next_activity_on")) return;
		const df = frappe.meta.get_docfield(listview.doctype, "next_activity_on");
		if (!df) return;
		const after = Math.max(
			columns.findIndex((c) => c.type === "Status"),
			columns.findIndex((c) => c.type === "Tag"),
			0
		);
		const width = window.innerWidth;
		const limit =
			(listview.list_view_settings && listview.list_view_settings.total_fields) ||
			(width <= 1366 ? 4 : width >= 1920 ? 10 : 6);
		columns.splice(after + 1, 0, { type: "Field", df });
		if (columns.length > limit) columns.splice(limit);
		listview.render_header && listview.render_header(true); // drawn before onload, from the old columns
	};
	["Lead", "Opportunity", "Customer", "Ticket"].forEach((dt) => {
		const loaded = locals.DocType && locals.DocType[dt];
		if (!frappe.listview_settings[dt] && loaded) frappe.listview_settings[dt] = {};
		const settings = frappe.listview_settings[dt];
		if (!settings || settings.__crm_next_activity) return;
		settings.__crm_next_activity = true;
		settings.add_fields = [...(settings.add_fields || []), "next_activity", "next_activity_on"];
		settings.formatters = { ...(settings.formatters || {}), next_activity_on: (value, _df, doc) => pill(value, doc) };
		const own_onload = settings.onload;
		settings.onload = function (listview) {
			place_column(listview);
			return own_onload && own_onload.apply(this, arguments);
		};
		// Kanban cards format with the field's own formatter (list formatters are not used there)
		const df = loaded && frappe.meta.get_docfield(dt, "next_activity_on");
		if (df) df.formatter = (value, _df, _options, doc) => pill(value, doc);
	});
})();
