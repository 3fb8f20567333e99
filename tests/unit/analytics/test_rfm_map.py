"""The R/F score -> segment map and the loyalty tiers, without a site."""

import pytest

from crm_suite.analytics import rfm


@pytest.mark.parametrize(
	"r,f,segment",
	[
		(5, 5, "Champions"),
		(5, 4, "Champions"),
		(4, 5, "Loyal"),
		(3, 4, "Loyal"),
		(3, 5, "Loyal"),
		(5, 2, "Potential Loyalist"),
		(4, 3, "Potential Loyalist"),
		(5, 1, "New"),
		(4, 1, "Promising"),
		(3, 3, "Need Attention"),
		(3, 1, "About to Sleep"),
		(3, 2, "About to Sleep"),
		(2, 3, "At Risk"),
		(1, 4, "At Risk"),
		(2, 5, "Can't Lose Them"),
		(1, 5, "Can't Lose Them"),
		(2, 2, "Hibernating"),
		(1, 2, "Hibernating"),
		(2, 1, "Hibernating"),
		(1, 1, "Lost"),
	],
)
def test_segment_map(r, f, segment):
	assert rfm.segment_for(r, f) == segment


def test_every_score_pair_has_one_of_the_eleven_segments_and_all_are_used():
	used = {rfm.segment_for(r, f) for r in range(1, 6) for f in range(1, 6)}
	assert used == set(rfm.SEGMENTS)
	assert len(rfm.SEGMENTS) == 11


@pytest.mark.parametrize("r,f", [(0, 3), (6, 1), (3, 0), (3, -1)])
def test_scores_outside_one_to_five_are_refused(r, f):
	with pytest.raises(ValueError):
		rfm.segment_for(r, f)


def test_segment_sql_is_generated_from_the_map():
	sql = rfm.segment_sql("s.r", "s.f")
	assert sql.startswith("ELT((s.r - 1) * 5 + s.f, 'Lost', 'Hibernating', 'At Risk', 'At Risk', ")
	assert sql.endswith("'Potential Loyalist', 'Champions', 'Champions')")
	assert sql.count("'Can''t Lose Them'") == 2


@pytest.mark.parametrize(
	"scores,tier",
	[
		((5, 5, 5), "Platinum"),
		((5, 4, 4), "Platinum"),
		((4, 4, 4), "Gold"),
		((3, 3, 4), "Gold"),
		((3, 3, 3), "Silver"),
		((1, 1, 5), "Silver"),
		((2, 2, 2), "Bronze"),
		((1, 1, 1), "Bronze"),
		((0, 0, 0), ""),
	],
)
def test_loyalty_tier(scores, tier):
	assert rfm.loyalty_tier(*scores) == tier


def reference_ntile(rows: int, buckets: int = 5) -> list[int]:
	"""NTILE as the SQL standard defines it: sizes differ by at most one, the larger buckets first."""
	size, larger = divmod(rows, buckets)
	out = []
	for bucket in range(1, buckets + 1):
		out += [bucket] * (size + (1 if bucket <= larger else 0))
	return out


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 24, 99, 100, 101])
def test_ntile_bucket_matches_ntile(rows):
	assert [rfm.ntile_bucket(p, rows) for p in range(1, rows + 1)] == reference_ntile(rows)


def test_ntile_bucket_refuses_positions_outside_the_rows():
	with pytest.raises(ValueError):
		rfm.ntile_bucket(0, 5)
	with pytest.raises(ValueError):
		rfm.ntile_bucket(6, 5)
