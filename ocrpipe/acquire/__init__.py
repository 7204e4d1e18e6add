"""Acquire: read an article (file, URL, list, folder), resolve its image URLs and download them safely."""
