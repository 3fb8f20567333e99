import frappe

from crm_suite.crm import money
from crm_suite.setup import indexes


def execute():
	"""Fill the reporting-currency amounts (Sales Order, Opportunity, Campaign) of existing documents and
	rebuild Customer Order Summary in the reporting currency. Not strict: a document whose currency has no
	rate gets conversion_rate 0, a gap the reports name (docs/money.md); it gets them when a rate is added or it is saved."""
	indexes.apply("Sales Order")
	money.reconvert(strict=False)
