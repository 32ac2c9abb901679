"""3D pose of the person in an image, saved as a picture: the image with the pose drawn over it
and the 3D skeleton.

    python tools/demo.py IMAGE CONFIG CHECKPOINT [--box X1 Y1 X2 Y2] [--out demo.png]

The person box is ``--box`` (pixels) or the whole image. The model predicts root-relative 3D
joints in the camera frame (metres, x right, y down, z forward); the overlay is their
orthographic projection placed in the person box (the network does not predict the distance to
the camera, so this is a drawing aid, not a reprojection). The 3D joints are also printed and
written to ``OUT.json``. A single image comes without its camera: ``PixelDepthVolumeLabel``
then decodes with parallel rays (weak perspective), which is close for a person far from the
camera compared with their size.
"""
import argparse
import json
import os.path as osp

import numpy as np


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image')
    parser.add_argument('config', help='a 3D config of this plugin, e.g. configs/epipolar_h36m.py')
    parser.add_argument('checkpoint', help='a local checkpoint of that config')
    parser.add_argument('--box', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'),
                        help='person box in pixels (default: the whole image)')
    parser.add_argument('--out', default='demo.png', help='picture to write (and OUT.json)')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def predict_3d(model, image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(J, 3) root-relative camera-frame joints (metres) of the person in ``box`` (xyxy px)."""
    import torch
    from mmengine.dataset import Compose, pseudo_collate
    affine = [t for t in model.cfg.test_dataloader.dataset.pipeline if t['type'] == 'TopdownAffine']
    if not affine:
        raise ValueError('the config has no TopdownAffine in test_dataloader.dataset.pipeline: '
                         'cannot tell the input size')
    input_size = affine[0]['input_size']
    pipeline = Compose([dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.25),
                        dict(type='TopdownAffine', input_size=input_size),
                        dict(type='PackPoseInputs', meta_keys=('id', 'img_id', 'img_path',
                                                               'input_size', 'input_center',
                                                               'input_scale'))])
    data = pipeline(dict(img=image, bbox=box[None].astype(np.float32),
                         bbox_score=np.ones(1, np.float32), **model.dataset_meta))
    with torch.no_grad():
        result = model.test_step(pseudo_collate([data]))[0]
    return np.asarray(result.pred_instances.keypoints[0], dtype=np.float64)


def overlay_2d(pose: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(J, 2) pixels: the orthographic projection of ``pose`` fitted into ``box``."""
    xy = pose[:, :2] - pose[:, :2].mean(0)
    extent = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-6)
    side = min(box[2] - box[0], box[3] - box[1]) * 0.9
    return xy / extent * side + (box[:2] + box[2:]) / 2


def save_picture(path: str, image: np.ndarray, pose: np.ndarray, box: np.ndarray) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from epipolar_plugin.visualization.skeleton_plot import (H36M_PARENTS, draw_skeleton,
                                                             set_equal_box)
    points = overlay_2d(pose, box)
    figure = plt.figure(figsize=(9, 4.5))
    ax = figure.add_subplot(1, 2, 1)
    ax.imshow(image[..., ::-1])
    ax.add_patch(plt.Rectangle(box[:2], *(box[2:] - box[:2]), fill=False, color='y', lw=1))
    for joint, parent in enumerate(H36M_PARENTS):
        if parent >= 0:
            side = 'tab:blue' if joint in (4, 5, 6, 11, 12, 13) else 'tab:red'
            ax.plot(*points[[parent, joint]].T, color=side, lw=2)
    ax.set_title('input (3D pose projected into the box)')
    ax.axis('off')
    ax3d = figure.add_subplot(1, 2, 2, projection='3d')
    draw_skeleton(ax3d, pose, colour='tab:green', label='prediction')
    set_equal_box(ax3d, [pose])
    ax3d.view_init(elev=12, azim=-70)
    ax3d.set_title('3D pose (camera frame, metres)')
    ax3d.set_xlabel('x')
    ax3d.set_ylabel('z (depth)')
    ax3d.set_zlabel('-y')
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main():
    args = parse_args()
    import cv2
    from mmpose.apis import init_model
    image = cv2.imread(args.image)
    if image is None:
        raise SystemExit(f'cannot read image: {args.image}')
    height, width = image.shape[:2]
    box = np.array(args.box if args.box else [0, 0, width, height], dtype=np.float64)
    if not (box[2] > box[0] and box[3] > box[1]):
        raise SystemExit(f'--box must be X1 Y1 X2 Y2 with X2 > X1 and Y2 > Y1, got {list(box)}')
    model = init_model(args.config, args.checkpoint, device=args.device)
    pose = predict_3d(model, image, box)
    save_picture(args.out, image, pose, box)
    names = model.dataset_meta.get('keypoint_id2name', {})
    joints = {names.get(j, str(j)): [round(float(c), 4) for c in pose[j]]
              for j in range(len(pose))}
    with open(osp.splitext(args.out)[0] + '.json', 'w') as file:
        json.dump(dict(image=args.image, box=box.tolist(), unit='metres, root-relative, camera '
                       'frame (x right, y down, z forward)', joints=joints), file, indent=1)
    print(f'wrote {args.out} and {osp.splitext(args.out)[0]}.json; 3D joints (m):')
    for name, xyz in joints.items():
        print(f'  {name:>12s}  {xyz}')


if __name__ == '__main__':
    main()
