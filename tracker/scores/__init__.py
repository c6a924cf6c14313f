"""From adoptions and entries to scores: the scorer over the store, entries, assessments, snapshots."""
