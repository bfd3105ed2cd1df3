"""The Wellbeing of Wales national indicators: numbers, titles and sources where a cited page
states them (a partial table: the official list of 50 was not obtained as data)."""
