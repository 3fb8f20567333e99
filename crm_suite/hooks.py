app_name = "crm_suite"
app_title = "CRM Suite"
app_publisher = "crm_suite developers"
app_description = (
	"An Odoo-style, modular CRM suite: sales funnel, service, marketing, contact center and analytics"
)
app_email = "dev@crm-suite.invalid"
app_license = "mit"
export_python_type_annotations = True
required_apps = ["frappe/frappe"]  # org/repo form: Frappe resolves it without asking GitHub

# The roles the suite ships. Admins may change their permissions in the desk.
_crm_roles = [
	"Sales User",
	"Sales Manager",
	"Marketing Manager",
	"Support Agent",
	"Support Manager",
	"CRM Manager",
	"Support Customer",  # Service: customers' contacts on the support portal (no desk access)
]

# Configuration that admins may later change in the desk; `bench migrate` syncs it.
fixtures = [
	{"dt": "Role", "filters": [["name", "in", _crm_roles]]},
	# Platform: example webhooks (disabled) and the CRM dashboard's cards and charts (docs/platform.md).
	{
		"dt": "Webhook",
		"filters": [["name", "in", ["CRM Lead Created", "CRM Opportunity Won", "CRM Ticket SLA Breached"]]],
	},
	{
		"dt": "Number Card",
		"filters": [
			["name", "in", ["Open Leads", "Pipeline Value", "SLA Breaches Today", "At-Risk Customers"]]
		],
	},
	{
		"dt": "Dashboard Chart",
		"filters": [
			[
				"name",
				"in",
				["Leads by Source", "Pipeline by Stage", "Tickets by Status", "Revenue by Segment"],
			]
		],
	},
	{"dt": "Dashboard", "filters": [["name", "in", ["CRM"]]]},
	{
		"dt": "Workflow State",
		"filters": [
			[
				"name",
				"in",
				[
					"Planned",
					"Active",
					"Completed",
					"Cancelled",
					"New",
					"Contacted",
					"Qualified",
					"Unqualified",
					"Converted",
					"Open",
					"Won",
					"Lost",
					"In Progress",
					"Waiting on Customer",
					"Resolved",
					"Closed",
				],
			]
		],
	},
	{
		"dt": "Workflow Action Master",
		"filters": [
			[
				"name",
				"in",
				[
					"Activate",
					"Complete",
					"Cancel",
					"Contact",
					"Qualify",
					"Disqualify",
					"Convert",
					"Reopen",
					"Win",
					"Lose",
					"Start",
					"Wait for Customer",
					"Resume",
					"Resolve",
					"Close",
				],
			]
		],
	},
	{
		"dt": "Workflow",
		"filters": [
			["name", "in", ["Campaign Workflow", "Lead Workflow", "Opportunity Workflow", "Ticket Workflow"]]
		],
	},
	{"dt": "Workspace", "filters": [["name", "in", ["CRM"]]]},
	{"dt": "Assignment Rule", "filters": [["name", "in", ["Lead Round Robin", "Ticket Round Robin"]]]},
	{"dt": "Kanban Board", "filters": [["name", "in", ["Opportunity Pipeline"]]]},
	# Sales: the indexed digits of a contact's phone numbers (crm_suite/sales/contact_lookup.py).
	# i18n: Contact-email_language, the language the app writes to a contact in (docs/i18n.md).
	{
		"dt": "Custom Field",
		"filters": [
			[
				"name",
				"in",
				["Contact Phone-phone_digits", "Contact-email_language", "Data Import-crm_bulk_insert"],
			]
		],
	},
]

# Installation
# ------------
after_install = "crm_suite.setup.install.after_install"

# Desk
# ----
# Form scripts that extend core doctypes live next to their module.
# Contact center: Send SMS or WhatsApp from these records (crm_suite/crm/messaging.py).
_activity_js = ["public/js/activity_actions.js", "public/js/activities.js", "public/js/messaging.js"]
doctype_js = {
	"Customer": ["public/js/customer_timeline.js", "public/js/cross_sell.js", *_activity_js],
	"Opportunity": ["public/js/opportunity_sales_order.js", "public/js/cross_sell.js", *_activity_js],
	# Activities: the record's planned activities, Plan Activity / Apply Plan (crm_suite/activities)
	"Lead": _activity_js,
	"Ticket": _activity_js,
	"CRM Activity": ["public/js/activity_actions.js"],
}
# Activities: each record's next activity in its list view and on Kanban cards, overdue in red.
doctype_list_js = {
	"Lead": ["public/js/next_activity_list.js"],
	"Opportunity": ["public/js/next_activity_list.js"],
	"Customer": ["public/js/next_activity_list.js"],
	"Ticket": ["public/js/next_activity_list.js"],
	"CRM Activity": ["public/js/activity_actions.js"],  # the list's and the calendar's overdue colours
}
# Activities: the My Day page's actions (done, cancel, plan) are the forms' (public/js/activity_actions.js).
page_js = {"my-day": "public/js/activity_actions.js"}
# Activities: Interactions (done activities, calls, meetings) on the form timeline of these records.
additional_timeline_content = {
	"Lead": [
		"crm_suite.activities.timeline.interactions",
		"crm_suite.activities.timeline.cancelled_activities",
	],
	"Opportunity": [
		"crm_suite.activities.timeline.interactions",
		"crm_suite.activities.timeline.cancelled_activities",
	],
	"Ticket": [
		"crm_suite.activities.timeline.interactions",
		"crm_suite.activities.timeline.cancelled_activities",
	],
	"Customer": ["crm_suite.activities.timeline.cancelled_activities"],
}

# Marketing: the one-click unsubscribe URL of campaign emails' List-Unsubscribe header (crm_suite/marketing/unsubscribe.py).
website_route_rules = [{"from_route": "/unsub/<token>", "to_route": "unsub"}]

# Document events
# ---------------
# Service: the IMAP pull of mail in, one mail at a time, nothing lost or doubled, every character kept
# (crm_suite/service/inbound_mail, docs/service.md "Email in").
override_doctype_class = {
	"Email Account": "crm_suite.service.inbound_mail.account.SupportEmailAccount",
	# no e-mail copy of an in-app notification (nor an Error Log for it) without an outgoing account
	"Notification Log": "crm_suite.service.inbound_mail.notification_log.SupportNotificationLog",
	# Under load: the time-critical jobs (hook crm_time_critical_jobs) go to the short queue
	"Scheduled Job Type": "crm_suite.utils.scheduled_jobs.CRMScheduledJobType",
	# Privacy: a personal-data deletion also removes the person's names, email and phone numbers from the
	# app's texts, Versions and Deleted Documents, and takes several Contacts with their email (crm/privacy.py)
	"Personal Data Deletion Request": "crm_suite.crm.privacy.CRMPersonalDataDeletionRequest",
	# Data Import: a Lead import with "Bulk Insert" runs the bulk path (crm_suite/sales/bulk_import.py)
	"Data Import": "crm_suite.sales.bulk_import.BulkDataImport",
}

doc_events = {
	# Marketing: leads with UTM parameters or a campaign link are attributed (crm_suite/marketing/attribution.py).
	"Lead": {
		"before_insert": ["crm_suite.marketing.attribution.attribute_lead"],
		# Sales: time in each status (crm_suite/sales/stage_history.py); Activities: a status the lead
		# enters may apply an activity plan. on_change runs after every save and db_set, after the
		# assignment rule (so a plan's "Record Owner" steps go to the lead's new assignee).
		"on_change": [
			"crm_suite.sales.stage_history.on_change",
			"crm_suite.activities.plans.on_lead_change",
		],
		"on_trash": ["crm_suite.sales.stage_history.on_trash"],
	},
	"Opportunity": {
		"on_change": ["crm_suite.sales.stage_history.on_change"],
		"on_trash": ["crm_suite.sales.stage_history.on_trash"],
	},
	# Under load: Frappe's Workflow Actions and Assignment Rules of these doctypes run in a job after the
	# commit (crm_suite/utils/workflow_actions.py); a save that still runs them itself (an import, a test)
	# takes the job's lock on the Workflow Action writes first, so concurrent saves don't deadlock.
	("Lead", "Opportunity", "Ticket", "Campaign"): {
		"on_update": ["crm_suite.utils.workflow_actions.lock_before_workflow_actions"]
	},
	# Service: first agent response, customer replies reopening tickets, agents kept in the round robin.
	"Communication": {"after_insert": ["crm_suite.service.email_in.on_communication_insert"]},
	# Sales: the stored digits of customers' and contacts' phone numbers, for the indexed duplicate and
	# caller lookups (crm_suite/sales/contact_lookup.py).
	# Analytics: the per-customer order totals the nightly RFM job reads (crm_suite/analytics/order_summary.py).
	"Customer": {
		"validate": ["crm_suite.sales.contact_lookup.set_customer_keys"],
		"after_rename": ["crm_suite.analytics.order_summary.on_customer_rename"],
	},
	"Sales Order": {
		"on_submit": ["crm_suite.analytics.order_summary.on_sales_order_change"],
		"on_cancel": ["crm_suite.analytics.order_summary.on_sales_order_change"],
	},
	# Service: only staff link a Contact to a Customer (the portal identity, crm_suite/service/portal.py).
	"Contact": {
		"validate": [
			"crm_suite.sales.contact_lookup.set_contact_keys",
			"crm_suite.service.portal.guard_contact",
		]
	},
	# Data Import (crm_suite/sales/import_pass.py): only users with the import permission; a Lead import
	# that ends queues the pass that finishes its leads (duplicates, scores, assignment).
	"Data Import": {
		"validate": ["crm_suite.sales.import_pass.validate_data_import"],
		"on_change": ["crm_suite.sales.import_pass.on_data_import_change"],
	},
	# Sales: the site's first User Permission stops duplicate matches keeping their names: the names
	# stored before are blanked by a job (crm_suite/sales/match_names.py).
	"User Permission": {"after_insert": ["crm_suite.sales.match_names.on_user_permission_insert"]},
	# Sales: the "Lead Round Robin" assignment rule follows the Sales User role (Service: the
	# "Ticket Round Robin" follows Support Agent).
	"User": {
		"on_update": ["crm_suite.sales.routing.on_user_change", "crm_suite.service.routing.on_user_update"],
		"on_trash": ["crm_suite.sales.routing.on_user_change", "crm_suite.service.routing.on_user_trash"],
	},
}

# Sales: after the fixtures are synced, the lead round robin gets the site's Sales Users.
after_migrate = [
	"crm_suite.sales.routing.sync_round_robin_users",
	"crm_suite.setup.indexes.apply",  # the composite and unique indexes of every DocType (crm_suite/setup/indexes.py)
	"crm_suite.service.routing.sync_support_agents",  # Service: the ticket round robin gets the Support Agents
	"crm_suite.setup.import_permissions.grant",  # Data Import for the importing roles (docs/import.md)
	"crm_suite.utils.i18n.compile_catalogues",  # i18n: locale/*.po to the bench's .mo files (docs/i18n.md)
]

# Bookkeeping rows that point at a record must not keep it from being deleted: a save still waiting for
# its deferred automation (the job skips a record deleted meanwhile), an inbound message's inbox row.
ignore_links_on_delete = ["Deferred Automation", "Channel Inbox"]

# Scheduled jobs
# --------------
# Queues: these run on the `short` queue, which every worker takes first, so a burst of intake on
# `default` doesn't delay them (crm_suite/utils/scheduled_jobs.py).
crm_time_critical_jobs = [
	"crm_suite.service.jobs.check_sla",
	"crm_suite.activities.reminders.send_due_reminders",
	"crm_suite.utils.workflow_actions.sweep",
]
# Under load: what must follow a deferred save's assignment runs in the same job, after it
# (crm_suite/utils/workflow_actions.py): a plan's "Record Owner" steps go to the lead's new assignee.
crm_after_deferred_assignment = {"Lead": ["crm_suite.activities.plans.on_lead_change"]}
scheduler_events = {
	# Service: SLA breaches + escalation every 5 minutes.
	# Activities: reminders of activities due soon (in-app + email), every 5 minutes.
	"cron": {
		"* * * * *": [
			# CRM: inbound SMS left pending (a lost job, a worker killed mid-batch) get a job again.
			"crm_suite.crm.messaging_inbox.sweep_inbox",
			# Under load: saves whose Workflow Actions and assignment still wait get their job queued.
			"crm_suite.utils.workflow_actions.sweep",
		],
		"*/5 * * * *": [
			"crm_suite.service.jobs.check_sla",
			"crm_suite.activities.reminders.send_due_reminders",
		],
	},
	"hourly": [
		# Marketing: campaign schedule steps that are due go out through the email queue, once per recipient.
		"crm_suite.marketing.outreach.enqueue_due_outreach",
		# Activities: each user's morning digest of overdue work, once a day from the digest hour on.
		"crm_suite.activities.reminders.send_morning_digests",
		# Sales: imported leads still waiting for their pass (a lost job) get it queued again.
		"crm_suite.sales.import_pass.sweep",
		# Sales: blanking stored duplicate match names, queued again until it has finished.
		"crm_suite.sales.match_names.sweep",
	],
	# Sales: follow-up ToDos for untouched leads.
	"daily": [
		"crm_suite.sales.follow_up.create_follow_up_todos",
		"crm_suite.service.jobs.auto_close_resolved",  # Service: close tickets resolved N days ago
		"crm_suite.crm.messaging_inbox.purge_inbox",  # CRM: inbound SMS stored 30+ days ago leave the inbox
	],
	# Analytics: RFM + loyalty and the association rules, nightly on the long queue.
	"daily_long": [
		"crm_suite.analytics.rfm.run_nightly",
		"crm_suite.analytics.basket.run_scheduled",
		"crm_suite.sales.scoring.update_lead_scores",  # Sales: re-learn and re-score open leads
	],
	# Analytics: recompute the per-customer order totals from the orders (repairs drift from raw SQL writes).
	# Money: re-convert stored amounts with today's rates (repairs drift; crm_suite/crm/money.py).
	"weekly_long": [
		"crm_suite.crm.money.run_weekly_reconvert",
		"crm_suite.analytics.order_summary.run_weekly_rebuild",
	],
}

# Permissions
# -----------
# Portal users (customers' contacts) see only their own records.
# Sales: with CRM Settings "Sales Users see only their own leads and opportunities" (crm_suite/sales/visibility.py).
# Activities: a planned activity, a stage history row or an interaction follows its record
# (crm_suite/activities/permissions.py).
has_permission = {
	"CRM Activity": "crm_suite.activities.permissions.has_activity_permission",
	"Stage History": "crm_suite.activities.permissions.has_stage_history_permission",
	"Interaction": "crm_suite.activities.permissions.has_interaction_permission",
	"Ticket": "crm_suite.service.portal.has_ticket_permission",
	"Lead": "crm_suite.sales.visibility.has_lead_permission",
	"Opportunity": "crm_suite.sales.visibility.has_opportunity_permission",
	"Channel Consent": "crm_suite.crm.consent_permissions.has_permission",
	# Data Import: one's own imports (System Managers: all); crm_suite/api/data_import.py
	"Data Import": "crm_suite.api.data_import.has_permission",
	# File: an import's file only for who may read the import (Frappe's File rule still applies after)
	"File": "crm_suite.api.data_import.file_has_permission",
	# Analytics: a customer's order totals follow the customer (crm_suite/analytics/order_summary.py)
	"Customer Order Summary": "crm_suite.analytics.order_summary.has_permission",
}
permission_query_conditions = {
	"CRM Activity": "crm_suite.activities.permissions.activity_query_conditions",
	"Stage History": "crm_suite.activities.permissions.stage_history_query_conditions",
	"Interaction": "crm_suite.activities.permissions.interaction_query_conditions",
	"Ticket": "crm_suite.service.portal.ticket_query_conditions",
	"Lead": "crm_suite.sales.visibility.lead_query_conditions",
	"Opportunity": "crm_suite.sales.visibility.opportunity_query_conditions",
	"Channel Consent": "crm_suite.crm.consent_permissions.query_conditions",
	"Data Import": "crm_suite.api.data_import.query_conditions",
	"File": "crm_suite.api.data_import.file_query_conditions",
	"Customer Order Summary": "crm_suite.analytics.order_summary.query_conditions",
	# every child table (Contact Email, Lead Duplicate, Sales Order Item, ...): a row shows only with its
	# readable parent and table field (crm_suite/utils/child_rows.py)
	"*": "crm_suite.utils.child_rows.query_conditions",
}
# Privacy: the app's personal data in Frappe's Personal Data Download and Deletion Request. A deletion
# overwrites the person's fields (and their name and email in the texts) and keeps every record, amount and
# count, so the business totals stay (docs/security.md).
_lead_person = ["first_name", "last_name", "lead_name", "job_title", "phone", "mobile_no", "phone_e164"]
user_data_fields = [
	{
		"doctype": "Lead",
		"filter_by": "email_id",
		"redact_fields": [
			*_lead_person,
			"mobile_e164",
			"phone_digits",
			"mobile_digits",
			"address_line1",
			"city",
			"pincode",
			"notes",
		],
	},
	{
		"doctype": "Customer",
		"filter_by": "email_id",
		"redact_fields": ["phone", "mobile_no", "phone_digits", "mobile_digits"],
	},
	{"doctype": "Ticket", "filter_by": "raised_by", "redact_fields": ["description", "feedback_comment"]},
	{"doctype": "Campaign Send Log", "filter_by": "recipient", "redact_fields": ["error"]},
	# no email column: the person's name and email are replaced wherever they appear in the texts
	{"doctype": "Interaction", "strict": True},
	{"doctype": "Call Event Log", "strict": True},
	{"doctype": "Channel Inbox", "strict": True},
]
# Platform: Frappe's generic counts and a form dashboard's counts of linked records answer only from
# readable records (crm_suite/api/generic.py, docs/security.md). i18n: Group By dashboard charts show their labels (lead sources, statuses)
# translated (docs/i18n.md).
override_whitelisted_methods = {
	"frappe.client.get_count": "crm_suite.api.generic.get_count",
	"frappe.desk.listview.get_group_by_count": "crm_suite.api.generic.get_group_by_count",
	"frappe.desk.notifications.get_open_count": "crm_suite.api.generic.get_open_count",
	"frappe.desk.form.linked_with.get_submitted_linked_docs": "crm_suite.api.generic.get_submitted_linked_docs",
	# Service: the desk's form load (with the staff's internal comments) is for desk users only
	"frappe.desk.form.load.getdoc": "crm_suite.service.portal.getdoc",
	"frappe.desk.form.load.get_docinfo": "crm_suite.service.portal.get_docinfo",
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "crm_suite.utils.i18n.dashboard_chart",
	# Data Import's server calls check the import they name (crm_suite/api/data_import.py)
	**{
		f"frappe.core.doctype.data_import.data_import.{fn}": f"crm_suite.api.data_import.{fn}"
		for fn in (
			"form_start_import",
			"get_preview_from_template",
			"get_import_status",
			"download_import_log",
			"download_errored_template",
		)
	},
}
# Service: the customers' support portal (/support) in the website's account menu.
standard_portal_menu_items = [
	{
		"title": "Support Tickets",
		"route": "/support",
		"reference_doctype": "Ticket",
		"role": "Support Customer",
	},
]

# Link titles: show customer names, not CUST-2026-00001, in link fields.

# REST API guard (crm_suite/api/request_guard.py): bad input to the app's DocTypes gets a 4xx, not a 500.
# auth_hooks run inside Frappe's validate_auth, after the API key/secret was checked: once, knowing the caller.
auth_hooks = ["crm_suite.api.request_guard.validate_api_request"]
# Availability (crm_suite/api/availability.py): while MariaDB is down, requests get a 503 at once; what
# needs Redis while it is down gets a 503; a replica that does not answer is left out (reads go to the
# primary).
before_request = [
	"crm_suite.api.availability.require_database",
	"crm_suite.api.availability.use_replica_only_if_reachable",
]
before_job = ["crm_suite.api.availability.use_replica_only_if_reachable"]
after_request = [
	"crm_suite.api.request_guard.bad_request_responses",
	"crm_suite.api.availability.unavailable_responses",
]
