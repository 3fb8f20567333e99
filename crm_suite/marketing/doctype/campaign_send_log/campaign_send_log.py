# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CampaignSendLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		campaign: DF.Link
		day_offset: DF.Int
		email_queue: DF.Link | None
		email_template: DF.Link | None
		error: DF.SmallText | None
		recipient: DF.Data
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		schedule_step: DF.Data
		status: DF.Literal["Queued", "Unsubscribed", "Failed"]
	# end: auto-generated types
	pass


UNIQUE_RECIPIENT = "unique_campaign_step_recipient"
UNIQUE_COLUMNS = ("campaign", "schedule_step", "recipient")


def on_doctype_update():
	# each step reaches each recipient once: a second row for the same address is refused by the database
	ensure_unique_recipient_index()


def ensure_unique_recipient_index() -> None:
	"""Add the unique (campaign, schedule_step, recipient) index unless this site's table has it. Idempotent.

	Not frappe.db.add_unique: it looks the constraint up in information_schema by table name only (no
	schema), so a database login that sees other sites' schemas finds their index and skips this one.
	SHOW INDEX reads this site's table."""
	if frappe.db.has_index("tabCampaign Send Log", UNIQUE_RECIPIENT):
		return
	columns = ", ".join(f"`{c}`" for c in UNIQUE_COLUMNS)
	frappe.db.sql_ddl(f"alter table `tabCampaign Send Log` add unique index `{UNIQUE_RECIPIENT}` ({columns})")
