"""The pseudo-label quality picture (matplotlib, headless): ``OUT_quality.png`` of
``tools/make_pseudo_labels.py``.

Left, one row per camera: its median reprojection error in every frame (pixels), with the
stretches where the labels left the camera out shaded red and the frames without a detection
shaded grey; the row's title gives the camera's median error, its estimated sync offset and
whether it is flagged. Middle (when the offsets were estimated), one panel per camera: its
epipolar error against the reference camera at every candidate frame offset, so a user sees how
sure the offset is (a clear dip, or a flat curve whose lowest point means little), with the
offset kept and the evidence for the lowest candidate against 0 (:mod:`..geometry.
synchronization`). Right: the recovered rig seen from above, in the reference camera's
frame (x right, z forward, the labels' unit): each camera's centre ``-R^T t`` and viewing
direction ``R^T (0, 0, 1)``, flagged cameras in red.
"""
import warnings
from typing import Optional, Sequence

import numpy as np

from ..fileio import atomic_output


def frame_runs(mask: np.ndarray) -> list:
    """[(first, last + 1), ...] of the runs of True in a (F,) bool array."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def camera_centres(rotations: np.ndarray, translations: np.ndarray) -> tuple:
    """Centres (V, 3) and viewing directions (V, 3) in the reference camera's frame.

    Args:
        rotations: (F, V, 3, 3), translations: (F, V, 3), ``X_view = R X_ref + t``; the median
            over the frames where a view has a pose (one value in pooled mode).

    Returns:
        NaN rows for views without a pose in any frame.
    """
    rotations, translations = np.asarray(rotations, float), np.asarray(translations, float)
    centres = -np.einsum('fvji,fvj->fvi', rotations, translations)
    axes = rotations[..., 2, :]                                   # R^T (0, 0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)          # all-NaN views stay NaN
        return np.nanmedian(centres, axis=0), np.nanmedian(axes, axis=0)


def plot_label_quality(path: str, frame_view_error_px: np.ndarray, view_flagged: np.ndarray,
                       sync_offset: np.ndarray, rotations: np.ndarray, translations: np.ndarray,
                       frame_view_used: np.ndarray,
                       camera_names: Optional[Sequence[str]] = None, reference_view: int = 0,
                       outlier_threshold_px: Optional[float] = None,
                       sync_error_px: Optional[np.ndarray] = None,
                       sync_evidence: Optional[np.ndarray] = None) -> None:
    """Write the label-quality picture (PNG) of one pseudo-label file.

    Args:
        path: the picture to write.
        frame_view_error_px: (F, V) median reprojection error of each camera per frame, pixels
            (NaN: no detection or no label). view_flagged: (V,) bool. sync_offset: (V,) frames.
        rotations, translations: (F, V, 3, 3), (F, V, 3) relative to the reference camera.
        frame_view_used: (F, V) bool, the cameras that entered each frame's labels.
        camera_names: (V,) names for the titles (default: indices).
        outlier_threshold_px: drawn as a dashed line when given.
        sync_error_px: optional (V, 2 M + 1) each camera's error at the candidate offsets
            -M..M; drawn when any is finite. sync_evidence: optional (V,) the lowest
            candidate's evidence against offset 0 (standard errors).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    error = np.asarray(frame_view_error_px, float)
    used = np.asarray(frame_view_used, bool)
    num_frames, num_views = error.shape
    if used.shape != error.shape or len(view_flagged) != num_views or len(
            sync_offset) != num_views:
        raise ValueError(f'label arrays disagree: frame_view_error_px {error.shape}, '
                         f'frame_view_used {used.shape}, view_flagged {np.shape(view_flagged)}, '
                         f'sync_offset {np.shape(sync_offset)}')
    names = [str(n) for n in camera_names] if camera_names is not None else [
        f'camera {v}' for v in range(num_views)]
    curves = None if sync_error_px is None else np.asarray(sync_error_px, float)
    if curves is not None and (curves.ndim != 2 or len(curves) != num_views):
        raise ValueError(f'label arrays disagree: sync_error_px {curves.shape} for {num_views} '
                         'cameras')
    curves = curves if curves is not None and np.isfinite(curves).any() else None
    figure = plt.figure(figsize=(13 + 3 * (curves is not None), 1.6 + 1.5 * num_views))
    grid = figure.add_gridspec(num_views, 2 + (curves is not None),
                               width_ratios=(2.2, 0.8, 1) if curves is not None else (2.2, 1))
    top = np.nanmax(error) if np.isfinite(error).any() else 1.0
    if outlier_threshold_px is not None:
        top = min(top, 3 * outlier_threshold_px)
    frames = np.arange(num_frames)
    for v in range(num_views):
        ax = figure.add_subplot(grid[v, 0])
        missing = ~np.isfinite(error[:, v])
        for first, last in frame_runs(~used[:, v] & ~missing):
            ax.axvspan(first - 0.5, last - 0.5, color='tab:red', alpha=0.25, lw=0)
        for first, last in frame_runs(missing):
            ax.axvspan(first - 0.5, last - 0.5, color='0.6', alpha=0.35, lw=0)
        ax.plot(frames, error[:, v], color='k', lw=0.8)
        if outlier_threshold_px is not None:
            ax.axhline(outlier_threshold_px, color='tab:red', ls='--', lw=0.8)
        ax.set_ylim(0, top * 1.05)
        ax.set_xlim(-0.5, num_frames - 0.5)
        median = np.nanmedian(error[:, v]) if not missing.all() else np.nan
        ax.set_title(f'{names[v]}{" (reference)" if v == reference_view else ""}: '
                     f'median {median:.1f} px, sync offset {int(sync_offset[v]):+d} frames, '
                     f'left out in {(~used[:, v] & ~missing).sum()} frames'
                     f'{"  FLAGGED" if view_flagged[v] else ""}', fontsize=9, loc='left',
                     color='tab:red' if view_flagged[v] else 'k')
        ax.set_ylabel('px', fontsize=8)
        ax.tick_params(labelsize=7)
        if v < num_views - 1:
            ax.set_xticklabels([])
    ax.set_xlabel('frame (red: camera left out of the labels, grey: no detection)', fontsize=8)
    if curves is not None:
        for v in range(num_views):
            draw_sync_curve(figure.add_subplot(grid[v, 1]), curves[v], int(sync_offset[v]),
                            None if sync_evidence is None else float(sync_evidence[v]),
                            last=v == num_views - 1, reference=v == reference_view)
    draw_rig_top_view(figure.add_subplot(grid[:, -1]), rotations, translations, view_flagged,
                      names, reference_view)
    figure.tight_layout()
    with atomic_output(path) as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)


def draw_sync_curve(ax, curve: np.ndarray, offset: int, evidence: Optional[float],
                    last: bool, reference: bool) -> None:
    """One camera's epipolar error (pixels) over the candidate offsets -M..M, the offset kept
    (a red dot) and the lowest candidate's evidence against 0 in the title."""
    candidates = np.arange(len(curve)) - len(curve) // 2
    ax.tick_params(labelsize=7)
    if not np.isfinite(curve).any():
        ax.set_axis_off()
        ax.set_title('sync: the reference camera' if reference else 'sync: no pose found',
                     fontsize=8, loc='left')
        return
    ax.plot(candidates, curve, 'o-', color='k', ms=3, lw=0.8)
    ax.axvline(0, color='0.6', lw=0.8, ls=':')
    kept = candidates == offset
    ax.plot(candidates[kept], curve[kept], 'o', color='tab:red', ms=6)
    lowest = int(candidates[np.nanargmin(curve)])
    strength = '' if evidence is None or not np.isfinite(evidence) else f', evidence {evidence:.1f}'
    ax.set_title(f'sync: lowest {lowest:+d}{strength}, kept {offset:+d}', fontsize=8, loc='left')
    ax.set_ylabel('epipolar px', fontsize=7)
    if last:
        ax.set_xlabel('candidate offset (frames)', fontsize=8)


def draw_rig_top_view(ax, rotations, translations, view_flagged, names, reference_view) -> None:
    """The cameras' centres and viewing directions on the reference camera's x-z plane."""
    centres, axes = camera_centres(rotations, translations)
    known = np.isfinite(centres).all(1) & np.isfinite(axes).all(1)
    spread = np.ptp(centres[known][:, [0, 2]], axis=0).max() if known.sum() > 1 else 1.0
    length = 0.25 * max(spread, 1e-6)
    for v in np.flatnonzero(known):
        colour = 'tab:red' if view_flagged[v] else ('tab:blue' if v == reference_view else 'k')
        x, z = centres[v, [0, 2]]
        ax.plot(x, z, 'o', color=colour)
        ax.arrow(x, z, length * axes[v, 0], length * axes[v, 2], color=colour,
                 head_width=0.15 * length, length_includes_head=True)
        ax.annotate(names[v], (x, z), textcoords='offset points', xytext=(5, 5), fontsize=8,
                    color=colour)
    lost = [names[v] for v in np.flatnonzero(~known)]
    ax.set_title('rig from above (reference camera frame)' +
                 (f'\nno pose: {", ".join(lost)}' if lost else ''), fontsize=9)
    ax.set_xlabel('x (right)', fontsize=8)
    ax.set_ylabel('z (forward)', fontsize=8)
    ax.set_aspect('equal', adjustable='datalim')
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)


def quality_picture_path(label_path: str, session=None) -> str:
    """``OUT_quality.png`` beside the label file ``OUT.npz``; ``OUT_quality_session<id>.png``
    for one session of several."""
    stem = label_path[:-4] if label_path.endswith('.npz') else label_path
    return stem + ('_quality.png' if session is None else f'_quality_session{session}.png')


def save_label_quality(label_path: str, labels, camera_names=None) -> list:
    """The quality pictures of ``labels`` (a ``PseudoLabels`` or its ``as_dict()``) beside
    ``label_path``: one, or one per recording session (each session has its own rig).

    Per-session arrays (``view_flagged``, ``sync_offset``, ``outlier_threshold_px``,
    ``sync_error_px``, ``sync_evidence``) have a
    first axis S in the order of ``session_ids``; labels without sessions are one session.

    Returns:
        the pictures' paths.
    """
    arrays = labels if isinstance(labels, dict) else labels.as_dict()
    flagged = np.atleast_2d(arrays['view_flagged'])
    offsets = np.atleast_2d(arrays['sync_offset'])
    num_frames = len(arrays['frame_view_error_px'])
    session = arrays.get('session')
    session = np.zeros(num_frames, int) if session is None else np.asarray(session)
    ids = arrays.get('session_ids')
    ids = np.unique(session) if ids is None else np.asarray(ids)
    thresholds = np.ravel(arrays.get('outlier_threshold_px', np.full(len(ids), np.nan)))
    curves, evidence = arrays.get('sync_error_px'), arrays.get('sync_evidence')
    paths = []
    for s, session_id in enumerate(ids):
        frames = session == session_id
        path = quality_picture_path(label_path, None if len(ids) == 1 else session_id)
        plot_label_quality(
            path, arrays['frame_view_error_px'][frames], flagged[s], offsets[s],
            arrays['rotations'][frames], arrays['translations'][frames],
            arrays['frame_view_used'][frames], camera_names=camera_names,
            reference_view=int(arrays['reference_view']),
            outlier_threshold_px=float(thresholds[s]) if np.isfinite(thresholds[s]) else None,
            sync_error_px=None if curves is None else curves[s],
            sync_evidence=None if evidence is None else evidence[s])
        paths.append(path)
    return paths
