"""posecheck: a lifting-posture checker.

Data flows one way, one module per stage:
video (frames) → pose (PoseLandmarker → PoseFrame) → smoothing → metrics → rules (events)
→ report / annotate / store.
"""

__version__ = "0.1.0"
