"""The schema steps, one module per area. `tracker.store.migrations` applies them in their fixed order."""
