"""The drawn angle panel: twist the rule does not judge is drawn in grey, judged twist in white."""

import numpy as np

from posecheck.annotate import DIM_TEXT, TEXT, annotate_frame
from posecheck.metrics import FrameMetrics

HEIGHT, WIDTH = 480, 640
TWIST_ROW = slice(HEIGHT - 50, HEIGHT - 30)  # 4th of 5 rows of 20 px above a 10 px margin
PANEL_COLUMNS = slice(0, 170)


def twist_row_brightest(confidence: float) -> int:
    metrics = FrameMetrics(trunk_flexion_deg=10.0, torso_twist_deg=-20.0, confidence={"torso_twist_deg": confidence})
    frame = annotate_frame(np.zeros((HEIGHT, WIDTH, 3), np.uint8), None, metrics, (), twist_min_confidence=0.65)
    return int(frame[TWIST_ROW, PANEL_COLUMNS].max())


def test_twist_below_the_rules_confidence_is_drawn_dim() -> None:
    assert twist_row_brightest(0.9) == TEXT[0]
    assert 100 < twist_row_brightest(0.4) <= DIM_TEXT[0]
