# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from crm_suite.utils.singles import SerialisedSingle


class ContactCenterSettings(SerialisedSingle):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.crm.doctype.contact_center_agent.contact_center_agent import ContactCenterAgent

		callback_agents: DF.TableMultiSelect[ContactCenterAgent]
		create_lead_for_unknown: DF.Check
		default_region: DF.Data | None
		unknown_caller_lead_source: DF.Link | None
		web_lead_rate_limit: DF.Int
		web_lead_source: DF.Link | None
		webhook_token: DF.Password | None
	# end: auto-generated types
	pass
