"""3D predictions of an image model for every sample of a split (the refinement unit's input).

    python tools/predict_3d.py CONFIG CHECKPOINT OUT.npz [--ann-file annotation_body3d/fps10/h36m_train.npz]

Runs the config's test dataset (or the same dataset on ``--ann-file``) with the 3D ground truth
switched off (``load_ground_truth=False``: this also works on splits without it) and writes
``ids`` (N,), ``img_paths`` (N,) and ``keypoints_3d`` (N, J, 3), root-relative camera-frame
joints as the model decodes them.
"""
import argparse

import numpy as np
import torch
from tqdm import tqdm

from epipolar_plugin.fileio import save_npz


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('output')
    parser.add_argument('--ann-file', help="replaces the test dataset's ann_file (relative to "
                        'its data_root)')
    parser.add_argument('--frame-step', type=int, default=1, help='every n-th frame (default '
                        "1: all samples, whatever the config's test split uses)")
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from mmpose.apis import init_model
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    loader = cfg.test_dataloader.copy()
    dataset = loader.dataset
    dataset.update(load_ground_truth=False, test_mode=True, frame_step=args.frame_step)
    if args.ann_file:
        dataset.ann_file = args.ann_file
    # no ground truth here: drop the steps that only make training labels from it
    dataset.pipeline = [t for t in dataset.pipeline
                        if t['type'] not in ('ProjectTarget3D', 'GenerateTarget')]
    loader.update(batch_size=args.batch_size, num_workers=0, persistent_workers=False)
    model = init_model(cfg, args.checkpoint, device=args.device)
    data_loader = Runner.build_dataloader(loader)
    ids, paths, poses = [], [], []
    with torch.no_grad():
        for batch in tqdm(data_loader, desc='3D predictions', unit='batch'):
            for sample in model.test_step(batch):
                ids.append(int(sample.metainfo['id']))
                paths.append(sample.metainfo['img_path'])
                poses.append(np.asarray(sample.pred_instances.keypoints[0], np.float32))
    output = save_npz(args.output, dict(ids=np.array(ids), img_paths=np.array(paths),
                                        keypoints_3d=np.stack(poses)))
    print(f'wrote {output}: {len(ids)} samples')


if __name__ == '__main__':
    main()
