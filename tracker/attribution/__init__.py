"""Who sent an article: the engine, its vocabulary and readers, the batch runner and the review queue."""
