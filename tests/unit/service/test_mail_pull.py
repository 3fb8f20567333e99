"""Which failures stop the pull (the mail stays unseen for the next pull) and which reject one mail."""

import frappe
import pymysql
import pytest
import redis
from rq.timeouts import JobTimeoutException

from crm_suite.service.inbound_mail.account import is_interruption


@pytest.mark.parametrize(
	"error",
	[
		JobTimeoutException("Task exceeded maximum timeout value (300 seconds)"),
		pymysql.err.OperationalError(2013, "Lost connection to server during query"),
		pymysql.err.InterfaceError(0, ""),
		pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"),
		redis.exceptions.ConnectionError("Connection refused"),
		frappe.QueryDeadlockError("Deadlock found"),
		frappe.QueryTimeoutError("Lock wait timeout exceeded"),
	],
)
def test_failures_of_the_pull_stop_it(error):
	assert is_interruption(error)


def test_a_failure_caused_by_a_lost_connection_stops_it():
	try:
		try:
			raise pymysql.err.OperationalError(2006, "MySQL server has gone away")
		except pymysql.err.OperationalError as e:
			raise frappe.ValidationError("could not save") from e
	except frappe.ValidationError as wrapped:
		assert is_interruption(wrapped)


@pytest.mark.parametrize(
	"error",
	[
		frappe.ValidationError("The mail has no sender (no From header)"),
		TypeError("argument of type 'NoneType' is not iterable"),
		UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
		pymysql.err.DataError(1406, "Data too long for column"),
		pymysql.err.OperationalError(1366, "Incorrect string value"),
	],
)
def test_failures_of_one_mail_reject_it(error):
	assert not is_interruption(error)
