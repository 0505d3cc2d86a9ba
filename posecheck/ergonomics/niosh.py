"""Revised NIOSH lifting equation (Waters et al., Ergonomics 36 (1993) 749-776; Applications Manual,
DHHS (NIOSH) Publication No. 94-110, 1994, revised 2021), metric and U.S. customary.

RWL = LC x HM x VM x DM x AM x FM x CM; LI = load / RWL. HM, VM, DM and AM are computed from their
formulas (Applications Manual p. 7: "Each multiplier should be computed from the appropriate
formula"); FM and CM come from the manual's Table 5 and Table 7. Multipliers are kept at full
precision. The job analysis worksheets of the manual's worked examples round each multiplier to two
decimals (half up: VM 0.895 is written .90) before multiplying, and the RWL to one decimal; that
procedure is ``NioshResult.worksheet_rwl``, which reproduces the published RWLs to the printed
precision where the full-precision RWL can differ by 0.1 lb (see tests/test_niosh_manual.py).

FM between two rows of Table 5 is interpolated linearly, as the manual prescribes (p. 7: "the
appropriate multiplier must be interpolated between the frequency values in the table for the two
values that are closest to the actual frequency"; Example 7 interpolates F = 2.4 between the rows 2
and 3). F below 0.2 lifts/min is set to 0.2 (p. 14). Our convention for the open point of the manual:
the last non-zero row of a column is that column's maximum frequency and any F above it gives FM = 0
("Lifting above the maximum frequency results in a RWL of 0.0", p. 14); we do not interpolate towards
a row of .00.
"""

import math
from bisect import bisect_left
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

# Table 5, Frequency Multiplier (Applications Manual p. 15). Rows are lifts/min; F <= 0.2 uses the
# first row. Columns: (duration, V below 75 cm / 30 in). Above the table (F > 15) FM is 0.
FREQUENCY_ROWS: tuple[float, ...] = (0.2, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)


class WorkDuration(Enum):
    """Lifting duration category of Table 5 (Applications Manual pp. 13-14)."""

    UP_TO_1_HOUR = "≤1 hour"
    UP_TO_2_HOURS = ">1 but ≤2 hours"
    UP_TO_8_HOURS = ">2 but ≤8 hours"


class Coupling(Enum):
    """Hand-to-container coupling classification (Applications Manual Table 6, p. 17)."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class RiskBand(Enum):
    """Lifting index band: LI <= 1 nominal, 1 < LI <= 3 increased, LI > 3 high (manual p. 20)."""

    NOMINAL = "nominal"
    INCREASED = "increased"
    HIGH = "high"


class UnitSystem(Enum):
    """Which published form of the equation was used: metric (LC 23 kg) or U.S. (LC 51 lb)."""

    METRIC = "metric"
    US_CUSTOMARY = "US customary"


# Table 5 columns, (duration, V low): "V < 30 in (75 cm)" is low, "V >= 30 in" is not.
FREQUENCY_TABLE: dict[tuple[WorkDuration, bool], tuple[float, ...]] = {
    (WorkDuration.UP_TO_1_HOUR, True): (
        1.00, .97, .94, .91, .88, .84, .80, .75, .70, .60, .52, .45, .41, .37, .00, .00, .00,
    ),
    (WorkDuration.UP_TO_1_HOUR, False): (
        1.00, .97, .94, .91, .88, .84, .80, .75, .70, .60, .52, .45, .41, .37, .34, .31, .28,
    ),
    (WorkDuration.UP_TO_2_HOURS, True): (
        .95, .92, .88, .84, .79, .72, .60, .50, .42, .35, .30, .26, .00, .00, .00, .00, .00,
    ),
    (WorkDuration.UP_TO_2_HOURS, False): (
        .95, .92, .88, .84, .79, .72, .60, .50, .42, .35, .30, .26, .23, .21, .00, .00, .00,
    ),
    (WorkDuration.UP_TO_8_HOURS, True): (
        .85, .81, .75, .65, .55, .45, .35, .27, .22, .18, .00, .00, .00, .00, .00, .00, .00,
    ),
    (WorkDuration.UP_TO_8_HOURS, False): (
        .85, .81, .75, .65, .55, .45, .35, .27, .22, .18, .15, .13, .00, .00, .00, .00, .00,
    ),
}

# Table 7, Coupling Multiplier (Applications Manual p. 18): (V < 75 cm / 30 in, V >= 75 cm / 30 in).
COUPLING_TABLE: dict[Coupling, tuple[float, float]] = {
    Coupling.GOOD: (1.00, 1.00),
    Coupling.FAIR: (0.95, 1.00),
    Coupling.POOR: (0.90, 0.90),
}

# Load constants and the formulas' limits (Applications Manual p. 7 and sections 1.3.1-1.3.4).
LOAD_CONSTANT_KG = 23.0
LOAD_CONSTANT_LB = 51.0
MAX_ASYMMETRY_DEG = 135.0
# Multipliers below this are reported by NioshResult.limiting_factors (our choice).
LIMITING_FACTOR_THRESHOLD = 0.95


@dataclass(frozen=True)
class LiftingTask:
    """A lift evaluated at one end, metric: H, V, D in cm, A in degrees, F in lifts/min, load in kg.

    ``origin_v_cm`` is V at the origin of the lift, which selects the FM column (manual p. 15); leave it
    None when this point is the origin. CM uses V at the evaluated point (manual Example 4).
    """

    h_cm: float
    v_cm: float
    d_cm: float
    a_deg: float
    f_lifts_per_min: float
    duration: WorkDuration
    coupling: Coupling
    load_kg: float
    origin_v_cm: float | None = None


@dataclass(frozen=True)
class LiftingTaskUS:
    """A lift evaluated at one end, U.S. units: H, V, D in inches, A in degrees, load in pounds."""

    h_in: float
    v_in: float
    d_in: float
    a_deg: float
    f_lifts_per_min: float
    duration: WorkDuration
    coupling: Coupling
    load_lb: float
    origin_v_in: float | None = None


@dataclass(frozen=True)
class NioshResult:
    """RWL, every multiplier, LI and risk band; lengths in ``length_unit``, weights in ``weight_unit``."""

    unit_system: UnitSystem
    h: float
    v: float
    d: float
    a_deg: float
    f_lifts_per_min: float
    duration: WorkDuration
    coupling: Coupling
    load: float
    load_constant: float
    hm: float
    vm: float
    dm: float
    am: float
    fm: float
    cm: float
    rwl: float
    lifting_index: float
    risk_band: RiskBand

    @property
    def worksheet_multipliers(self) -> tuple[float, float, float, float, float, float]:
        """HM, VM, DM, AM, FM, CM as written on the manual's worksheet: rounded half up to two decimals."""
        hm, vm, dm, am, fm, cm = (
            worksheet_round(m, 2) for m in (self.hm, self.vm, self.dm, self.am, self.fm, self.cm)
        )
        return hm, vm, dm, am, fm, cm

    @property
    def worksheet_rwl(self) -> float:
        """RWL by the worksheet procedure (``length_unit``/``weight_unit`` as the result): LC times the
        two-decimal multipliers, rounded half up to one decimal. Exact decimal arithmetic, no float noise."""
        product = Decimal(repr(self.load_constant))
        for multiplier in self.worksheet_multipliers:
            product *= Decimal(repr(multiplier))
        return float(product.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    @property
    def worksheet_lifting_index(self) -> float:
        """LI by the worksheet procedure: load / ``worksheet_rwl``, rounded half up to one decimal."""
        return worksheet_round(_lifting_index(self.load, self.worksheet_rwl), 1)

    @property
    def length_unit(self) -> str:
        """Unit of h, v and d: "cm" or "in"."""
        return "cm" if self.unit_system is UnitSystem.METRIC else "in"

    @property
    def weight_unit(self) -> str:
        """Unit of load, load_constant and rwl: "kg" or "lb"."""
        return "kg" if self.unit_system is UnitSystem.METRIC else "lb"

    def limiting_factors(self, below: float = LIMITING_FACTOR_THRESHOLD) -> tuple[str, ...]:
        """Plain-language explanations of the multipliers under ``below``, worst first, with advice."""
        explained = [
            (self.hm, self._horizontal_text()),
            (self.vm, self._vertical_text()),
            (self.dm, self._distance_text()),
            (self.am, self._asymmetry_text()),
            (self.fm, self._frequency_text()),
            (self.cm, self._coupling_text()),
        ]
        hurting = sorted((item for item in explained if item[0] < below), key=lambda item: item[0])
        return tuple(text for _, text in hurting)

    def _horizontal_text(self) -> str:
        return (
            f"hands {self.h:.0f} {self.length_unit} from the ankles: HM {self.hm:.2f}"
            " — bring the load closer to the body"
        )

    def _vertical_text(self) -> str:
        optimum = _constants(self.unit_system).v_optimum
        if self.v < optimum:
            advice = "raise the load towards knuckle height; bend at the hips and knees, not at the waist"
        else:
            advice = "lower the put-down point below shoulder height"
        return f"hands {self.v:.0f} {self.length_unit} above the floor: VM {self.vm:.2f} — {advice}"

    def _distance_text(self) -> str:
        return (
            f"vertical travel {self.d:.0f} {self.length_unit}: DM {self.dm:.2f}"
            " — shorten the vertical travel between pick-up and put-down"
        )

    def _asymmetry_text(self) -> str:
        return (
            f"asymmetry {self.a_deg:.0f}°: AM {self.am:.2f}"
            " — turn the feet, not the trunk; never twist while lifting"
        )

    def _frequency_text(self) -> str:
        return (
            f"{self.f_lifts_per_min:g} lifts/min for {self.duration.value}: FM {self.fm:.2f}"
            " — lift less often or add recovery breaks"
        )

    def _coupling_text(self) -> str:
        return (
            f"{self.coupling.value} hand coupling: CM {self.cm:.2f}"
            " — use containers with good handles or hand-hold cut-outs"
        )


@dataclass(frozen=True)
class _EquationConstants:
    """Constants of one published form of the equation (Applications Manual p. 7)."""

    unit_system: UnitSystem
    load_constant: float
    h_min: float  # H below this counts as h_min (HM 1)
    h_max: float  # H above this gives HM 0
    v_optimum: float
    v_slope: float
    v_max: float  # V above the vertical reach limit gives VM 0
    d_min: float  # D below this counts as d_min (DM 1)
    d_max: float  # D above this gives DM 0
    d_coefficient: float
    fm_cm_split: float  # V below this uses Table 5 and Table 7's "V < 30 in (75 cm)" column


_METRIC = _EquationConstants(
    unit_system=UnitSystem.METRIC, load_constant=LOAD_CONSTANT_KG, h_min=25.0, h_max=63.0,
    v_optimum=75.0, v_slope=0.003, v_max=175.0, d_min=25.0, d_max=175.0, d_coefficient=4.5,
    fm_cm_split=75.0,
)
_US = _EquationConstants(
    unit_system=UnitSystem.US_CUSTOMARY, load_constant=LOAD_CONSTANT_LB, h_min=10.0, h_max=25.0,
    v_optimum=30.0, v_slope=0.0075, v_max=70.0, d_min=10.0, d_max=70.0, d_coefficient=1.8,
    fm_cm_split=30.0,
)


def _constants(unit_system: UnitSystem) -> _EquationConstants:
    return _METRIC if unit_system is UnitSystem.METRIC else _US


def horizontal_multiplier(h_cm: float) -> float:
    """HM = 25/H for H in cm; 1 for H < 25 cm, 0 for H > 63 cm."""
    return _horizontal(_METRIC, h_cm)


def horizontal_multiplier_us(h_in: float) -> float:
    """HM = 10/H for H in inches; 1 for H < 10 in, 0 for H > 25 in."""
    return _horizontal(_US, h_in)


def vertical_multiplier(v_cm: float) -> float:
    """VM = 1 - 0.003|V - 75| for V in cm; 0 for V > 175 cm."""
    return _vertical(_METRIC, v_cm)


def vertical_multiplier_us(v_in: float) -> float:
    """VM = 1 - 0.0075|V - 30| for V in inches; 0 for V > 70 in."""
    return _vertical(_US, v_in)


def distance_multiplier(d_cm: float) -> float:
    """DM = 0.82 + 4.5/D for D in cm; 1 for D < 25 cm, 0 for D > 175 cm."""
    return _distance(_METRIC, d_cm)


def distance_multiplier_us(d_in: float) -> float:
    """DM = 0.82 + 1.8/D for D in inches; 1 for D < 10 in, 0 for D > 70 in."""
    return _distance(_US, d_in)


def asymmetric_multiplier(a_deg: float) -> float:
    """AM = 1 - 0.0032 A for the asymmetry angle A in degrees (either side); 0 for A > 135°."""
    angle = abs(a_deg)
    if angle > MAX_ASYMMETRY_DEG:
        return 0.0
    return 1.0 - 0.0032 * angle


def frequency_multiplier(f_lifts_per_min: float, duration: WorkDuration, v_origin_low: bool) -> float:
    """FM from Table 5 for F lifts/min, interpolated between rows; v_origin_low: V < 75 cm (30 in)."""
    if f_lifts_per_min < 0:
        raise ValueError(f"frequency must be >= 0 lifts/min, got {f_lifts_per_min}")
    column = FREQUENCY_TABLE[(duration, v_origin_low)]
    frequency = max(f_lifts_per_min, FREQUENCY_ROWS[0])
    if frequency > _maximum_frequency(column):
        return 0.0
    upper = bisect_left(FREQUENCY_ROWS, frequency)  # first row >= frequency
    if FREQUENCY_ROWS[upper] == frequency:
        return column[upper]
    lower = upper - 1
    fraction = (frequency - FREQUENCY_ROWS[lower]) / (FREQUENCY_ROWS[upper] - FREQUENCY_ROWS[lower])
    return column[lower] + (column[upper] - column[lower]) * fraction


def coupling_multiplier(coupling: Coupling, v_low: bool) -> float:
    """CM from Table 7; v_low: V at the evaluated point below 75 cm (30 in)."""
    below, at_or_above = COUPLING_TABLE[coupling]
    return below if v_low else at_or_above


def worksheet_round(value: float, places: int) -> float:
    """Round half up to ``places`` decimals as the manual's tables and worksheets print numbers.

    Python's ``round`` goes wrong here: the float nearest 0.985 (VM at 70 cm) lies just below it, so
    ``round(0.985, 2)`` is 0.98, while Table 2 prints .99. The shortest decimal form of the float is
    rounded instead. Infinity and NaN are returned unchanged.
    """
    if not math.isfinite(value):
        return value
    exponent = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP))


def risk_band(lifting_index: float) -> RiskBand:
    """Band of a lifting index: <= 1 nominal, 1-3 increased, > 3 high."""
    if lifting_index <= 1.0:
        return RiskBand.NOMINAL
    if lifting_index <= 3.0:
        return RiskBand.INCREASED
    return RiskBand.HIGH


def assess_lift(task: LiftingTask) -> NioshResult:
    """Metric RWL (kg), multipliers and LI of one lift at one end (LC = 23 kg)."""
    return _assess(
        _METRIC, task.h_cm, task.v_cm, task.d_cm, task.a_deg, task.f_lifts_per_min, task.duration,
        task.coupling, task.load_kg, task.origin_v_cm,
    )


def assess_lift_us(task: LiftingTaskUS) -> NioshResult:
    """U.S. customary RWL (lb), multipliers and LI of one lift at one end (LC = 51 lb)."""
    return _assess(
        _US, task.h_in, task.v_in, task.d_in, task.a_deg, task.f_lifts_per_min, task.duration,
        task.coupling, task.load_lb, task.origin_v_in,
    )


def _assess(
    constants: _EquationConstants,
    h: float,
    v: float,
    d: float,
    a_deg: float,
    f_lifts_per_min: float,
    duration: WorkDuration,
    coupling: Coupling,
    load: float,
    origin_v: float | None,
) -> NioshResult:
    if load < 0:
        raise ValueError(f"load must be >= 0, got {load}")
    v_for_frequency = v if origin_v is None else origin_v
    _check_non_negative("V at origin", v_for_frequency)
    hm = _horizontal(constants, h)
    vm = _vertical(constants, v)
    dm = _distance(constants, d)
    am = asymmetric_multiplier(a_deg)
    fm = frequency_multiplier(f_lifts_per_min, duration, v_for_frequency < constants.fm_cm_split)
    cm = coupling_multiplier(coupling, v < constants.fm_cm_split)
    rwl = constants.load_constant * hm * vm * dm * am * fm * cm
    lifting_index = _lifting_index(load, rwl)
    return NioshResult(
        unit_system=constants.unit_system, h=h, v=v, d=d, a_deg=a_deg,
        f_lifts_per_min=f_lifts_per_min, duration=duration, coupling=coupling, load=load,
        load_constant=constants.load_constant, hm=hm, vm=vm, dm=dm, am=am, fm=fm, cm=cm, rwl=rwl,
        lifting_index=lifting_index, risk_band=risk_band(lifting_index),
    )


def _lifting_index(load: float, rwl: float) -> float:
    """LI = load / RWL; infinite when the RWL is 0 ("no load", manual p. 12) and a load is lifted."""
    if rwl > 0:
        return load / rwl
    return float("inf") if load > 0 else 0.0


def _horizontal(constants: _EquationConstants, h: float) -> float:
    _check_non_negative("H", h)
    if h > constants.h_max:
        return 0.0
    return constants.h_min / max(h, constants.h_min)


def _vertical(constants: _EquationConstants, v: float) -> float:
    _check_non_negative("V", v)
    if v > constants.v_max:
        return 0.0
    return 1.0 - constants.v_slope * abs(v - constants.v_optimum)


def _distance(constants: _EquationConstants, d: float) -> float:
    _check_non_negative("D", d)
    if d > constants.d_max:
        return 0.0
    return 0.82 + constants.d_coefficient / max(d, constants.d_min)


def _maximum_frequency(column: tuple[float, ...]) -> float:
    last_non_zero = max(index for index, value in enumerate(column) if value > 0)
    return FREQUENCY_ROWS[last_non_zero]


def _check_non_negative(name: str, value: float) -> None:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
