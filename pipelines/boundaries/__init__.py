"""Boundaries for Wales: local authorities, 2011 and 2021 LSOAs (group ``boundaries``)."""
