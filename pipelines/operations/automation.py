"""The automation condition of every derived asset (SQL models, the published file).

``AutomationCondition.eager()`` alone ignores failed blocking checks: with the daemon running, a
source whose contract check failed was rebuilt into the marts and published a minute later. Our
condition adds ``all_deps_blocking_checks_passed()``: an asset is requested only when every
blocking check of every input passed against that input's latest materialisation (or is
requested in the same tick, so a run that rebuilds a source with its check and the models
downstream still works: the run's own blocking check stops the rest if it fails). A failed check
therefore stops the daemon at the first derived asset. The condition looks at direct inputs only:
an asset further down whose own inputs passed can still be requested when another of its inputs
changed; that run is refused by the quality gate, which looks at every ancestor, so nothing
further down changes (the README says so: such a run shows as failed in the UI). Warnings
count as failures here: a source file that changed under automation waits until an analyst has
looked at it and accepted it (``make accept-source``), whereas ``make run`` goes on with the
warning. The quality gate inside the assets (``pipelines.quality.gate``) is the second fence.
"""

import dagster as dg


def eager_unless_blocked() -> dg.AutomationCondition:
    """``eager()`` and every input's blocking checks passed (see the module docstring)."""
    return (
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager_unless_input_checks_failed")
