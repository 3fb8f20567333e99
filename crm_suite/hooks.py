app_name = "crm_suite"
app_title = "CRM Suite"
app_publisher = "crm_suite developers"
app_description = "An Odoo-style, modular CRM suite: sales funnel, service, marketing, contact center and analytics"
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
]

# Configuration that admins may later change in the desk; `bench migrate` syncs it.
fixtures = [
	{"dt": "Role", "filters": [["name", "in", _crm_roles]]},
]

# Installation
# ------------
after_install = "crm_suite.setup.install.after_install"

# Desk
# ----
# Form scripts that extend core doctypes live next to their module.
doctype_js = {}

# Document events
# ---------------
doc_events = {}

# Scheduled jobs
# --------------
scheduler_events = {}

# Permissions
# -----------
# Portal users (customers' contacts) see only their own records.
has_permission = {}
permission_query_conditions = {}

# Link titles: show customer names, not CUST-2026-00001, in link fields.
