"""Rules shared by views, jobs and the command line."""
