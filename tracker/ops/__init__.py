"""Running by itself: the nightly job, its schedule and lock, crawl runs, health, alerts, backup and check."""
