"""Importing this module checks every data contract (``pipelines.contract_validation``), so the
code location's first import stops on a broken contract with its one-line problems and a short
trace, instead of a trace through whichever asset module happened to read a contract first."""

from pipelines.contract_validation import ContractFileError
from pipelines.contracts import all_contract_tables

try:
    all_contract_tables()
except ContractFileError as exc:
    raise ContractFileError(str(exc)) from None
