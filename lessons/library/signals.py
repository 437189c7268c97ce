"""What `lessons.library` tells the apps above it, inside the transaction of the write: it
imports nothing of theirs (docs/architecture.md), so they connect to these in their
`AppConfig.ready()`."""

from django.dispatch import Signal

# A draft's passages, prompts or answer key are being changed, in this transaction (the
# editor's writes, `lessons.authoring.services`, send it when they lock the draft).
# `lessons.insights` forgets the figures scored against that key and has them computed again
# (`lessons/insights/receivers.py`). Arguments: `lesson_id`.
draft_changed = Signal()
