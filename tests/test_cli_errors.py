"""CLI exit codes and one-line messages for bad input, bad config and unwritable output."""

from pathlib import Path

import numpy as np
import pytest

from posecheck.cli import main
from posecheck.video import H264Writer


@pytest.fixture(scope="module")
def blank_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short grey video with nobody in it."""
    path = tmp_path_factory.mktemp("videos") / "blank.mp4"
    with H264Writer(path, 10, 160, 120) as writer:
        for _ in range(5):
            writer.write(np.full((120, 160, 3), 128, np.uint8))
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err[-1] if err else ""


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, message = run_cli(["analyze", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "out")], capsys)
    assert code == 3 and message.startswith("posecheck: error: no such file")


def test_text_file_renamed_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 20)
    code, message = run_cli(["analyze", str(fake), "-o", str(tmp_path / "out")], capsys)
    assert code == 3 and "not a readable video" in message
    assert not (tmp_path / "out").exists()


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    code, message = run_cli(["analyze", str(empty), "-o", str(tmp_path / "out")], capsys)
    assert code == 3 and "is empty" in message


def test_no_person(blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, message = run_cli(["analyze", str(blank_video), "-o", str(out), "--quiet"], capsys)
    assert code == 4 and "no person found" in message
    assert not (out / "report.json").exists()
    assert list(out.iterdir()) == []  # no staging directory left behind


def test_bad_config(blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[rules]\nno_such_key = 1\n")
    code, message = run_cli(["analyze", str(blank_video), "--config", str(config), "-o", str(tmp_path / "o")], capsys)
    assert code == 5 and "unknown key" in message


def test_missing_model(blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, message = run_cli(
        ["analyze", str(blank_video), "--model", str(tmp_path / "x.task"), "-o", str(tmp_path / "o"), "--quiet"], capsys
    )
    assert code == 6 and "pose model not found" in message


def test_output_is_a_file(blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    code, message = run_cli(["analyze", str(blank_video), "-o", str(target)], capsys)
    assert code == 7 and "cannot create output directory" in message


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["plain", "overwrite"])
def test_report_posecheck_did_not_write_is_never_replaced(
    blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], overwrite: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}")
    code, message = run_cli(["analyze", str(blank_video), "-o", str(out), *overwrite], capsys)
    assert code == 7 and "holds no posecheck result (report.json)" in message
    assert (out / "report.json").read_text() == "{}"
