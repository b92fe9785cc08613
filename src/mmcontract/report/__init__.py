"""Run results and the report writers (JUnit, JSON, HTML, Markdown) and the baseline."""
