"""Config: defaults, TOML loading, and specific errors for unknown keys and bad values."""

from pathlib import Path

import pytest

from posecheck.config import Config, load_config
from posecheck.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file() -> None:
    assert load_config(None) == Config()


def test_loads_values(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[rules]\ntwist_deg = 25\nassume_loaded = true\n[smoothing]\nbeta = 0.2\n"))
    assert config.rules.twist_deg == 25.0 and isinstance(config.rules.twist_deg, float)
    assert config.rules.assume_loaded is True
    assert config.smoothing.beta == 0.2
    assert config.pose == Config().pose


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rulez]\nx = 1\n", "unknown section"),
        ("[rules]\ntwist_degs = 20\n", "unknown key"),
        ("[rules]\ntwist_deg = 'a lot'\n", "must be a finite number"),
        ("[rules]\nassume_loaded = 1\n", "true or false"),
        ("[rules]\ntwist_deg = 10\n", "twist_release_deg <= twist_deg"),
        ("[rules]\nstoop_min_duration_s = -1\n", ">= 0 seconds"),
        ("[pose]\nmin_visibility = 2\n", "min_visibility"),
        ("[pose]\nrecalibrate_after_absence_s = -1\n", "recalibrate_after_absence_s"),
        ("[rules\n", "not valid TOML"),
        ("rules = 3\n", "must be a table"),
    ],
)
def test_bad_config_gives_specific_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
