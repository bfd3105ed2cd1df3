"""Public Services Boards: which statutory board each local authority belongs to, now (13
boards) and in 2016-2021 (19 boards), with dates and the pages that state them."""
