"""Reads: each module gathers what one kind of page shows, in a fixed number of queries, and
returns dataclasses for its template. Nothing here writes, and nothing is set on model
instances. Every score comes from `lessons.insights.scoring`."""
