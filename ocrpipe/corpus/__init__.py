"""Corpus: the SQLite store of many articles, ingest, full-text search, export and review pages."""
