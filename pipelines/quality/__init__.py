"""Data quality: data contracts compiled into Great Expectations suites, run as Dagster checks.

- ``rules``: contract table -> list of rules (expectation + severity), no GX import.
- ``drift``: expected vs found columns, with rename suggestions.
- ``validate``: run a table's suite on a pandas frame, write ``quality.check_results``, Data Docs.
- ``checks``: one blocking Dagster asset check per contract table (``contract_<table>``).
- ``gate``: the in-asset quality gate: no model is built on a table whose latest check failed.
- ``acceptance``: accepted source versions (who accepted which checksum and check, and why).
- ``report``: the offline contract-check report and pruning of the GX stores.
"""
