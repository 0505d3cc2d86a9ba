"""Per-frame posture metrics: from a PoseFrame to angles (degrees) and body-relative ratios.

One module per job, in the order a frame passes through them:

- `body`: the body frame (landmarks in metres, x right, y up, z toward the camera; the pelvis's axes);
- `calibration`: what the stream has shown so far (segment lengths, the camera's pitch);
- `angles`: joint and trunk angles, with depth rebuilt from foreshortening;
- `reach`: where the hands are against the feet, hips and floor;
- `confidence`: how well each metric is seen (limb visibility, the view);
- `compute`: one frame's `FrameMetrics` from all of the above;
- `frame_metrics`: the `FrameMetrics` record and `METRIC_NAMES`;
- `vectors`: small vector helpers.
"""
