"""Review: the self-contained review page, its local editing server, and a person's corrections."""
