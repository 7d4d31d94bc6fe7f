"""Chart and report generation for allocbench reports (schema_version 1).

One module per concern: `report` loads and validates, `model` groups results into
series, `figure` holds the shared look, one module per chart family, `markdown` writes
the readable report and `output` writes files atomically.
"""
