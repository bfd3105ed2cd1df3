"""Community wellbeing pipeline for Wales: the Dagster code location and the plain functions it calls."""
