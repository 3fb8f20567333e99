"""Which database errors mean "MariaDB is not there" (a 503 and a retry) and which are the request's or
the configuration's fault (they stay errors)."""

import pymysql
import pytest

from crm_suite.api.availability import database_unavailable


@pytest.mark.parametrize(
	"error",
	[
		pymysql.err.OperationalError(
			2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"
		),
		pymysql.err.OperationalError(2002, "Can't connect to local MySQL server through socket"),
		pymysql.err.OperationalError(2006, "MySQL server has gone away"),
		pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"),
		pymysql.err.OperationalError(1053, "Server shutdown in progress"),
		pymysql.err.InterfaceError(0, ""),
	],
)
def test_the_server_not_being_there_is_unavailable(error):
	assert database_unavailable(error)


@pytest.mark.parametrize(
	"error",
	[
		pymysql.err.OperationalError(1045, "Access denied for user"),  # a wrong password: configuration
		pymysql.err.OperationalError(1049, "Unknown database"),
		pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"),
		pymysql.err.ProgrammingError(1146, "Table doesn't exist"),
		pymysql.err.IntegrityError(1062, "Duplicate entry"),
		ValueError("not a database error"),
	],
)
def test_other_errors_are_not(error):
	assert not database_unavailable(error)
