"""Cost of the EpipolarPseudoLabel transform against a training iteration, measured in one run.

    python tools/benchmark_transform.py [CONFIG] [--samples 512] [--iterations 10]

Times, side by side: the full training data pipeline per sample with the transform reading the
pooled pseudo labels (``precomputed``), the same pipeline with the transform removed and the
target already in the sample (the precomputed-target baseline), the transform alone in its
``per_frame`` mode (the paper's route, solved per sample), and one training iteration of the
config's model. Prints the transform's overhead as a percentage of a training iteration.
"""
import argparse
import copy
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmpose.registry import DATASETS, MODELS, TRANSFORMS


def per_sample_seconds(dataset, indices, repeats=2):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for index in indices:
            dataset[index]
        best = min(best, (time.perf_counter() - start) / len(indices))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', nargs='?', default='configs/epipolar_synthetic.py')
    parser.add_argument('--samples', type=int, default=512)
    parser.add_argument('--iterations', type=int, default=10)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.serialize_data = False             # both datasets alike; lets us edit samples
    with_transform = DATASETS.build(dataset_cfg)
    indices = np.random.default_rng(0).choice(len(with_transform), args.samples, replace=False)

    # baseline: targets put into the samples beforehand, pipeline without the transform
    baseline_cfg = copy.deepcopy(dataset_cfg)
    transform_cfg = [t for t in baseline_cfg.pipeline if t.type == 'EpipolarPseudoLabel'][0]
    baseline_cfg.pipeline = [t for t in baseline_cfg.pipeline if t.type != 'EpipolarPseudoLabel']
    baseline = DATASETS.build(baseline_cfg)
    transform = TRANSFORMS.build(transform_cfg)
    for index in range(len(baseline)):
        info = baseline.get_data_info(index)
        baseline.data_list[index].update(
            {k: transform(dict(info))[k]
             for k in ('lifting_target', 'lifting_target_visible', 'lifting_target_root')})

    per_frame = TRANSFORMS.build(dict(transform_cfg, source='per_frame'))
    samples = [with_transform.get_data_info(int(i)) for i in indices[:64]]
    start = time.perf_counter()
    for sample in samples:
        per_frame(dict(sample))
    per_frame_s = (time.perf_counter() - start) / len(samples)

    t_with, t_base = [], []
    for _ in range(2):                                   # interleaved, best of two
        t_with.append(per_sample_seconds(with_transform, indices))
        t_base.append(per_sample_seconds(baseline, indices))
    sample_with, sample_base = min(t_with), min(t_base)

    model = MODELS.build(cfg.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = pseudo_collate([baseline[int(i)] for i in indices[:cfg.train_dataloader.batch_size]])
    times = []
    for _ in range(args.iterations + 2):
        start = time.perf_counter()
        data = model.data_preprocessor(batch, training=True)
        loss = model(**data, mode='loss')['loss_pose3d']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    iteration = float(np.median(times[2:]))
    batch_size = cfg.train_dataloader.batch_size
    extra = max(sample_with - sample_base, 0.0) * batch_size
    print(f'data pipeline per sample: with EpipolarPseudoLabel(precomputed) {1e3 * sample_with:.2f} '
          f'ms, precomputed targets {1e3 * sample_base:.2f} ms '
          f'(ratio {sample_with / sample_base:.3f})')
    print(f"EpipolarPseudoLabel(per_frame), the paper's per-sample solve: {1e3 * per_frame_s:.1f} "
          f'ms per sample')
    print(f'training iteration (batch {batch_size}, model step only): {1e3 * iteration:.0f} ms')
    print(f'transform overhead per iteration: {100 * extra / iteration:.2f}% (precomputed), '
          f'{100 * per_frame_s * batch_size / iteration:.0f}% (per_frame, single worker)')


if __name__ == '__main__':
    main()
