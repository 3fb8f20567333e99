// My Day (/app/my-day): what needs the signed-in user today, each row one click from acting. One call,
// crm_suite.activities.api.get_my_day; the actions are in public/js/activity_actions.js (page_js hook).

frappe.pages["my-day"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("My Day"), single_column: true });
	const view = new CrmMyDay(page);
	page.set_primary_action(__("Refresh"), () => view.load(), "refresh");
	page.add_inner_button(__("Calendar"), () => frappe.set_route("List", "CRM Activity", "Calendar"));
	page.add_inner_button(__("All My Activities"), () =>
		frappe.set_route("List", "CRM Activity", { assigned_to: frappe.session.user, status: "Open" })
	);
	wrapper.crm_my_day = view;
	view.load();
};

frappe.pages["my-day"].on_page_show = function (wrapper) {
	wrapper.crm_my_day && wrapper.crm_my_day.load();
};

class CrmMyDay {
	constructor(page) {
		this.page = page;
		this.$body = $(`<div class="crm-my-day" style="display:grid;gap:16px;padding:8px 0"></div>`).appendTo(
			page.main
		);
		this.$body.on("click", "[data-action]", (e) => {
			e.preventDefault();
			const $el = $(e.currentTarget);
			this.act($el.data("action"), $el.data());
		});
	}

	load() {
		return crm_suite_activities.get("crm_suite.activities.api.get_my_day", {}).then((day) => {
			this.day = day;
			this.render(day);
		});
	}

	act(action, data) {
		const acts = crm_suite_activities;
		const reload = () => this.load();
		if (action === "done") return acts.done(data.name, reload);
		if (action === "cancel") return acts.cancel(data.name, reload);
		if (action === "plan")
			return acts.plan(
				{
					reference_doctype: data.doctype,
					reference_name: data.name,
					activity_type: data.type || "Call",
					subject: data.subject,
				},
				reload
			);
		if (action === "resolve")
			return frappe
				.xcall("crm_suite.activities.api.resolve_missed_call", { interaction: data.name })
				.then(reload);
		if (action === "open") return frappe.set_route("Form", data.doctype, data.name);
	}

	render(day) {
		const esc = frappe.utils.escape_html;
		const acts = crm_suite_activities;
		const link = (doctype, name, label) =>
			`<a href="${frappe.utils.get_form_link(doctype, name)}">${esc(label || name)}</a>`;
		const btn = (label, action, attrs) =>
			`<button class="btn btn-xs btn-default" data-action="${action}" ${Object.entries(attrs)
				.map(([k, v]) => `data-${k}="${esc(v == null ? "" : String(v))}"`)
				.join(" ")}>${esc(label)}</button>`;
		// a record's actions: plan a call to it, or open it
		const call_or_open = (doctype, name, title) => [
			btn(__("Plan Call"), "plan", {
				doctype,
				name,
				type: "Call",
				subject: __("Call {0}", [title]),
			}),
			btn(__("Open"), "open", { doctype, name }),
		];
		const row = (cells, actions) =>
			`<div class="crm-my-day-row" style="display:flex;gap:8px;align-items:center;padding:6px 0;border-bottom:1px solid var(--border-color)">
				${cells.join(" ")}<span style="margin-left:auto;display:flex;gap:4px">${actions.join("")}</span>
			</div>`;
		const section = (key, title, data, render_row, empty) => {
			if (!data) return "";
			const rows = data.rows.map(render_row).join("");
			const more =
				data.count > data.rows.length
					? `<div class="text-muted small">${__("{0} more", [data.count - data.rows.length])}</div>`
					: "";
			return `<div class="frappe-card crm-my-day-section" data-section="${key}" style="padding:12px 16px">
				<div style="display:flex;align-items:center;gap:8px;margin-bottom:6px">
					<b>${esc(title)}</b><span class="badge badge-pill ${data.count ? "badge-danger" : "badge-light"} crm-count">${data.count}</span>
				</div>
				${rows || `<div class="text-muted small">${esc(empty)}</div>`}${more}
			</div>`;
		};
		const activity_row = (a) =>
			row(
				[
					acts.pill(a.due_on, a.all_day),
					`<span class="text-muted small">${esc(__(a.activity_type))}</span>`,
					link("CRM Activity", a.name, a.subject),
					`<span class="text-muted small">${esc(__(a.reference_doctype))}:</span>`,
					link(a.reference_doctype, a.reference_name, a.reference_title),
				],
				[
					btn(__("Done"), "done", { name: a.name }),
					btn(__("Cancel"), "cancel", { name: a.name }),
					btn(__("Open"), "open", { doctype: a.reference_doctype, name: a.reference_name }),
				]
			);
		const t = day.thresholds;
		this.$body.html(
			[
				section("overdue", __("Overdue"), day.overdue, activity_row, __("Nothing overdue.")),
				section("today", __("Today"), day.today, activity_row, __("Nothing else planned for today.")),
				section(
					"tickets",
					__("Tickets with SLA at Risk or Breached"),
					day.tickets,
					(tk) =>
						row(
							[
								`<span class="indicator-pill ${tk.sla_state === "Breached" ? "red" : "orange"}">${esc(
									__(tk.sla_state)
								)}</span>`,
								`<span class="text-muted small">${esc(
									tk.deadline ? frappe.datetime.str_to_user(tk.deadline) : ""
								)}</span>`,
								link("Ticket", tk.name, tk.subject),
								`<span class="text-muted small">${esc(__(tk.priority || ""))}</span>`,
							],
							[btn(__("Open"), "open", { doctype: "Ticket", name: tk.name })]
						),
					__("No ticket of yours is close to its SLA.")
				),
				section(
					"hot_leads",
					__("Hot Leads Nobody Followed Up (score ≥ {0}, {1} days)", [t.hot_lead_score, t.hot_lead_idle_days]),
					day.hot_leads,
					(l) =>
						row(
							[
								`<span class="indicator-pill green">${esc(String(l.lead_score))}</span>`,
								link("Lead", l.name, l.lead_name),
								`<span class="text-muted small">${esc(l.company_name || "")} · ${esc(__(l.status))}</span>`,
							],
							call_or_open("Lead", l.name, l.lead_name)
						),
					__("No hot lead is waiting.")
				),
				section(
					"at_risk_customers",
					__("At-Risk Customers You Manage"),
					day.at_risk_customers,
					(c) =>
						row(
							[
								`<span class="indicator-pill orange">${esc(
									c.churn_risk ? __("Churn Risk") : __(c.rfm_segment || "")
								)}</span>`,
								link("Customer", c.name, c.customer_name),
								c.next_activity_on
									? `${acts.pill(c.next_activity_on, 0)} <span class="text-muted small">${esc(
											c.next_activity || ""
									  )}</span>`
									: `<span class="text-muted small">${__("nothing planned")}</span>`,
							],
							call_or_open("Customer", c.name, c.customer_name)
						),
					__("None of your customers is at risk.")
				),
				section(
					"missed_calls",
					__("Missed Calls"),
					day.missed_calls,
					(m) => {
						const number = m.normalised_phone || m.phone_number || "";
						const record = m.customer
							? ["Customer", m.customer]
							: m.lead
							? ["Lead", m.lead]
							: m.reference_doctype
							? [m.reference_doctype, m.reference_name]
							: null;
						return row(
							[
								`<span class="text-muted small">${esc(frappe.datetime.str_to_user(m.interaction_time))}</span>`,
								number ? `<a href="tel:${esc(number)}">${esc(number)}</a>` : "",
								record ? link(record[0], record[1]) : "",
							],
							[
								number ? `<a class="btn btn-xs btn-primary" href="tel:${esc(number)}">${__("Call Back")}</a>` : "",
								btn(__("Handled"), "resolve", { name: m.name }),
							]
						);
					},
					__("No missed calls.")
				),
			].join("")
		);
	}
}
