"""ONS Explore local statistics: local-authority time series (personal well-being, healthy life
expectancy, labour market, pay, income, productivity, qualifications, child poverty, greenhouse
gases, housing, connectivity) with Wales totals and 95 % limits, one CSV and one JSON metadata file
per indicator."""
