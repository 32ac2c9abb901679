"""Pseudo-label quality and speed on synthetic rigs with known cameras, in one run.

Two tables, on a synthetic 4-camera studio rig with known cameras and 3D truth (2D noise of a
few pixels, a few per cent outlier joints, some low-confidence joints, occasional missing views):

1. speed and accuracy (``--tables speed``): the paper-faithful loop (per frame, OpenCV's
   findEssentialMat / recoverPose / triangulatePoints on the reference view and one other view,
   EpipolarPose's label generation) against this plugin per frame, pooled (plain) and pooled
   (robust): samples per second and the ratio to the paper loop;
2. failure modes of real 2D detectors (``--tables failures``), each its own scene:
   ``clean``; ``swaps`` (left/right exchanged in stretches of frames of views that see the
   subject's back); ``viewpoint_bias`` (hips, shoulders and head 6 cm towards each camera);
   ``bad_view`` / ``bad_reference`` (view 1 / the reference view: a wrong person or a
   half-visible one in about half the frames); ``sync_offset`` (view 2 three frames late; the
   robust row estimates and applies the offset); ``small_depth`` (a subject reaching on the spot,
   cameras at 4.5 m); ``unknown_intrinsics`` (a pinhole guessed from the image size instead of
   the calibration; the robust row also refines the focal lengths); ``facing_pair`` (cameras 1
   and 3 face each other across the subject, optical axes 140 degrees apart, the subject within
   0.3 m of the line joining them; camera 2 wrong in 60 % of the frames); ``facing_pair_noisy``
   (the same with 10 px detector noise, as an off-the-shelf model at full resolution; the last
   row uses the pixel thresholds of earlier versions, 3 / 15 px); ``two_sessions`` (two
   recordings in one file, every camera moved by about 3 degrees and 0.3 m in between; the last
   robust row is given the ``session`` of every frame); ``sync_all`` (every camera pair out of
   sync: delays 0, 2, -3, 4 frames; the robust row applies the estimated offsets, and a table
   beside it gives the detector noise and the thresholds measured);
3. resolution (``--tables resolution``): the same scene at 0.25x to 4x the resolution (pixels,
   intrinsics and the detector's pixel errors scaled together), and the generator at image
   sizes 160, 640 and 1920, with the pixel thresholds of earlier versions (3 px / 15 px) and
   with the default noise-relative thresholds.

Columns: N-MPJPE and P-MPJPE of the labels against the ground truth (mm, valid joints only),
rotation error of the recovered cameras (degrees; the worst view's median over frames),
fraction of valid joints, the views flagged by the quality scores, seconds.

4. synchronization (``--tables sync``): four portrait full-HD cameras (1080 x 1920, focal
   1680 px, like a phone rig) filming a person walking at 0.6, 1.2 and 1.8 m/s, at 25 and 60
   fps, with 5 and 10 px of detector noise, ``--sync-seeds`` scenes each: how many cameras of
   synchronized rigs get a (false) nonzero offset, and how many delays of 1, 3 and 5 frames
   (cameras 1-3 of another rig) are found exactly (``--sync estimate``, pooled mode);

5. focal lengths (``--tables focal``): the robust mode refining one focal length per camera
   from guessed or wrong intrinsics: each camera's refined focal with its uncertainty against
   the truth, whether the detections determine it, N-MPJPE, and, for a lens with k1 = -0.25,
   the largest reprojection error through the stored intrinsics and distortion at the outer
   5 % of the detections (exact 2D);

6. scale (``--tables scale``): the default robust mode and the plain pooled mode on the clean
   scene at ``--scale-frames`` (1,000 / 10,000 / 100,000 frames, 4 cameras), each labelled in a
   fresh process (the fastest of three runs): seconds, frames per second, the ratio to the paper
   loop's frames per second (the fastest of three runs on 1,000 frames in the same run; the
   loop's cost per frame does not depend on the sequence's length), the process's peak memory,
   N-MPJPE and valid joints.

7. temporal smoothing (``--tables temporal``): label N-MPJPE without and with the temporal stage
   (``--smoothing-window-s``, given the frame rate) for every label mode, on the portrait rig of
   the synchronization table filming a person walking at 0.6, 1.2 and 1.8 m/s for 10 s, at 10,
   25 and 60 fps with 5 and 10 px of detector noise (``--sync-seeds`` scenes per speed; per-frame
   mode on one scene, its labels also smoothed although the stage leaves that mode alone); then
   every failure mode of table 2 with a person walking instead of the ``free`` motion (a pose
   sampler whose joints move at about 13 m/s, not a person), at 50 fps.

    python tools/benchmark_pseudo_labels.py [--frames 1000] [--seed 0]
        [--tables speed failures resolution sync focal scale temporal]
        [--scale-frames 1000 10000 100000]
        [--sync-frames 1000] [--sync-seeds 3]
"""
import argparse
import json
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

from epipolar_plugin.geometry import (mean_joint_error, normalized_to_pixel,
                                      pinhole_from_image_size, pixel_to_normalized,
                                      procrustes_align, root_centre, rotation_angle_deg,
                                      scale_align)
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.labels.label_options import RobustOptions, TemporalOptions
from epipolar_plugin.labels.pseudo_labels import smooth_labels
from epipolar_plugin.labels.temporal import window_frames_of
from epipolar_plugin.synthetic import DetectionNoise, DetectorFailures, FacingPair, make_scene

#: The thresholds of earlier versions, in pixels of the images.
PIXEL_THRESHOLDS = dict(ransac_threshold_px=3.0, outlier_threshold_px=15.0)
#: name -> (make_scene arguments, robust-row options (flat LabelOptions fields; ``session=
#: 'scene'``: the scene's sessions)): the failure modes of real detectors.
FAILURE_MODES = {
    'clean': ({}, {}),
    'swaps': (dict(failures=DetectorFailures(swap_probability=0.5), action='walking'), {}),
    'viewpoint_bias': (dict(failures=DetectorFailures(viewpoint_bias_m=0.06)), {}),
    'bad_view': (dict(failures=DetectorFailures(bad_view=1)), {}),
    'bad_reference': (dict(failures=DetectorFailures(bad_view=0)), {}),
    'sync_offset': (dict(failures=DetectorFailures(sync_offsets=(0, 0, 3, 0)), action='walking'),
                    dict(sync='apply')),
    'small_depth': (dict(camera_distance=4.5, area_radius=0.05, action='reaching'), {}),
    'unknown_intrinsics': ({}, dict(refine_focal=True)),
    'facing_pair': (dict(facing=FacingPair(), area_radius=0.3,
                         failures=DetectorFailures(bad_view=2, bad_fraction=0.6)), {}),
    'facing_pair_noisy': (dict(facing=FacingPair(), area_radius=0.3,
                               failures=DetectorFailures(bad_view=2, bad_fraction=0.6),
                               noise=DetectionNoise(pixel_sigma=10.0)),
                          PIXEL_THRESHOLDS),
    'two_sessions': (dict(sessions=2, action='walking'), dict(session='scene')),
    'sync_all': (dict(failures=DetectorFailures(sync_offsets=(0, 2, -3, 4)), action='walking'),
                 dict(sync='apply')),
}
#: The synchronization table's rig: portrait full-HD cameras with a phone-like focal length.
SYNC_RIG = dict(image_size=(1080, 1920), focal=1680.0, area_radius=1.5, action='walking')
SYNC_DELAYS = (0, 1, -3, 5)



def paper_loop(keypoints_2d, intrinsics, distortion, reference_view=0, other_view=1,
               min_score=0.3):
    """EpipolarPose's per-sample labels: one essential matrix per frame from one view pair.

    Returns (F, J, 3) points in the reference camera (NaN where failed) and (F, 3, 3) rotations.
    """
    num_frames, num_joints = keypoints_2d.shape[1:3]
    points_3d = np.full((num_frames, num_joints, 3), np.nan)
    rotations = np.full((num_frames, 3, 3), np.nan)
    views = (reference_view, other_view)
    normalized = [pixel_to_normalized(keypoints_2d[v, ..., :2], intrinsics[v],
                                      None if distortion is None else distortion[v])
                  for v in views]
    for frame in range(num_frames):
        scores = [keypoints_2d[v, frame, :, 2] for v in views]
        keep = (np.isfinite(normalized[0][frame]).all(1) & np.isfinite(normalized[1][frame]).all(1)
                & (scores[0] >= min_score) & (scores[1] >= min_score))
        if keep.sum() < 5:
            continue
        p1, p2 = normalized[0][frame][keep], normalized[1][frame][keep]
        try:
            essential, mask = cv2.findEssentialMat(p1, p2, np.eye(3), method=cv2.RANSAC,
                                                   prob=0.999, threshold=3.0 / intrinsics[0, 0, 0])
            if essential is None or essential.shape[0] < 3:
                continue
            _, rotation, translation, _ = cv2.recoverPose(essential[:3], p1, p2, np.eye(3),
                                                          mask=mask)
        except cv2.error:
            continue
        homogeneous = cv2.triangulatePoints(np.eye(3, 4), np.hstack([rotation, translation]),
                                            p1.T, p2.T)
        points_3d[frame, keep] = (homogeneous[:3] / homogeneous[3]).T
        rotations[frame] = rotation
    return points_3d, rotations[:, None]


def n_mpjpe_mm(points_3d, valid, truth):
    """N-MPJPE (mm) of (F, J, 3) points over the (F, J) valid joints of frames with a valid
    root (root-relative, scale fitted to the (F, J, 3) truth)."""
    rooted = valid & valid[:, :1]
    pred, gt = root_centre(points_3d), root_centre(truth)
    return mean_joint_error(scale_align(pred, gt, rooted), gt, rooted) * 1000


def score(points_3d, valid, truth, rotations, true_rotations):
    """N-MPJPE, P-MPJPE (mm) over valid joints, rotation error (deg), valid fraction.

    The rotation error is the worst view's median over frames (a bad view must show).

    Args:
        rotations: (F, W, 3, 3) estimated poses of W views; true_rotations: (F, W, 3, 3).
    """
    valid = valid & np.all(np.isfinite(points_3d), axis=-1)
    n_mpjpe = n_mpjpe_mm(points_3d, valid, truth)
    p_mpjpe = mean_joint_error(procrustes_align(points_3d, truth, valid), truth, valid) * 1000
    rotation_error = np.nanmax(np.nanmedian(rotation_angle_deg(rotations, true_rotations),
                                            axis=0))
    return n_mpjpe, p_mpjpe, rotation_error, valid.mean()


def run_rows(scene, methods, intrinsics=None, distortion='scene'):
    """[(name, seconds, scores, flagged views)] for ``methods`` = [(name, 'paper' or flat
    LabelOptions fields, plus ``session='scene'`` to give the scene's sessions)]."""
    truth = scene.joints_camera[0]
    views = range(1, len(scene.cameras))
    true_rotations = np.stack([                  # (F, W, 3, 3): each frame's session's rig
        np.stack([scene.relative_pose(v, session=k)[0] for v in views])
        for k in range(len(scene.session_cameras))])[scene.session]
    intrinsics = scene.intrinsics if intrinsics is None else intrinsics
    distortion = scene.distortion if isinstance(distortion, str) else distortion
    rows = []
    for name, options in methods:
        start = time.perf_counter()
        if options == 'paper':
            points_3d, rotations = paper_loop(scene.keypoints_2d, intrinsics, distortion)
            seconds = time.perf_counter() - start
            rows.append((name, seconds, score(points_3d, np.ones(points_3d.shape[:2], bool), truth,
                                              rotations, true_rotations[:, :1]), '-'))
            continue
        options = dict(options)
        session = scene.session if options.pop('session', None) == 'scene' else None
        labels = make_pseudo_labels(scene.keypoints_2d, intrinsics, distortion, session=session,
                                    options=LabelOptions.from_flat(**options))
        seconds = time.perf_counter() - start
        flagged = ','.join(str(v) for v in np.flatnonzero(labels.view_flagged.any(0))) or 'none'
        rows.append((name, seconds, score(labels.keypoints_3d, labels.valid, truth,
                                          labels.rotations[:, 1:], true_rotations), flagged,
                     labels))
    return rows


def print_table(title, rows, rate_of=None):
    print(f'\n{title}')
    header = (f"{'method':<34}{'N-MPJPE mm':>11}{'P-MPJPE mm':>11}{'rot err deg':>12}"
              f"{'valid':>7}{'flagged':>9}{'seconds':>9}")
    if rate_of:
        header += f"{'samples/s':>11}{'speed x':>9}"
    print(header)
    print('-' * len(header))
    for name, seconds, (n_mpjpe, p_mpjpe, rotation_error, valid), flagged, *_ in rows:
        line = (f'{name:<34}{n_mpjpe:>11.1f}{p_mpjpe:>11.1f}{rotation_error:>12.3f}'
                f'{valid:>7.3f}{flagged:>9}{seconds:>9.2f}')
        if rate_of:
            rate = rate_of / seconds
            line += f'{rate:>11.0f}{rate / (rate_of / rows[0][1]):>9.1f}'
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, default=1000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--tables', nargs='+',
                        choices=['speed', 'failures', 'resolution', 'sync', 'focal', 'scale',
                                 'temporal'],
                        default=['speed', 'failures', 'resolution', 'sync', 'focal', 'scale',
                                 'temporal'])
    parser.add_argument('--sync-frames', type=int, default=1000,
                        help='frames of each scene of the synchronization table')
    parser.add_argument('--sync-seeds', type=int, default=3,
                        help='scenes per speed, frame rate and noise in the synchronization table')
    parser.add_argument('--scale-frames', nargs='+', type=int, default=[1000, 10000, 100000],
                        help='sequence lengths of the scale table')
    parser.add_argument('--label-file', nargs=2, metavar=('SCENE', 'MODE'),
                        help=argparse.SUPPRESS)   # the scale table's child process
    parser.add_argument('--modes', nargs='+', choices=list(FAILURE_MODES),
                        default=list(FAILURE_MODES), help='failure modes to run')
    args = parser.parse_args()
    if args.label_file:
        label_scene_file(*args.label_file)
        return

    noise = DetectionNoise()
    print(f'synthetic rig: 4 cameras, {args.frames} frames, 17 joints, {noise.pixel_sigma} px '
          f'noise, {noise.outlier_fraction:.0%} outliers, {noise.low_confidence_fraction:.0%} '
          f'low-confidence joints, {noise.missing_view_fraction:.0%} missing views')
    if 'speed' in args.tables:
        scene = make_scene(args.frames, 4, seed=args.seed, noise=noise)
        rows = run_rows(scene, [('paper loop (ref + 1 view)', 'paper'),
                                ('ours per_frame (all views)', dict(mode='per_frame')),
                                ('ours pooled plain', dict(mode='pooled')),
                                ('ours pooled robust', dict(mode='robust'))])
        print_table('speed (clean scene)', rows, rate_of=args.frames)
    if 'failures' in args.tables:
        for mode in args.modes:
            scene_options, robust_options = FAILURE_MODES[mode]
            scene = make_scene(args.frames, 4, seed=args.seed, **dict(dict(noise=noise),
                                                                       **scene_options))
            methods = [('paper loop (ref + 1 view)', 'paper'),
                       ('pooled plain', dict(mode='pooled')),
                       ('pooled robust', dict(mode='robust'))]
            inputs = {}
            if mode == 'unknown_intrinsics':
                inputs = dict(intrinsics=np.stack([pinhole_from_image_size(c.width, c.height)
                                                   for c in scene.cameras]), distortion=None)
            if robust_options:
                name = ('pooled robust, 3 / 15 px' if 'outlier_threshold_px' in robust_options
                        else 'pooled robust + ' + ', '.join(f'{k}={v}'
                                                            for k, v in robust_options.items()))
                methods.append((name, robust_options))
            rows = run_rows(scene, methods, **inputs)
            print_table(f'failure mode: {mode}', rows)
            if robust_options.get('sync'):
                print_thresholds(rows, scene_options['failures'].sync_offsets)
            if mode == 'unknown_intrinsics':
                print_table('  same scene, calibrated intrinsics',
                            run_rows(scene, [('pooled robust', dict(mode='robust'))]))
    if 'resolution' in args.tables:
        print_resolution_table(args.frames, args.seed, noise)
    if 'sync' in args.tables:
        print_sync_table(args.sync_frames, args.sync_seeds)
    if 'focal' in args.tables:
        print_focal_table(args.frames, args.seed)
    if 'scale' in args.tables:
        print_scale_table(args.scale_frames, args.seed, noise)
    if 'temporal' in args.tables:
        print_temporal_table(args.sync_seeds)
        print_temporal_failures(args.frames, args.seed, noise, args.modes)


def print_temporal_table(seeds: int) -> None:
    """Label N-MPJPE without and with the temporal stage per label mode (see the module)."""
    temporal = TemporalOptions()
    print(f'\ntemporal smoothing (window {temporal.smoothing_window_s} s, degree '
          f'{temporal.smoothing_order}; 4 portrait cameras 1080 x 1920, focal 1680 px, a person '
          f'walking at 0.6 / 1.2 / 1.8 m/s for 10 s, {seeds} scenes per speed; per_frame: one '
          'scene at 1.2 m/s; label N-MPJPE mm without -> with; per_frame is not smoothed, '
          '[smoothed anyway])')
    header = (f"{'fps':>5}{'noise px':>10}{'window':>8}{'robust':>17}{'pooled':>17}"
              f"{'per_frame':>19}{'[smoothed]':>12}{'seconds':>9}")
    print(header)
    print('-' * len(header))
    for fps in (10, 25, 60):
        window = window_frames_of(temporal.smoothing_window_s, fps)
        for noise_px in (5.0, 10.0):
            start = time.perf_counter()
            errors = {mode: ([], []) for mode in ('robust', 'pooled', 'per_frame')}
            smoothed_anyway = np.nan
            for speed in (0.6, 1.2, 1.8):
                for seed in range(seeds):
                    scene = make_scene(10 * fps, 4, seed=seed, fps=fps, walking_speed=speed,
                                       noise=DetectionNoise(pixel_sigma=noise_px / 1.92),
                                       **SYNC_RIG)
                    truth = scene.joints_camera[0]
                    for mode in errors:
                        if mode == 'per_frame' and (speed, seed) != (1.2, 0):
                            continue                     # slow: one scene
                        for k, given in enumerate((None, float(fps))):
                            labels = make_pseudo_labels(
                                scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions(mode=mode), fps=given)
                            errors[mode][k].append(n_mpjpe_mm(labels.keypoints_3d,
                                                              labels.valid, truth))
                        if mode == 'per_frame' and window > temporal.smoothing_order + 1:
                            points = smooth_labels(labels.keypoints_3d, labels.valid,
                                                   labels.scale_view, None, window,
                                                   temporal.smoothing_order)
                            smoothed_anyway = n_mpjpe_mm(points, labels.valid, truth)
            cells = [f'{np.mean(off):.1f} -> {np.mean(on):.1f}' for off, on in errors.values()]
            anyway = f'[{smoothed_anyway:.1f}]' if np.isfinite(smoothed_anyway) else '-'
            print(f'{fps:>5}{noise_px:>10.0f}{window:>8}{cells[0]:>17}{cells[1]:>17}'
                  f'{cells[2]:>19}{anyway:>12}'
                  f'{time.perf_counter() - start:>9.1f}', flush=True)


def print_temporal_failures(frames: int, seed: int, noise: DetectionNoise, modes) -> None:
    """Each failure mode's scene with a person walking, at 50 fps: N-MPJPE without and with
    the temporal stage (see the module)."""
    fps = 50.0
    print(f'\ntemporal smoothing per failure mode ({frames} frames at {fps:.0f} fps, a person '
          'walking where the failure mode has the free motion; label N-MPJPE mm without -> '
          'with, window '
          f'{window_frames_of(TemporalOptions().smoothing_window_s, fps)} frames)')
    header = f"{'failure mode':<20}{'pooled plain':>18}{'pooled robust':>18}{'robust + mode':>18}"
    print(header)
    print('-' * len(header))
    for mode in modes:
        scene_options, robust_options = FAILURE_MODES[mode]
        scene_options = dict(dict(noise=noise, action='walking'), **scene_options)
        scene = make_scene(frames, 4, seed=seed, fps=fps, **scene_options)
        intrinsics, distortion = scene.intrinsics, scene.distortion
        if mode == 'unknown_intrinsics':
            intrinsics = np.stack([pinhole_from_image_size(c.width, c.height)
                                   for c in scene.cameras])
            distortion = None
        cells = []
        for options in (dict(mode='pooled'), dict(mode='robust'), robust_options or None):
            if options is None:
                cells.append('-')
                continue
            options = dict(options)
            session = scene.session if options.pop('session', None) == 'scene' else None
            pair = [n_mpjpe_mm(labels.keypoints_3d, labels.valid, scene.joints_camera[0])
                    for labels in (make_pseudo_labels(scene.keypoints_2d, intrinsics, distortion,
                                                      session=session, fps=given,
                                                      options=LabelOptions.from_flat(**options))
                                   for given in (None, fps))]
            cells.append(f'{pair[0]:.1f} -> {pair[1]:.1f}')
        print(f'{mode:<20}' + ''.join(f'{cell:>18}' for cell in cells), flush=True)


def print_thresholds(rows, true_offsets) -> None:
    """The detector noise and thresholds each labelling row measured, and the offsets found."""
    print(f"  {'method':<34}{'noise px':>10}{'RANSAC px':>11}{'outlier px':>12}  offsets "
          f"(true {list(true_offsets)})")
    for name, _, _, _, *labels in rows:
        if labels:
            labels = labels[0]
            print(f'  {name:<34}{float(labels.noise_px[0]):>10.2f}'
                  f'{float(labels.ransac_threshold_px[0]):>11.2f}'
                  f'{float(labels.outlier_threshold_px[0]):>12.2f}  '
                  f'{labels.sync_offset[0].tolist()}')


def print_sync_table(frames: int, seeds: int) -> None:
    """False offsets on synchronized rigs and delays found on delayed ones (see the module)."""
    print(f'\nsynchronization (--sync estimate, pooled; 4 portrait cameras 1080 x 1920, focal '
          f'1680 px, a person walking; {frames} frames a scene, {seeds} scenes per speed 0.6 / '
          f'1.2 / 1.8 m/s; delays of the delayed rigs {list(SYNC_DELAYS)})')
    header = (f"{'fps':>5}{'noise px':>10}{'false offsets':>15}{'largest':>9}"
              + ''.join(f"{f'delay {abs(d)} found':>15}" for d in SYNC_DELAYS[1:])
              + f"{'seconds':>9}")
    print(header)
    print('-' * len(header))
    for fps in (25, 60):
        for noise_px in (5.0, 10.0):
            start = time.perf_counter()
            false, largest, found, cameras = 0, 0, np.zeros(len(SYNC_DELAYS) - 1, int), 0
            for speed in (0.6, 1.2, 1.8):
                for seed in range(seeds):
                    for delays in ((0, ) * len(SYNC_DELAYS), SYNC_DELAYS):
                        scene = make_scene(
                            frames, 4, seed=seed, fps=fps, walking_speed=speed,
                            noise=DetectionNoise(pixel_sigma=noise_px / 1.92),
                            failures=DetectorFailures(sync_offsets=delays) if any(delays)
                            else None, **SYNC_RIG)
                        labels = make_pseudo_labels(
                            scene.keypoints_2d, scene.intrinsics, scene.distortion,
                            options=LabelOptions.from_flat(mode='pooled', sync='estimate'))
                        offsets = labels.sync_offset[0, 1:]
                        if any(delays):
                            found += offsets == np.array(delays[1:])
                        else:
                            false += int(np.count_nonzero(offsets))
                            largest = max(largest, int(np.abs(offsets).max()))
                            cameras += len(offsets)
            runs = 3 * seeds
            print(f'{fps:>5}{noise_px:>10.0f}{f"{false} / {cameras}":>15}{largest:>9}'
                  + ''.join(f'{f"{n} / {runs}":>15}' for n in found)
                  + f'{time.perf_counter() - start:>9.1f}', flush=True)


def focal_cases(frames: int, seed: int) -> list:
    """(name, scene, given intrinsics, given distortion) of the focal table."""
    exact = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                           missing_view_fraction=0.0)
    portrait = np.stack([pinhole_from_image_size(1080, 1920)] * 4)
    cases = [('studio 1000 px, 3 px, guess 1000', make_scene(frames, 4, seed=seed),
              np.stack([pinhole_from_image_size(1000, 1000)] * 4), None)]
    for noise_px in (5.0, 10.0):
        scene = make_scene(frames, 4, seed=seed, fps=60, walking_speed=1.2,
                           noise=DetectionNoise(pixel_sigma=noise_px / 1.92), **SYNC_RIG)
        cases.append((f'portrait 60 fps, {noise_px:.0f} px, guess 1920', scene, portrait, None))
    scene = make_scene(frames, 4, seed=seed, camera_distance=12.0, focal=2800.0,
                       area_radius=0.05, action='reaching')
    cases.append(('telephoto 12 m, reaching, guess 1000', scene,
                  np.stack([pinhole_from_image_size(1000, 1000)] * 4), None))
    scene = make_scene(frames, 2, seed=seed, action='walking')
    cases.append(('2 cameras, guess 1000', scene,
                  np.stack([pinhole_from_image_size(1000, 1000)] * 2), None))
    lens = np.array([-0.25, 0.0, 0.0, 0.0, 0.0])
    scene = make_scene(frames, 4, seed=seed, noise=exact, focal=900.0, distortion=lens,
                       camera_distance=3.5, area_radius=0.8)
    given = scene.intrinsics.copy()
    given[:, :2, :2] *= 1000.0 / 900.0
    cases.append(('k1 -0.25, f 900 given 1000, exact', scene, given, scene.distortion))
    return cases


def outer_reprojection_px(labels, scene) -> float:
    """The largest error of the labels reprojected through the stored intrinsics and
    distortion, over the outer 5 % of each camera's detections (distance from the centre)."""
    worst = 0.0
    distortion = getattr(labels, 'distortion', None)
    for view in range(len(scene.cameras)):
        camera = (labels.keypoints_3d @ np.swapaxes(labels.rotations[:, view], 1, 2)
                  + labels.translations[:, view, None])
        pixels = normalized_to_pixel(camera[..., :2] / camera[..., 2:], labels.intrinsics[0, view],
                                     None if distortion is None else distortion[0, view])
        error = np.linalg.norm(pixels - scene.keypoints_clean[view], axis=-1)
        radius = np.linalg.norm(scene.keypoints_clean[view] - labels.intrinsics[0, view, :2, 2],
                                axis=-1)
        outer = labels.valid & (radius > np.percentile(radius, 95))
        worst = max(worst, float(np.nanmax(error[outer])))
    return worst


def print_focal_table(frames: int, seed: int) -> None:
    """Refined focal lengths with their uncertainty against the truth (see the module)."""
    print(f'\nfocal lengths (robust, refine_focal, {frames} frames; per camera: refined +- '
          'uncertainty px [true], * = kept at its prior: not determined)')
    header = (f"{'scene':<38}{'cameras':<64}{'max |err|/sd':>13}{'N-MPJPE mm':>11}"
              f"{'outer reproj px':>16}")
    print(header)
    print('-' * len(header))
    for name, scene, intrinsics, distortion in focal_cases(frames, seed):
        labels = make_pseudo_labels(scene.keypoints_2d, intrinsics, distortion,
                                    options=LabelOptions(robust=RobustOptions(refine_focal=True)))
        truth = scene.intrinsics[:, 0, 0]
        sigma = getattr(labels, 'focal_sigma_px', None)
        sigma = np.full(len(truth), np.nan) if sigma is None else sigma[0]
        determined = getattr(labels, 'focal_determined', None)
        determined = np.ones(len(truth), bool) if determined is None else determined[0]
        cells = ' '.join(f"{f:.0f}{'' if d else '*'}"
                         + (f'+-{s:.0f}' if np.isfinite(s) else '') + f'[{t:.0f}]'
                         for f, s, t, d in zip(labels.focal[0], sigma, truth, determined))
        # error over uncertainty, where the uncertainty is at least a pixel (exact 2D has none)
        ratio = np.where(determined & (sigma >= 1.0), np.abs(labels.focal[0] - truth) / sigma,
                         np.nan)
        ratio = f'{np.nanmax(ratio):.1f}' if np.isfinite(ratio).any() else '-'
        n_mpjpe = n_mpjpe_mm(labels.keypoints_3d, labels.valid, scene.joints_camera[0])
        reprojection = (f'{outer_reprojection_px(labels, scene):.2f}' if distortion is not None
                        else '-')
        print(f'{name:<38}{cells:<64}{ratio:>13}{n_mpjpe:>11.1f}{reprojection:>16}',
              flush=True)


def print_scale_table(frame_counts, seed: int, noise: DetectionNoise) -> None:
    """Seconds, frames per second, speed-up over the paper loop and peak memory per sequence
    length (see the module); every labelling runs in a fresh process."""
    scene = make_scene(1000, 4, seed=seed, noise=noise)
    seconds = []
    for _ in range(3):        # the fastest of three: the loop's own speed, not the machine's load
        start = time.perf_counter()
        paper_loop(scene.keypoints_2d, scene.intrinsics, scene.distortion)
        seconds.append(time.perf_counter() - start)
    paper_rate = 1000 / min(seconds)
    print(f'\nscale (clean scene, 4 cameras; paper loop {paper_rate:.0f} frames/s on 1000 '
          'frames in this run, the fastest of three; each row a fresh process, its time the '
          'fastest of three)')
    header = (f"{'frames':>8}{'mode':>8}{'seconds':>9}{'frames/s':>10}{'x paper':>9}"
              f"{'peak MB':>9}{'N-MPJPE mm':>12}{'valid':>7}")
    print(header)
    print('-' * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for frames in frame_counts:
            scene = make_scene(frames, 4, seed=seed, noise=noise)
            path = osp.join(folder, f'scene_{frames}.npz')
            np.savez(path, keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics,
                     distortion=scene.distortion, truth=scene.joints_camera[0])
            del scene
            for mode in ('pooled', 'robust'):
                done = subprocess.run([sys.executable, __file__, '--label-file', path, mode],
                                      capture_output=True, text=True, check=True)
                row = json.loads(done.stdout.strip().split('\n')[-1])
                rate = frames / row['seconds']
                print(f"{frames:>8}{mode:>8}{row['seconds']:>9.2f}{rate:>10.0f}"
                      f"{rate / paper_rate:>9.1f}{row['peak_mb']:>9.0f}{row['n_mpjpe']:>12.1f}"
                      f"{row['valid']:>7.3f}", flush=True)


def label_scene_file(path: str, mode: str) -> None:
    """The scale table's child: label one saved scene, print seconds, peak memory, scores."""
    with np.load(path) as data:
        keypoints, intrinsics = data['keypoints_2d'], data['intrinsics']
        distortion, truth = data['distortion'], data['truth']
    make_pseudo_labels(keypoints[:, :50], intrinsics, distortion)      # warm-up, not timed
    seconds = np.inf
    for _ in range(3):
        start = time.perf_counter()
        labels = make_pseudo_labels(keypoints, intrinsics, distortion,
                                    options=LabelOptions(mode=mode))
        seconds = min(seconds, time.perf_counter() - start)
    n_mpjpe = n_mpjpe_mm(labels.keypoints_3d, labels.valid, truth)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024       # KiB on Linux
    print(json.dumps(dict(seconds=seconds, peak_mb=peak_mb, n_mpjpe=float(n_mpjpe),
                          valid=float(labels.valid.mean()))))


def print_resolution_table(frames: int, seed: int, noise: DetectionNoise) -> None:
    """N-MPJPE and valid fraction of the robust labels per image resolution (see the module)."""
    scene = make_scene(frames, 4, seed=seed, noise=noise)
    cases = [(f'1000 px rig x {factor:g}', *rescaled(scene, factor), scene)
             for factor in (0.25, 0.5, 1.0, 2.0, 4.0)]
    for size in (160, 640, 1920):
        sized = make_scene(frames, 4, seed=seed, noise=noise, image_size=size)
        cases.append((f'generator --size {size}', sized.keypoints_2d, sized.intrinsics, sized))
    print(f'\nresolution (robust pooled, {frames} frames; N-MPJPE mm / valid joints; '
          '"best" = within 15 % of the best N-MPJPE of its column)')
    header = (f"{'images':<24}{'pixel thresholds 3 / 15 px':>30}{'noise-relative (default)':>30}"
              f"{'noise px':>10}")
    print(header)
    print('-' * len(header))
    results = []
    for name, keypoints, intrinsics, truth_scene in cases:
        row = []
        for options in (PIXEL_THRESHOLDS, {}):
            labels = make_pseudo_labels(keypoints, intrinsics, truth_scene.distortion,
                                        options=LabelOptions.from_flat(**options))
            n_mpjpe, _, _, valid = score(labels.keypoints_3d, labels.valid,
                                         truth_scene.joints_camera[0], labels.rotations[:, 1:],
                                         np.stack([truth_scene.relative_pose(v)[0]
                                                   for v in range(1, 4)])[None])
            row.append((n_mpjpe, valid))
        results.append((name, row, float(labels.noise_px[0])))
    best = [min(row[k][0] for _, row, _ in results) for k in range(2)]
    for name, row, noise_px in results:
        cells = ''.join(f"{f'{n:.1f} / {v:.3f}' + (' best' if n <= 1.15 * b else ''):>30}"
                        for (n, v), b in zip(row, best))
        print(f'{name:<24}{cells}{noise_px:>10.2f}')


def rescaled(scene, factor: float):
    """(keypoints_2d, intrinsics) of ``scene`` filmed at ``factor`` times the resolution."""
    keypoints = scene.keypoints_2d.copy()
    keypoints[..., :2] *= factor
    intrinsics = scene.intrinsics.copy()
    intrinsics[:, :2] *= factor
    return keypoints, intrinsics


if __name__ == '__main__':
    main()
