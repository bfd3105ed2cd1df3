"""Reference tables shipped with the code: the seven well-being goals and the indicator-to-goal map."""
