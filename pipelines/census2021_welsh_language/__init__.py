"""Census 2021 Welsh language skills (TS032-TS036) by local authority: who can speak, read,
write and understand Welsh, usual residents aged 3 and over, 21 March 2021."""
