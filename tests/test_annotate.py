"""The drawn overlay: twist the rule does not judge in grey, everything clear of a player's controls at the
bottom, and text that keeps its share of the picture at any frame size."""

import numpy as np

from posecheck.annotate import DIM_TEXT, TEXT, annotate_frame, panel_box
from posecheck.metrics.frame_metrics import FrameMetrics

HEIGHT, WIDTH = 480, 640
PLAYER_CONTROLS_SHARE = 0.2  # the bottom fifth of a video, where browsers draw their controls


def metrics(twist_confidence: float = 0.9) -> FrameMetrics:
    return FrameMetrics(trunk_flexion_deg=10.0, knee_flexion_deg=5.0, torso_twist_deg=-20.0,
                        confidence={"torso_twist_deg": twist_confidence})


def drawn(flags: tuple[str, ...] = (), twist_confidence: float = 0.9, shape: tuple[int, int] = (HEIGHT, WIDTH)):
    blank = np.zeros((*shape, 3), np.uint8)
    return annotate_frame(blank, None, metrics(twist_confidence), flags, twist_min_confidence=0.65)


def test_twist_below_the_rules_confidence_is_drawn_dim() -> None:
    judged, dim = drawn(twist_confidence=0.9), drawn(twist_confidence=0.4)
    twist_text = np.any(judged != dim, axis=2)  # only the twist line differs
    assert twist_text.any()
    assert judged[twist_text].max() == TEXT[0]
    assert 100 < dim[twist_text].max() <= DIM_TEXT[0]


def test_the_overlay_stays_clear_of_the_players_controls() -> None:
    for flags in ((), ("bend_at_waist",), ("twist_under_load", "load_far_from_body")):
        frame = drawn(flags)
        border = 8  # the red frame around a flagged picture
        bottom = frame[int(HEIGHT * (1 - PLAYER_CONTROLS_SHARE)):HEIGHT - border, border:WIDTH - border]
        assert bottom.max() == 0, flags


def test_the_panel_sits_under_the_warning_banner() -> None:
    frame = drawn(("bend_at_waist",))
    inside = frame[:, 10:WIDTH - 10]
    banner_bottom = int(np.argmax(np.any(np.all(inside == 0, axis=2), axis=1)))  # first row showing the picture
    assert banner_bottom > 0.08 * HEIGHT  # a banner is drawn
    x0, y0, x1, y1 = panel_box(frame.shape, 5, banner_bottom)
    assert y0 > banner_bottom and x1 <= WIDTH and y1 < HEIGHT * (1 - PLAYER_CONTROLS_SHARE)
    assert frame[y0 + 2, x0 + 2].max() > 0  # the panel is drawn there (darkened grey, not the black picture)


def test_text_grows_with_the_frame() -> None:
    small = panel_box((HEIGHT, WIDTH, 3), 5, 0)
    large = panel_box((2 * HEIGHT, 2 * WIDTH, 3), 5, 0)
    assert abs((large[3] - large[1]) / (small[3] - small[1]) - 2) < 0.15
    # Read on a phone: a 640 x 480 panel line is at least 4 % of the picture's height.
    assert (small[3] - small[1]) / 5 >= 0.04 * HEIGHT
