"""3D skeleton pictures (matplotlib, headless): poses in a camera frame, one panel per pose set.

Convention:
    Poses are (J, 3) in a camera frame (x right, y down, z forward, any unit); panels show
    x to the right, depth z into the picture and -y up, so people stand upright.
"""
from typing import Optional, Sequence

import numpy as np

from ..fileio import atomic_output

H36M_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)


def draw_skeleton(ax, pose: np.ndarray, colour: str = 'k', label: Optional[str] = None,
                  parents: Sequence[int] = H36M_PARENTS, linestyle: str = '-') -> None:
    """Draw one (J, 3) pose (camera frame) on a matplotlib 3D axis."""
    pose = np.asarray(pose, dtype=float)
    for joint, parent in enumerate(parents):
        if parent < 0 or not np.all(np.isfinite(pose[[joint, parent]])):
            continue
        x, y, z = pose[[parent, joint]].T
        ax.plot(x, z, -y, color=colour, linestyle=linestyle, linewidth=1.6,
                label=label if joint == 1 else None)
    finite = np.isfinite(pose).all(axis=1)
    ax.scatter(pose[finite, 0], pose[finite, 2], -pose[finite, 1], color=colour, s=4)


def skeleton_style(dataset_meta: dict, num_joints: int) -> dict:
    """The skeleton as MMPose's visualizers draw it from a pose metainfo (``dataset_meta`` of
    ``parse_pose_metainfo``): ``links`` (L, 2) int joint indices (``skeleton_links``),
    ``link_colours`` (L, 3) and ``joint_colours`` (J, 3) uint8 RGB (``skeleton_link_colors``,
    ``keypoint_colors``; Human3.6M: left limbs green, right limbs orange, the spine blue).
    Without links: Human3.6M's (:data:`H36M_PARENTS`); colours missing or of another length:
    grey."""
    links = dataset_meta.get('skeleton_links')
    links = np.asarray([] if links is None else links, dtype=int).reshape(-1, 2)
    if len(links) == 0:
        links = np.array([(p, j) for j, p in enumerate(H36M_PARENTS) if p >= 0])
    grey = np.array([128, 128, 128], np.uint8)

    def colours(key, count):
        values = np.asarray(dataset_meta.get(key, []), dtype=np.uint8).reshape(-1, 3)
        return values if len(values) == count else np.tile(grey, (count, 1))

    return dict(links=links, link_colours=colours('skeleton_link_colors', len(links)),
                joint_colours=colours('keypoint_colors', num_joints))


def draw_styled_skeleton(ax, pose: np.ndarray, style: dict) -> None:
    """Draw one (J, 3) pose (camera frame) on a matplotlib 3D axis in a
    :func:`skeleton_style`'s colours."""
    pose = np.asarray(pose, dtype=float)
    for (a, b), colour in zip(style['links'], style['link_colours']):
        if np.isfinite(pose[[a, b]]).all():
            x, y, z = pose[[a, b]].T
            ax.plot(x, z, -y, color=colour / 255.0, linewidth=2.0)
    finite = np.isfinite(pose).all(axis=1)
    ax.scatter(pose[finite, 0], pose[finite, 2], -pose[finite, 1],
               color=style['joint_colours'][finite] / 255.0, s=6)


def set_equal_box(ax, poses) -> None:
    """Equal axis ranges around ``poses`` (list of (J, 3)) so bones keep their proportions."""
    points = np.concatenate([np.asarray(p, float).reshape(-1, 3) for p in poses])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return
    centre = (points.max(0) + points.min(0)) / 2
    half = max((points.max(0) - points.min(0)).max() / 2, 1e-6)
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[2] - half, centre[2] + half)
    ax.set_zlim(-centre[1] - half, -centre[1] + half)


def save_skeleton_grid(path: str, panels: Sequence[Sequence[tuple]],
                       titles: Optional[Sequence[str]] = None, columns: int = 5,
                       parents: Sequence[int] = H36M_PARENTS, panel_size: float = 2.6) -> None:
    """Save a grid of 3D panels as a PNG.

    Args:
        path: output image path.
        panels: per panel, a list of ``(pose (J, 3), colour, label)`` drawn together.
        titles: optional per-panel titles.
        columns: panels per row.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = int(np.ceil(len(panels) / columns))
    figure = plt.figure(figsize=(panel_size * min(columns, len(panels)), panel_size * rows))
    for index, panel in enumerate(panels):
        ax = figure.add_subplot(rows, min(columns, len(panels)), index + 1, projection='3d')
        for pose, colour, label in panel:
            draw_skeleton(ax, pose, colour, label, parents)
        set_equal_box(ax, [pose for pose, _, _ in panel])
        ax.view_init(elev=12, azim=-70)
        ax.set_xticklabels([]), ax.set_yticklabels([]), ax.set_zticklabels([])
        if titles is not None:
            ax.set_title(titles[index], fontsize=8)
        if index == 0 and any(label for _, _, label in panel):
            ax.legend(fontsize=6, loc='upper left')
    figure.tight_layout()
    with atomic_output(path) as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)
