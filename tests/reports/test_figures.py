"""Helpers of the report figures."""


def test_compact_numbers_round_before_choosing_the_suffix():
    from neuroemu.reports.figures import _compact

    cases = {0.878: "0.878", 21.1: "21.1", 999.9: "1k", 26_200: "26.2k", 999_999: "1M",
             1_080_000: "1.08M", 9.997e11: "1T", 0: "0"}
    assert {v: _compact(v) for v in cases} == cases
