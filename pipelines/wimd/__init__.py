"""WIMD: the Welsh Index of Multiple Deprivation 2025 (2021 LSOAs) and 2019 (2011 LSOAs)."""
