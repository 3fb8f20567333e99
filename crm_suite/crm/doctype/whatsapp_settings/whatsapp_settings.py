# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from crm_suite.utils.singles import SerialisedSingle


class WhatsAppSettings(SerialisedSingle):
	pass
