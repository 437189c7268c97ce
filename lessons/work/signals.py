"""What `lessons.work` tells the apps above it about its writes, inside each write's
transaction. It imports nothing of theirs (docs/architecture.md), so they connect to these in
their `AppConfig.ready()`: `lessons.insights` keeps each submission's figures by them
(`lessons/insights/receivers.py`), in the same transaction as the write."""

from django.dispatch import Signal

# Some submissions' highlights changed (one added, edited or deleted, or some set aside as
# work a move could not place). Arguments: `submission_ids`; and for one highlight of one
# submission, `where` it is: (passage id, start, end), so that only what is around it need be
# computed again.
highlights_changed = Signal()

# A class moved to another revision: its highlights moved to the new passages, and its
# answer key is the new revision's. Arguments: `assignment_id`.
class_moved = Signal()

# What a student may see of their grade changed: feedback released by hand, work handed in
# (under the rule that releases feedback on hand-in), a review saved. Arguments:
# `assignment_id`. `lessons.lms` sends the grades an LMS should now have, once the write is
# committed.
grades_changed = Signal()
