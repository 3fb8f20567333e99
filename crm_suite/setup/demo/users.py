"""The demo's users, one or more per role; they own and are assigned the demo records."""

import frappe

DEMO_USERS = {
	"Sales User": (
		"demo.sales1@crm-suite.invalid",
		"demo.sales2@crm-suite.invalid",
		"demo.sales3@crm-suite.invalid",
	),
	"Sales Manager": ("demo.salesmanager@crm-suite.invalid",),
	"Support Agent": ("demo.support1@crm-suite.invalid", "demo.support2@crm-suite.invalid"),
	"Support Manager": ("demo.supportmanager@crm-suite.invalid",),
	"Marketing Manager": ("demo.marketing@crm-suite.invalid",),
}


def ensure_demo_users() -> dict[str, list[str]]:
	for role, emails in DEMO_USERS.items():
		for email in emails:
			if not frappe.db.exists("User", email):
				frappe.get_doc(
					{
						"doctype": "User",
						"email": email,
						"send_welcome_email": 0,
						"first_name": email.split("@")[0].replace("demo.", "").title(),
						"roles": [{"role": role}],
					}
				).insert(ignore_permissions=True)
	return {role: list(emails) for role, emails in DEMO_USERS.items()}
