"""Why a view, a frame or a joint has no pseudo label: integer codes with names.

The label file stores the codes (int8 arrays) and, beside them, the names in code order
(``view_status_names`` ...), so a file explains itself without this module. The codes are
ordered by pipeline stage: among a frame's views, the largest code is the failure that got
furthest, the one that tells the user the most.
"""
from enum import IntEnum


class Status(IntEnum):
    """A status code whose name (lower case) is what files and summaries show."""

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def names(cls) -> tuple:
        """The names in code order: ``names()[code]`` is the name of ``code``."""
        return tuple(str(member) for member in cls)


class ViewStatus(Status):
    """Why a view has no pose (per frame and view; :class:`.relative_pose.RelativePose` too)."""
    OK = 0
    TOO_FEW_POINTS = 1
    COLLINEAR = 2
    DEGENERATE = 3
    ZERO_BASELINE = 4
    CHEIRALITY = 5
    NO_SCALE = 6        # a pose whose translation scale could not be fitted (rig level)
    NARROW_ANGLE = 7    # a pair that cannot place points in depth (facing cameras)


#: Why a frame has no label at all: its views' most advanced failure (the same codes as
#: :class:`ViewStatus`), or no valid joint.
FrameStatus = Status('FrameStatus', [status.name for status in ViewStatus] + ['NO_VALID_JOINT'],
                     start=0, module=__name__)


class JointStatus(Status):
    """Why a joint of a frame is not valid."""
    OK = 0
    NAN_INPUT = 1
    LOW_SCORE = 2
    SINGLE_VIEW = 3
    OUTLIER = 4
    FRAME_FAILED = 5
    SWAP_AMBIGUOUS = 6
    NARROW_ANGLE = 7
