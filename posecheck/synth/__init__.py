"""Synthetic lifter: a procedural 3D mannequin performing lifts with known joint angles, ray-cast to video.

skeleton (PoseParams → 33 BlazePose joints + measured ground truth) → figure (joints → shaded
primitives) → render (camera, ray casting) → clip (MP4 + ground-truth JSON). Motion scripts live in
`scripts`, the `posecheck synth` sub-command in `cli`.
"""
