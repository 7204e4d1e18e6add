"""Output: the typed results, their JSON serialiser and schemas, the writers and the staged output folder."""
