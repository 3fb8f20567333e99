"""Who may bring records in through Frappe's Data Import (docs/import.md).

The app's doctypes carry the `import` permission in their own DocPerm rows (CRM Manager everywhere; Sales
Manager for Lead, Customer, Opportunity, Interaction, Product and Sales Order; Marketing Manager for Lead and
Campaign; Support Manager for Ticket and Interaction). Frappe's own doctypes that an import needs are
granted here, on install and after every migrate, through Frappe's Role Permission Manager mechanism
(Custom DocPerm): a role without a row gets one; a role whose row lacks `import` (where granted) gets the
rights below added. Other rights an admin set are left alone; to take a grant away, change GRANTS:
- Data Import (the importer's form and its job) for the importing roles;
- Contact and Address (a customer's people and addresses, linked through their Dynamic Links) for CRM
  Manager and Sales Manager.
"""

import frappe
from frappe.permissions import add_permission, update_permission_property

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
	"Data Import": {
		"CRM Manager": ("read", "write", "create", "delete"),
		"Sales Manager": ("read", "write", "create"),
		"Marketing Manager": ("read", "write", "create"),
		"Support Manager": ("read", "write", "create"),
	},
	"Contact": {
		"CRM Manager": ("read", "write", "create", "import", "export", "report"),
		"Sales Manager": ("read", "write", "create", "import", "export", "report"),
	},
	"Address": {
		"CRM Manager": ("read", "write", "create", "import", "export", "report"),
		"Sales Manager": ("read", "write", "create", "import", "export", "report"),
	},
}


def grant() -> None:
	for doctype, roles in GRANTS.items():
		for role, rights in roles.items():
			if not frappe.db.exists("Role", role):
				# on install, after_install runs before the Role fixtures are synced (which then fill it in)
				frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
					ignore_permissions=True
				)
			if frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0}):
				if (
					frappe.db.get_value(
						"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0}, "import"
					)
					or "import" not in rights
				):
					continue  # granted before, or changed by an admin: kept
			else:
				add_permission(doctype, role, 0)
			for right in rights:
				update_permission_property(doctype, role, 0, right, 1, validate=False)
