"""temp_table_sql hides a statement from Frappe's implicit-commit guard, so it must refuse anything that
is not CREATE/DROP TEMPORARY TABLE (those never commit in MariaDB)."""

import pytest

from crm_suite.utils.temp_tables import temp_table_sql


@pytest.mark.parametrize(
	"query",
	["CREATE TABLE t (a int)", "drop table `tabLead`", "ALTER TABLE t ADD c int", "truncate t", "begin"],
)
def test_statements_that_may_commit_are_refused(query):
	with pytest.raises(ValueError, match="TEMPORARY TABLE only"):
		temp_table_sql(query)
