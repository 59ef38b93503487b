"""gridstream scheduler: persistent schedules, one firing replica, catch-up and fire history."""
