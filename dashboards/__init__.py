"""The static, bilingual (English / Cymraeg) dashboard built from the published marts.

``python -m dashboards.build --db <published.duckdb> --out <dir>`` writes the site;
``python -m dashboards.serve`` serves it locally. See ``dashboards/README.md``.
"""
