"""National Survey for Wales adult lifestyles by local authority and health board (StatsWales):
smoking, alcohol, fruit and vegetables, physical activity, body mass index and the combined
healthy lifestyle behaviours behind national indicator 3."""
