"""The batch summary's risk column."""

from posecheck.batch import risk_line


def test_risk_line_with_and_without_load() -> None:
    summary = {
        "reba": {"worst": {"score": 8, "risk": "high"}},
        "niosh": {"lifts": [{"LI": 1.2, "RWL_kg": 10.0}, {"LI": 1.44, "RWL_kg": 8.3}]},
    }
    assert risk_line(summary) == "REBA 8 high, LI 1.44"
    summary["niosh"]["lifts"] = [{"LI": None, "RWL_kg": 10.0}, {"LI": None, "RWL_kg": 8.3}]
    assert risk_line(summary) == "REBA 8 high, 2 lift(s), RWL 8.3 kg"


def test_risk_line_empty_when_not_scored() -> None:
    assert risk_line({"reba": {"worst": None}, "niosh": {"lifts": []}}) == ""
    assert risk_line({}) == ""
