"""Rebuild models/pose_landmarker_full.task from the mediapipe 0.10.21 wheel.

Current mediapipe wheels ship no pose model and the project must work offline,
so the model is committed. This script documents (and reproduces) how it was made:

    python3.11 -m venv /tmp/mp-build
    /tmp/mp-build/bin/pip install mediapipe==0.10.21
    /tmp/mp-build/bin/python models/build_model.py

The 0.10.21 wheel carries the BlazePose GHUM detector and the "full" landmark
model as bare TFLite files. The Tasks PoseLandmarker needs NormalizationOptions
metadata on their image inputs, and both files bundled in one zip (.task).
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import (
    metadata_writer,
    model_asset_bundle_utils,
)

OUTPUT = Path(__file__).resolve().parent / "pose_landmarker_full.task"
MODULES = Path(mediapipe.__file__).resolve().parent / "modules"

# (bundle member name, source file, input normalisation mean, std)
# The detector expects pixels in [-1, 1]; the landmark model expects [0, 1].
MODELS = (
    ("pose_detector.tflite", MODULES / "pose_detection" / "pose_detection.tflite", 127.5, 127.5),
    ("pose_landmarks_detector.tflite", MODULES / "pose_landmark" / "pose_landmark_full.tflite", 0.0, 255.0),
)


def with_image_metadata(model_path: Path, name: str, mean: float, std: float) -> bytes:
    """Return the TFLite model bytes with image-input normalisation metadata added."""
    writer = metadata_writer.MetadataWriter.create(bytearray(model_path.read_bytes()))
    writer.add_general_info(name, "BlazePose GHUM (mediapipe 0.10.21 wheel)")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    model_bytes, _metadata_json = writer.populate()
    return bytes(model_bytes)


def main() -> int:
    """Build the bundle and print its sha256."""
    if mediapipe.__version__ != "0.10.21":
        print(f"expected mediapipe 0.10.21, found {mediapipe.__version__}", file=sys.stderr)
        return 1
    # Fixed zip timestamps keep the bundle byte-for-byte reproducible.
    members = {
        zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)): with_image_metadata(path, name, mean, std)
        for name, path, mean, std in MODELS
    }
    model_asset_bundle_utils.create_model_asset_bundle(members, str(OUTPUT))
    digest = hashlib.sha256(OUTPUT.read_bytes()).hexdigest()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes) sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
