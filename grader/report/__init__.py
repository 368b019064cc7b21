"""Views of a Result: each module renders the same plain data in one format.

Per submission: terminal (the table `grade PATH` prints), markdown, html_report
(self-contained page, with images.py pictures when the grader captured
predictions), gradescope (results.json), junit (XML), github (annotations and
the job summary); views.write_views writes them all into one folder.
Per class: summary (rows, statistics, per-check pass rates from DIR/*/result.json),
summary_tables (github, grid, latex, csv), summary_html, and summary_writer (every format,
and the class files a batch writes).
schema.json / schema.py: the JSON schemas of result.json, results.json and the
summary JSON.
"""
