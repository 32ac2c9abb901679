"""Why a view, a frame or a joint has no pseudo label: integer codes with names.

The label file stores the codes (int8 arrays) and, beside them, the names in code order
(``view_status_names`` ...), so a file explains itself without this module. The codes are
ordered by pipeline stage: among a frame's views, the largest code is the failure that got
furthest, the one that tells the user the most.
"""
from ..geometry.relative_pose import PoseStatus, Status

#: Why a view has no pose (per frame and view): a relative pose's own failures
#: (:class:`epipolar_plugin.geometry.relative_pose.PoseStatus`, the same codes) and the rig's:
#: ``NO_SCALE``, a pose whose translation scale could not be fitted; ``NARROW_ANGLE``, a pair
#: that cannot place points in depth (facing cameras).
ViewStatus = Status('ViewStatus', [status.name for status in PoseStatus]
                    + ['NO_SCALE', 'NARROW_ANGLE'], start=0, module=__name__)


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
