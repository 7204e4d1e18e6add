"""Structure: normalised text, numbered clauses across the poster set, and the count verification."""
