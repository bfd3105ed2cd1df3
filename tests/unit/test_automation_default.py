"""WELLBEING_AUTOMATION decides whether the schedule and the run-launching sensors start on."""

import importlib

import dagster as dg
import pytest

from pipelines.settings import setting_on


def _statuses():
    """The schedule's default status (its module read again) and the sensors' (one function)."""
    from pipelines.operations import schedules
    from pipelines.operations.sensors import _default_status

    return importlib.reload(schedules).monthly_public_refresh.default_status, _default_status()


@pytest.mark.parametrize(
    ("value", "schedule", "sensor"),
    [
        ("off", dg.DefaultScheduleStatus.STOPPED, dg.DefaultSensorStatus.STOPPED),
        ("on", dg.DefaultScheduleStatus.RUNNING, dg.DefaultSensorStatus.RUNNING),
        (None, dg.DefaultScheduleStatus.RUNNING, dg.DefaultSensorStatus.RUNNING),
    ],
)
def test_automation_variable_sets_default_status(monkeypatch, value, schedule, sensor):
    if value is None:
        monkeypatch.delenv("WELLBEING_AUTOMATION", raising=False)
    else:
        monkeypatch.setenv("WELLBEING_AUTOMATION", value)
    try:
        assert _statuses() == (schedule, sensor)
    finally:
        monkeypatch.undo()
        _statuses()


def test_automation_variable_refuses_other_words(monkeypatch):
    monkeypatch.setenv("WELLBEING_AUTOMATION", "sometimes")
    with pytest.raises(ValueError, match="WELLBEING_AUTOMATION='sometimes': expected on or off"):
        setting_on("WELLBEING_AUTOMATION")
