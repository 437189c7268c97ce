"""What a student's progress means, passage by passage: pure Python, no queries.

A passage is, for one student, in one of four states:

- not opened: the student has not come to it (it lies past the furthest passage they saved,
  `Submission.reached`) and has written nothing in it;
- read: opened (or saved through) without any work in it;
- worked on: a highlight or an answer in it, but not everything the passage asks;
- done: every prompt answered. A question (a written answer or techniques to choose) is
  answered once something is written or chosen; a "highlight" prompt is answered by at least
  one highlight in the passage, and so is a passage without any prompt (highlighting is the
  whole task there).

"Done" and the "x/y" counts count only the last state, on every page: the student's progress
bar, the class page and the dashboard. The selectors feed these functions from the queries
their pages already run (`work.selectors.passage_counts` counts the same in SQL where a page
lists students' submissions without loading their work).
"""

from dataclasses import dataclass
from enum import StrEnum


class PassageState(StrEnum):
    NOT_OPENED = "none"
    READ = "read"
    WORKED = "worked"
    DONE = "done"


@dataclass(frozen=True)
class PassageTask:
    """What a passage asks of a student: how many questions, and whether a highlight."""

    questions: int  # answerable prompts (written answers, techniques to choose)
    asks_highlight: bool  # a "highlight" prompt, or no prompt at all

    @classmethod
    def of(cls, *, questions: int, highlight_prompts: int) -> "PassageTask":
        return cls(questions, highlight_prompts > 0 or questions == 0)


def passage_state(
    task: PassageTask, *, opened: bool, highlights: int, answered: int
) -> PassageState:
    """The state of one passage for one student: `opened` whether they came to it,
    `highlights` how many they made there, `answered` how many of its questions they
    answered (something written or chosen)."""
    worked = bool(highlights or answered)  # a passage asking nothing is not done unread
    if worked and answered >= task.questions and (highlights or not task.asks_highlight):
        return PassageState.DONE
    if worked:
        return PassageState.WORKED
    return PassageState.READ if opened else PassageState.NOT_OPENED


@dataclass(frozen=True)
class PassageCounts:
    """How many passages of a lesson a student has done, worked on (without finishing) and
    only read; the rest they have not opened."""

    total: int
    done: int = 0
    worked: int = 0
    read: int = 0

    @property
    def not_opened(self) -> int:
        return self.total - self.done - self.worked - self.read


def count_states(states: list[PassageState]) -> PassageCounts:
    return PassageCounts(
        total=len(states),
        done=states.count(PassageState.DONE),
        worked=states.count(PassageState.WORKED),
        read=states.count(PassageState.READ),
    )
