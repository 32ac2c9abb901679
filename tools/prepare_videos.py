"""Frames of synchronized videos in the folder layout of the multi-view tools and datasets.

    python tools/prepare_videos.py VIDEO [VIDEO ...] --out ROOT [--every N] [--start S]
        [--max-frames F] (--intrinsics CALIB.npz | --guess-intrinsics)

Writes ``ROOT/<camera>/<frame>.jpg`` (camera = the video's file stem, frame = the frame's index
in the video, zero-padded), the layout ``tools/precompute_2d.py --folder ROOT`` and
``MultiViewFolderDataset`` read, and ``ROOT/intrinsics.npz`` beside the frames: ``intrinsics``
(V, 3, 3), ``distortion`` (V, 5), ``image_size`` (V, 2) (width, height), ``camera_names`` (V,)
in the sorted order of the camera folders, ``intrinsics_guessed`` (bool) and ``fps``, the rate of
the kept frames (the videos' divided by ``--every``), which ``precompute_2d.py --intrinsics``
copies into the keypoints file. The videos must
start at the same instant and have the same frame rate (a difference is an error naming the
files); videos of different lengths are reported and trimmed to the shortest. Frames are
decoded in order with mmcv's ``VideoReader`` (OpenCV), so no frame is lost to inexact seeking.
"""
import argparse
import os
import os.path as osp

import numpy as np

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
FPS_TOLERANCE = 1e-3          # relative: 29.97 and 30 fps are different rates


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('videos', nargs='+', metavar='VIDEO',
                        help='one video per camera, all started at the same instant')
    parser.add_argument('--out', required=True, metavar='ROOT', help='folder to write')
    parser.add_argument('--every', type=int, default=1, metavar='N', help='keep every N-th frame')
    parser.add_argument('--start', type=int, default=0, metavar='S',
                        help='index of the first frame to keep')
    parser.add_argument('--max-frames', type=int, metavar='F', help='keep at most F frames')
    parser.add_argument('--jpeg-quality', type=int, default=95)
    calibration = parser.add_mutually_exclusive_group(required=True)
    calibration.add_argument('--intrinsics', metavar='CALIB.npz',
                             help='intrinsics (V, 3, 3) pixels and optional distortion (V, 5) in '
                             'the order of the VIDEO arguments (or matched by camera_names)')
    calibration.add_argument('--guess-intrinsics', action='store_true',
                             help='no calibration: a pinhole guessed from the image size (focal = '
                             'max(width, height)); make the labels with --guess-intrinsics too')
    args = parser.parse_args(argv)
    if args.every < 1 or args.start < 0 or (args.max_frames is not None and args.max_frames < 1):
        parser.error(f'need --every >= 1, --start >= 0 and --max-frames >= 1, got '
                     f'{args.every}, {args.start}, {args.max_frames}')
    return args


def open_videos(paths: list) -> dict:
    """mmcv ``VideoReader`` per camera (name = file stem), checked to share one frame rate.

    Raises:
        ValueError naming the files: two videos of one camera name, a video that cannot be
        opened, or frame rates that differ.
    """
    import mmcv
    names = [osp.splitext(osp.basename(path))[0] for path in paths]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f'camera names (video file stems) must be unique: {duplicates} in '
                         f'{paths}')
    if len(paths) < 2:
        raise ValueError(f'need the videos of at least 2 cameras, got {paths}')
    readers = {}
    for name, path in zip(names, paths):
        reader = mmcv.VideoReader(path)
        if not reader.opened or reader.width <= 0 or reader.height <= 0:
            raise ValueError(f'{path}: OpenCV cannot open this video')
        readers[name] = reader
    rates = {path: reader.fps for path, reader in zip(paths, readers.values())}
    first = next(iter(rates.values()))
    if not all(np.isclose(fps, first, rtol=FPS_TOLERANCE) for fps in rates.values()):
        raise ValueError('the videos have different frame rates, so frame f of each is not the '
                         'same instant: ' + ', '.join(f'{p}: {fps:g} fps'
                                                      for p, fps in rates.items()))
    return readers


def report_lengths(readers: dict) -> int:
    """Print the frame counts the containers announce if they differ; return the shortest."""
    counts = {name: reader.frame_cnt for name, reader in readers.items()}
    if len(set(counts.values())) > 1:
        print(f'videos of different lengths (frames): {counts}; trimmed to the shortest, '
              f'{min(counts.values())}')
    return min(counts.values())


def kept_frames(length: int, start: int, every: int, max_frames=None) -> list:
    """Indices of the frames to keep among ``length`` frames."""
    frames = list(range(start, length, every))
    return frames if max_frames is None else frames[:max_frames]


def prepare_folders(out: str, names: list) -> dict:
    """Create ``out/<camera>``; a folder that already holds images is an error (frames of two
    runs must not mix). Returns the folder of each camera."""
    folders = {name: osp.join(out, name) for name in names}
    for folder in folders.values():
        if osp.isdir(folder) and any(f.lower().endswith(IMAGE_EXTENSIONS)
                                     for f in os.listdir(folder)):
            raise FileExistsError(f'{folder} already holds images: remove them or choose '
                                  'another --out')
        os.makedirs(folder, exist_ok=True)
    return folders


def extract_frames(readers: dict, folders: dict, frames: list, jpeg_quality: int = 95) -> int:
    """Decode the videos in step and write the kept frames as ``<folder>/<index>.jpg``.

    Returns:
        the number of frames written per camera: all of ``frames``, or fewer when a video ends
        before its announced length (then every camera stops at that frame, reported).
    """
    import cv2
    from tqdm import tqdm

    from epipolar_plugin.fileio import atomic_output
    keep, written = set(frames), 0
    last = frames[-1] if frames else -1
    digits = max(6, len(str(last)))
    bar = tqdm(total=len(frames), desc='frames', unit='frame')
    for index in range(last + 1):
        images = {name: reader.read() for name, reader in readers.items()}
        ended = sorted(name for name, image in images.items() if image is None)
        if ended:
            print(f'{ended} ended at frame {index}, before the length their files announce; '
                  f'all cameras stop there')
            break
        if index not in keep:
            continue
        for name, image in images.items():
            path = osp.join(folders[name], f'{index:0{digits}d}.jpg')
            with atomic_output(path, durable=False) as temporary:
                if not cv2.imwrite(temporary, image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]):
                    raise OSError(f'cannot write {path}')
        written += 1
        bar.update()
    bar.close()
    return written


def camera_parameters(args, readers: dict) -> dict:
    """``intrinsics.npz`` contents in the sorted order of the camera names."""
    from epipolar_plugin.fileio import load_npz
    from epipolar_plugin.geometry.camera import pinhole_from_image_size
    names = list(readers)
    sizes = np.array([reader.resolution for reader in readers.values()])
    if args.guess_intrinsics:
        intrinsics = np.stack([pinhole_from_image_size(w, h) for w, h in sizes])
        distortion = np.zeros((len(names), 5))
    else:
        calibration = load_npz(args.intrinsics, ('intrinsics', ), 'intrinsics file')
        intrinsics = calibration['intrinsics']
        distortion = calibration.get('distortion', np.zeros((len(names), 5)))
        if intrinsics.shape != (len(names), 3, 3) or len(distortion) != len(names):
            raise ValueError(f'{args.intrinsics}: intrinsics must have shape ({len(names)}, 3, 3)'
                             f' and distortion {len(names)} rows for the videos {names}, got '
                             f'{intrinsics.shape} and {np.shape(distortion)}')
        if 'camera_names' in calibration:
            given = [str(c) for c in calibration['camera_names']]
            if sorted(given) != sorted(names):
                raise ValueError(f"{args.intrinsics}: key 'camera_names' {given} does not name "
                                 f'the videos {names}')
            rows = [given.index(n) for n in names]
            intrinsics, distortion = intrinsics[rows], distortion[rows]
    order = np.argsort(names)
    return dict(intrinsics=intrinsics[order].astype(np.float64),
                distortion=np.asarray(distortion, np.float64)[order], image_size=sizes[order],
                camera_names=np.array(names)[order],
                intrinsics_guessed=np.bool_(args.guess_intrinsics))


def main(argv=None):
    from epipolar_plugin.fileio import save_npz
    args = parse_args(argv)
    readers = open_videos(args.videos)
    cameras = camera_parameters(args, readers)
    frames = kept_frames(report_lengths(readers), args.start, args.every, args.max_frames)
    if not frames:
        raise SystemExit(f'no frames to keep: --start {args.start} is past the shortest video')
    folders = prepare_folders(args.out, list(readers))
    written = extract_frames(readers, folders, frames, args.jpeg_quality)
    fps = next(iter(readers.values())).fps
    if fps > 0:                       # containers without a frame rate say 0
        cameras['fps'] = np.float64(fps / args.every)
    save_npz(osp.join(args.out, 'intrinsics.npz'), cameras, compressed=False)
    origin = 'guessed' if args.guess_intrinsics else 'given'
    print(f'wrote {written} frames x {len(readers)} cameras (videos at {fps:g} fps; from frame '
          f'{args.start}, one in {args.every}) to {args.out}/<camera>/ and '
          f"{osp.join(args.out, 'intrinsics.npz')} ({origin} intrinsics)")


if __name__ == '__main__':
    main()
