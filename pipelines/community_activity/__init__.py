"""Community activity in Wales, spring 2020: COVID-19 mutual aid groups and volunteer
registrations (group ``community_activity``)."""
