"""The demonstration: replicas served, crawled, attributed, scored and reported end to end."""
