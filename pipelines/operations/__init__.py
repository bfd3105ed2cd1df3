"""Operating the pipeline as a service: publishing, jobs, schedules and the partner-inbox sensor."""
