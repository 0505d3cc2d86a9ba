"""The feedback posecheck shows, each text traceable to the project's guide or a published standard.

GUIDE = shared/seed/back-spasm-guide.txt (the project's source guide); quotes are verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDE = "back-spasm guide"


@dataclass(frozen=True)
class Advice:
    """What a rule means for the user, the advice, where it comes from, and the advice in a few words (`cue`,
    drawn on the video where a full sentence would not be read)."""

    rule: str
    title: str
    message: str
    source: str
    cue: str


ADVICE: dict[str, Advice] = {
    advice.rule: advice
    for advice in (
        Advice(
            rule="bend_at_waist",
            title="Bending at the waist",
            message="Bend at the hips and knees and keep your back straight (hip hinge), "
            "so the leg and hip muscles do the work instead of the small back muscles.",
            source=f"{GUIDE}: 'bend at the hips and knees, ensuring the back remains straight'; "
            "'bends at the waist instead of the knees' is named a frequent trigger of back spasms.",
            cue="Bend your hips and knees, back straight",
        ),
        Advice(
            rule="twist_under_load",
            title="Twisting while holding a load",
            message="Do not twist your body while lifting or carrying. Turn by moving your feet, "
            "keeping shoulders and hips facing the same way.",
            source=f"{GUIDE}: 'Never twist the body while lifting or carrying a load, as this motion is "
            "destabilizing to the spine.'",
            cue="Don't twist: turn with your feet",
        ),
        Advice(
            rule="load_far_from_body",
            title="Load held far from the body",
            message="Keep the object close to your body.",
            source=f"{GUIDE}: 'keep the object close to the body'; NIOSH lifting equation: the "
            "horizontal multiplier HM = 25/H falls as the hands move away from the ankles.",
            cue="Keep the load close to your body",
        ),
        Advice(
            rule="narrow_stance",
            title="Narrow stance while lifting",
            message="Keep a wide stance, feet about shoulder-width apart or wider, for a stable base.",
            source=f"{GUIDE}: 'When lifting an object, maintain a wide stance'.",
            cue="Keep a wide stance",
        ),
        Advice(
            rule="prolonged_flexion",
            title="Bent forward for a long time",
            message="Avoid holding a bent-forward posture: straighten up regularly, support the "
            "trunk, or raise the work.",
            source=f"{GUIDE}: 'Prolonged poor posture ... creates chronic muscle imbalances and strain'; "
            "ISO 11226 / EN 1005-4: trunk flexion of 20-60° is acceptable only for limited holding time.",
            cue="Straighten up regularly",
        ),
    )
}

RED_FLAGS = (
    "sudden loss of bowel or bladder control (a medical emergency)",
    "back pain with fever, chills or unexplained weight loss",
    "pain radiating down the leg below the knee, especially with new weakness, numbness or tingling",
    "spasm pain that does not begin to improve after several days of rest and home treatment",
)

DISCLAIMER = (
    "posecheck checks lifting technique from video; it does not diagnose. If you have back pain "
    "with any of the guide's red flags, seek medical care."
)
