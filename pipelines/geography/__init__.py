"""Geography: LSOA (2011, 2021) -> MSOA -> local authority -> local health board, bilingual names."""
