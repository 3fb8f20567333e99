// Planned activities, client side: the dialogs to plan an activity, apply a plan, mark one done or cancel
// it, and how a due time is shown (overdue in red). Loaded with the record forms (hooks.py doctype_js),
// the CRM Activity form and list, and the My Day page (page_js); the server rules are in
// crm_suite/activities.

window.crm_suite_activities = {
	types: ["Call", "Meeting", "Email", "Task"],

	// a GET-only whitelisted method (frappe.xcall always POSTs)
	get(method, args) {
		return new Promise((resolve, reject) =>
			frappe.call({ method, args, type: "GET", callback: (r) => resolve(r.message), error: reject })
		);
	},

	is_overdue(due_on, all_day) {
		if (!due_on) return false;
		const now = frappe.datetime.now_datetime();
		if (all_day) return due_on.slice(0, 10) < now.slice(0, 10);
		return due_on < now;
	},

	is_today(due_on) {
		return due_on && due_on.slice(0, 10) === frappe.datetime.get_today();
	},

	// a coloured pill with the due time: red overdue, orange today, grey later
	pill(due_on, all_day) {
		if (!due_on) return "";
		const color = this.is_overdue(due_on, all_day) ? "red" : this.is_today(due_on) ? "orange" : "gray";
		const label = this.is_overdue(due_on, all_day)
			? __("Overdue")
			: this.is_today(due_on)
			? __("Today")
			: "";
		const when = all_day
			? frappe.datetime.str_to_user(due_on.slice(0, 10))
			: frappe.datetime.str_to_user(due_on).slice(0, -3);
		return `<span class="indicator-pill ${color} crm-due" title="${frappe.utils.escape_html(due_on)}">${
			label ? frappe.utils.escape_html(label) + " · " : ""
		}${frappe.utils.escape_html(when)}</span>`;
	},

	plan(defaults, after) {
		const in_an_hour = moment(frappe.datetime.now_datetime())
			.add(1, "hours")
			.startOf("hour")
			.format("YYYY-MM-DD HH:mm:ss");
		const d = new frappe.ui.Dialog({
			title: __("Plan Activity"),
			fields: [
				{
					fieldname: "activity_type",
					label: __("Type"),
					fieldtype: "Select",
					options: this.types.map((t) => ({ value: t, label: __(t) })),
					default: defaults.activity_type || "Call",
					reqd: 1,
				},
				{ fieldname: "subject", label: __("Subject"), fieldtype: "Data", default: defaults.subject },
				{ fieldname: "cb", fieldtype: "Column Break" },
				{
					fieldname: "due_on",
					label: __("Due"),
					fieldtype: "Datetime",
					default: defaults.due_on || in_an_hour,
					reqd: 1,
				},
				{ fieldname: "all_day", label: __("All Day"), fieldtype: "Check", default: defaults.all_day || 0 },
				{
					fieldname: "assigned_to",
					label: __("Assigned To"),
					fieldtype: "Link",
					options: "User",
					default: defaults.assigned_to || frappe.session.user,
					reqd: 1,
				},
				{ fieldname: "sb", fieldtype: "Section Break" },
				{ fieldname: "note", label: __("Note"), fieldtype: "Small Text" },
			],
			primary_action_label: __("Plan"),
			primary_action: (values) => {
				frappe
					.xcall("frappe.client.insert", {
						doc: {
							doctype: "CRM Activity",
							reference_doctype: defaults.reference_doctype,
							reference_name: defaults.reference_name,
							...values,
						},
					})
					.then((doc) => {
						d.hide();
						frappe.show_alert({ message: __("Planned: {0}", [doc.subject]), indicator: "green" });
						after && after(doc);
					});
			},
		});
		d.show();
		return d;
	},

	close(name, status, after) {
		const done = status === "Done";
		const d = new frappe.ui.Dialog({
			title: done ? __("Mark Done") : __("Cancel Activity"),
			fields: [
				{
					fieldname: "outcome",
					label: done ? __("Outcome") : __("Why Cancelled"),
					fieldtype: "Small Text",
					reqd: 1,
				},
			],
			primary_action_label: done ? __("Done") : __("Cancel Activity"),
			primary_action: ({ outcome }) => {
				frappe
					.xcall(
						done
							? "crm_suite.activities.api.complete_activity"
							: "crm_suite.activities.api.cancel_activity",
						{ activity: name, outcome }
					)
					.then((r) => {
						d.hide();
						frappe.show_alert({
							message: done ? __("Done, on the timeline") : __("Cancelled"),
							indicator: done ? "green" : "gray",
						});
						after && after(r);
					});
			},
		});
		d.show();
		return d;
	},

	done(name, after) {
		return this.close(name, "Done", after);
	},

	cancel(name, after) {
		return this.close(name, "Cancelled", after);
	},

	apply_plan(doctype, name, after) {
		const d = new frappe.ui.Dialog({
			title: __("Apply Activity Plan"),
			fields: [
				{
					fieldname: "plan",
					label: __("Plan"),
					fieldtype: "Link",
					options: "Activity Plan",
					reqd: 1,
					get_query: () => ({ filters: { enabled: 1, applies_to: ["in", [doctype, ""]] } }),
				},
			],
			primary_action_label: __("Apply"),
			primary_action: ({ plan }) => {
				frappe
					.xcall("crm_suite.activities.api.apply_activity_plan", {
						plan,
						reference_doctype: doctype,
						reference_name: name,
					})
					.then((names) => {
						d.hide();
						frappe.show_alert({
							message: __("{0} activities planned", [names.length]),
							indicator: "green",
						});
						after && after(names);
					});
			},
		});
		d.show();
		return d;
	},

	invite(name, after) {
		return frappe
			.xcall("crm_suite.activities.api.send_meeting_invitation", { activity: name })
			.then((r) => {
				frappe.show_alert({ message: __("Invitation sent to {0}", [r.invitee]), indicator: "green" });
				after && after(r);
			});
	},
};
