from crm_suite.setup import indexes


def execute():
	"""Tickets got indexes after sites were made (crm_suite/setup/indexes.py). Runs any number of times."""
	indexes.apply("Ticket")
