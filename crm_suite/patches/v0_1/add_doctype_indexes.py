from crm_suite.setup import indexes


def execute():
	"""Indexes declared after sites were made (crm_suite/setup/indexes.py); after_migrate applies them too."""
	indexes.apply()
