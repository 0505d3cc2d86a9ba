"""Ergonomic risk scores as pure functions: REBA, the revised NIOSH lifting equation, per-lift adapter.

Sources, conventions and what video cannot measure: see README.md in this package.
"""
