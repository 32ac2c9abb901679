"""Write a synthetic multi-view capture in the Human3.6M layout of MMPose's ``preprocess_h36m.py``.

Layout (``OUT`` is the dataset root, ``fpsN`` = ``fps{fps}``)::

    OUT/images/S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg
    OUT/annotation_body3d/cameras.pkl                  {(subject, camera_id): camera dict}
    OUT/annotation_body3d/fpsN/h36m_{train,test}.npz   imgname, center, scale, part, S
    OUT/annotation_body3d/fpsN/h36m_{train,test}_multiview_2d.npz   detected 2D (docs/file_formats.md)
    OUT/annotation_body3d/fpsN/joint{2d,3d}{,_rel}_stats.pkl       training-split statistics
    OUT/synthetic_meta.json, OUT/contact_sheet.png

As in ``preprocess_h36m.py``: one annotation row per (frame, camera); ``imgname`` relative to
``images/``; image numbers are the 50 fps frame index + 1 (steps of ``50 // fps``); ``part``
(N, 17, 3) is the exact 2D projection (pixels) with visibility 1; ``S`` (N, 17, 4) is the 3D
ground truth in the **camera** frame (metres) with visibility 1; ``center`` (N, 2) and ``scale``
(N,) are the box of the exact 2D joints, scale = 1.2 * longest side / 200. Rows are sorted by
(subject, sequence, camera, frame), the order MMPose's ``Human36mDataset`` groups them in.
Camera dicts follow ``mmpose.utils.camera.SimpleCamera``: ``R`` (3, 3) camera-to-world rotation
and ``T`` (3, 1) camera centre in metres (``x_cam = R^T (x_world - T)``), ``f``, ``c`` (2, 1)
pixels, ``k`` (3, 1) and ``p`` (2, 1) distortion in OpenCV's order, ``w``, ``h``, ``name``, ``id``.
Every subject is a recording session with the rig set up again (cameras moved by a few degrees
and centimetres, as Human3.6M's per-subject calibrations): the multi-view 2D files carry
``session`` (F,) = the subject's number, and the labels pool each session on its own; ``take``
(F,) = the index of the frame's (subject, sequence) in sorted order (as ``precompute_2d.py``)
and ``fps`` = the annotation's frame rate.
As in the real test split (S11's Directions has no video of camera 54138969), a sequence may
lack a camera (``missing_cameras``): it has neither images nor annotation rows of that camera,
and its multi-view 2D entries of that view are NaN with score 0 and image name ''.
The detected 2D keypoints never enter the Human3.6M annotation files: they are the
``*_multiview_2d.npz`` files, with ``image_names`` (V, F) tying each entry to its image.
"""
import json
import os
import os.path as osp
import pickle
from dataclasses import asdict

import cv2
import numpy as np

from ..fileio import atomic_output
from ..geometry.camera import project_points, world_to_camera
from .detections import DetectionNoise, simulate_detections
from .render import (random_appearance, random_room, render_background, render_frames,
                     self_occlusion)
from .rig import moved_rig, studio_rig
from .skeleton import JOINT_NAMES, animate, random_body

SPLITS = {'train': ('S1', 'S5', 'S6', 'S7', 'S8'), 'test': ('S9', 'S11')}
SEQUENCES = {'walking': 'Walking_1', 'reaching': 'Reaching_1', 'bending': 'Bending_1',
             'sitting': 'Sitting_1', 'turning': 'Turning_1'}
H36M_CAMERA_IDS = ('54138969', '55011271', '58860488', '60457274')
#: (subject, sequence, camera index) recorded without that camera, as the real S11 Directions
MISSING_CAMERAS = (('S11', 'Walking_1', 0), )
BOX_SCALE_FACTOR = 1.2            # preprocess_h36m.py's scale_factor
FOCAL_PER_PIXEL = 1.15            # Human3.6M: f ~ 1150 px for 1000 px images


def camera_ids(num_cameras: int) -> list:
    """Human3.6M's four camera ids, then made-up 8-digit ids for more cameras."""
    extra = [str(61000000 + 1111 * k) for k in range(max(0, num_cameras - 4))]
    return list(H36M_CAMERA_IDS[:num_cameras]) + extra


def camera_dict(camera, camera_id: str, index: int) -> dict:
    """A ``SimpleCamera`` parameter dict (``cameras.pkl`` entry) of a SyntheticCamera."""
    k = camera.distortion
    return dict(R=camera.rotation.T.copy(), T=(-camera.rotation.T @ camera.translation)[:, None],
                f=camera.intrinsics[[0, 1], [0, 1]][:, None].copy(),
                c=camera.intrinsics[:2, 2][:, None].copy(),
                k=np.array([k[0], k[1], k[4]])[:, None], p=np.array([k[2], k[3]])[:, None],
                w=camera.width, h=camera.height, name=f'camera{index + 1}', id=camera_id)


def save_npz(path: str, **arrays) -> None:
    """``np.savez`` with fixed zip timestamps, so equal arrays give equal bytes (atomically)."""
    import io
    import zipfile
    with atomic_output(path) as temporary, \
            zipfile.ZipFile(temporary, 'w', compression=zipfile.ZIP_STORED) as archive:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f'{name}.npy', date_time=(1980, 1, 1, 0, 0, 0)),
                             buffer.getvalue())


def _frame_counts(total: int, parts: int) -> list:
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def _box(points: np.ndarray):
    """center (N, 2) and scale (N,) of preprocess_h36m.py from (N, J, 2) pixels."""
    low, high = points.min(axis=1), points.max(axis=1)
    return (low + high) / 2, BOX_SCALE_FACTOR * (high - low).max(axis=1) / 200


def _pose_stats(poses: np.ndarray) -> dict:
    poses = poses.reshape((-1, ) + poses.shape[-2:])
    return dict(mean=poses.mean(axis=0), std=poses.std(axis=0))


def _render_sequence(out_dir, subject, sequence, ids, cameras, joints_world, appearance,
                     backgrounds, noise, rng, seed, frame_step, missing=()):
    """Render, write and annotate one (subject, sequence); the views in ``missing`` are
    rendered (the random stream stays that of a complete rig) but neither written nor
    annotated, their detections NaN with score 0 and their image names ''.

    Returns:
        rows per camera, detections (V, F, J, 3), image names (V, F), middle frames (V, H, W, 3).
    """
    num_frames = len(joints_world)
    numbers = np.arange(num_frames) * frame_step + 1
    joints_cam = np.stack([world_to_camera(joints_world, c.rotation, c.translation)
                           for c in cameras])                                    # (V, F, J, 3)
    clean = np.stack([project_points(joints_cam[v], c.intrinsics, c.distortion)
                      for v, c in enumerate(cameras)])                           # (V, F, J, 2)
    occluded = np.stack([self_occlusion(joints_cam[v], c.intrinsics, c.distortion)
                         for v, c in enumerate(cameras)])
    detections = simulate_detections(clean, noise, seed=seed, occluded=occluded)
    rows, middle = {}, []
    names = np.empty((len(cameras), num_frames), dtype=object)
    for v, (camera, camera_id) in enumerate(zip(cameras, ids)):
        folder = f'{subject}_{sequence}.{camera_id}'
        images = render_frames(joints_cam[v], camera.intrinsics, camera.distortion,
                               backgrounds[v], appearance, rng)
        middle.append(images[num_frames // 2])
        if v in missing:
            names[v] = ''
            detections[v, ..., :2] = np.nan
            detections[v, ..., 2] = 0.0
            continue
        os.makedirs(osp.join(out_dir, 'images', subject, folder), exist_ok=True)
        for f in range(num_frames):
            names[v, f] = f'{subject}/{folder}/{folder}_{numbers[f]:06d}.jpg'
            path = osp.join(out_dir, 'images', names[v, f])
            with atomic_output(path, durable=False) as temporary:
                if not cv2.imwrite(temporary, images[f], [cv2.IMWRITE_JPEG_QUALITY, 92]):
                    raise OSError(f'cannot write {path}')
        center, scale = _box(clean[v])
        ones = np.ones(clean[v].shape[:2] + (1, ))
        rows[(subject, sequence, camera_id)] = dict(
            imgname=names[v].astype(str), center=center, scale=scale,
            part=np.concatenate([clean[v], ones], -1),
            S=np.concatenate([joints_cam[v], ones], -1))
    return rows, detections, names.astype(str), np.stack(middle)


def make_synthetic_dataset(out_dir: str, frames: int = 400, num_cameras: int = 4,
                           size: int = 160, seed: int = 0, fps: int = 10,
                           noise: DetectionNoise = DetectionNoise(),
                           session_change: tuple = (3.0, 0.3),
                           missing_cameras: tuple = MISSING_CAMERAS,
                           progress: bool = True) -> dict:
    """Generate the embedded synthetic dataset (deterministic for the arguments).

    Args:
        out_dir: dataset root to write (created; existing files are overwritten).
        frames: frames per subject, split evenly over the five actions.
        num_cameras: V >= 2 cameras of a static studio rig.
        size: square image side in pixels; focal length ``1.15 * size`` as in Human3.6M.
        seed: the only source of randomness.
        fps: frame rate of the annotation (``50 // fps`` must be an integer, like the
            ``sample_rate`` of preprocess_h36m.py); the annotation folder is ``fps{fps}``.
        noise: the detector error model in pixels of a 1000-pixel image (scaled to ``size``).
        session_change: (degrees, metres): as Human3.6M, every subject is one recording session
            with the rig set up again (:func:`.rig.moved_rig`; the first subject films with the
            base rig); (0, 0): one rig for every subject.
        progress: show a progress bar over sequences.

    Returns:
        a summary dict (also written to ``synthetic_meta.json``).
    """
    if num_cameras < 2 or frames < len(SEQUENCES) or size < 32 or 50 % fps:
        raise ValueError(f'need num_cameras >= 2, frames >= {len(SEQUENCES)}, size >= 32 and '
                         f'fps dividing 50; got num_cameras={num_cameras}, frames={frames}, '
                         f'size={size}, fps={fps}')
    from tqdm import tqdm
    base_rig = studio_rig(num_cameras, seed=seed, image_size=size,
                          focal=FOCAL_PER_PIXEL * size)
    ids = camera_ids(num_cameras)
    scaled_noise = noise.scaled(size / 1000.0)
    annotation_dir = osp.join(out_dir, 'annotation_body3d', f'fps{fps}')
    os.makedirs(annotation_dir, exist_ok=True)
    subjects = [s for split in SPLITS.values() for s in split]
    rigs = {s: base_rig if k == 0 or not any(session_change) else moved_rig(
        base_rig, seed=seed + 1000 + k, rotation_deg=session_change[0],
        shift_m=session_change[1]) for k, s in enumerate(subjects)}
    camera_params = {(s, cid): camera_dict(c, cid, v) for s in subjects
                     for v, (c, cid) in enumerate(zip(rigs[s], ids))}
    with atomic_output(osp.join(out_dir, 'annotation_body3d', 'cameras.pkl')) as temporary, \
            open(temporary, 'wb') as file:
        pickle.dump(camera_params, file)

    bar = tqdm(total=len(subjects) * len(SEQUENCES), desc='synthetic sequences',
               disable=not progress)
    per_split, sheet = {}, []
    for split, split_subjects in SPLITS.items():
        rows, detections, names = {}, {}, {}
        for s_index, subject in enumerate(split_subjects):
            subject_seed = np.random.SeedSequence([seed, subjects.index(subject)])
            cameras = rigs[subject]
            rng = np.random.default_rng(subject_seed)
            body, room = random_body(rng), random_room(rng)
            backgrounds = [render_background(c.rotation, c.translation, c.intrinsics,
                                             c.distortion, size, size, room, rng)
                           for c in cameras]
            counts = _frame_counts(frames, len(SEQUENCES))
            for a_index, (action, sequence) in enumerate(SEQUENCES.items()):
                motion_seed = int(rng.integers(2 ** 31))
                # clothes, skin and light change per sequence: 25 looks in the training split
                # instead of 5 teach the image model poses rather than subjects
                appearance = random_appearance(rng)
                joints_world = animate(counts[a_index], seed=motion_seed, fps=fps,
                                       action=action, bone_scale=body)
                seq_rows, dets, seq_names, middle = _render_sequence(
                    out_dir, subject, sequence, ids, cameras, joints_world, appearance,
                    backgrounds, scaled_noise, rng, int(rng.integers(2 ** 31)), 50 // fps,
                    missing={v for s, q, v in missing_cameras if (s, q) == (subject, sequence)})
                rows.update(seq_rows)
                detections[(subject, sequence)], names[(subject, sequence)] = dets, seq_names
                if split == 'train' and s_index == 0:
                    sheet.append((middle, dets[:, counts[a_index] // 2]))
                bar.update()
        keys = sorted(rows)
        annotation = {key: np.concatenate([rows[k][key] for k in keys])
                      for key in ('imgname', 'center', 'scale', 'part', 'S')}
        save_npz(osp.join(annotation_dir, f'h36m_{split}.npz'), **annotation)
        sequences = sorted(detections)
        save_npz(osp.join(annotation_dir, f'h36m_{split}_multiview_2d.npz'),
                 keypoints_2d=np.concatenate([detections[k] for k in sequences], axis=1),
                 image_names=np.concatenate([names[k] for k in sequences], axis=1),
                 intrinsics=np.stack([c.intrinsics for c in base_rig]),
                 distortion=np.stack([c.distortion for c in base_rig]),
                 image_size=np.array([[c.width, c.height] for c in base_rig]),
                 camera_names=np.array(ids), joint_names=np.array(JOINT_NAMES),
                 session=np.concatenate([np.full(names[k].shape[1], int(k[0][1:]))
                                         for k in sequences]),
                 take=np.concatenate([np.full(names[k].shape[1], index)
                                      for index, k in enumerate(sequences)]),
                 fps=np.float64(fps))
        per_split[split] = dict(subjects=list(split_subjects), rows=len(annotation['imgname']),
                                frames=sum(n.shape[1] for n in names.values()))
        if split == 'train':
            poses_3d, poses_2d = annotation['S'][..., :3], annotation['part'][..., :2]
            for name, poses in (('joint3d_stats', poses_3d), ('joint2d_stats', poses_2d),
                                ('joint3d_rel_stats', poses_3d[:, 1:] - poses_3d[:, :1]),
                                ('joint2d_rel_stats', poses_2d[:, 1:] - poses_2d[:, :1])):
                with atomic_output(osp.join(annotation_dir, f'{name}.pkl')) as temporary, \
                        open(temporary, 'wb') as file:
                    pickle.dump(_pose_stats(poses), file)
    bar.close()
    write_contact_sheet(osp.join(out_dir, 'contact_sheet.png'), sheet)
    summary = dict(generator='epipolar_plugin.synthetic', frames_per_subject=frames,
                   num_cameras=num_cameras, image_size=size, seed=seed, fps=fps,
                   camera_ids=ids, sequences=list(SEQUENCES.values()), splits=per_split,
                   detection_noise=asdict(noise),
                   detection_noise_pixels=asdict(scaled_noise),
                   session_change=dict(degrees=session_change[0], metres=session_change[1]),
                   missing_cameras=[dict(subject=s, sequence=q, camera=ids[v])
                                    for s, q, v in missing_cameras if v < num_cameras])
    with atomic_output(osp.join(out_dir, 'synthetic_meta.json')) as temporary, \
            open(temporary, 'w') as file:
        json.dump(summary, file, indent=2)
    return summary


def write_contact_sheet(path: str, tiles: list, zoom: int = 2) -> None:
    """A grid of rendered frames (rows: sequences, columns: views) with the detected joints.

    Args:
        tiles: list of (images (V, H, W, 3), detections (V, J, 3)) per row.
        zoom: integer upscaling of each image.
    """
    rows = []
    for images, detections in tiles:
        row = []
        for image, keypoints in zip(images, detections):
            tile = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
            for x, y, score in keypoints:
                if np.isfinite(x):
                    colour = (60, 220, 60) if score >= 0.3 else (40, 40, 230)
                    cv2.circle(tile, (int(round(x * zoom)), int(round(y * zoom))), 2, colour, -1)
            row.append(tile)
        rows.append(np.concatenate(row, axis=1))
    with atomic_output(path) as temporary:
        if not cv2.imwrite(temporary, np.concatenate(rows, axis=0)):
            raise OSError(f'cannot write {path}')
