import frappe

from crm_suite.setup import indexes


def execute():
	"""Campaign Send Log: once-only is the unique (campaign, schedule_step, recipient) index now, not a hashed
	`send_key` column. The old column held the same triple, so existing rows can't violate the new index;
	it is dropped once the index is there. Safe to run again."""
	if not frappe.db.table_exists("Campaign Send Log"):
		return
	indexes.apply("Campaign Send Log")  # skips an index this site's table has
	# (raw SQL: SHOW COLUMNS reads the live schema; has_column answers from a cache)
	if frappe.db.sql("show columns from `tabCampaign Send Log` like 'send_key'"):
		frappe.db.sql_ddl("alter table `tabCampaign Send Log` drop column `send_key`")
		frappe.clear_cache(doctype="Campaign Send Log")
