"""The output of an analysis: one home for its folder layout, files and report.

    layout.py     the file names in an output folder (report.json, metrics.csv, annotated.mp4, events/)
    manifest.py   which files posecheck may replace (the manifest), the folder lock, private permissions
    files.py      atomic writes; report.json and metrics.csv written and read; event images
    staging.py    the hidden staging folder (with .work/) and the atomic publish into the output folder
    results.py    an analysis result written as report.json and metrics.csv (analyze, batch and live alike)

Nothing is imported here, so that a module may use one part without loading the others.
"""
