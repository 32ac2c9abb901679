# EpipolarPose's optimisation (Kocabas et al. 2019, as Sun et al. 2018): Adam, lr 1e-3, batch 32,
# the lr times 0.1 at epochs 90 and 120 of 140. The number of epochs is the train loop's
# (train_cfg = dict(max_epochs=..., val_interval=...)), which each recipe sets next to its
# milestones: MMPose's default runtime already defines the loops (train_cfg by epoch, empty
# val_cfg / test_cfg) and MMEngine lets no two bases of one config define the same key.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[90, 120], gamma=0.1)]
auto_scale_lr = dict(base_batch_size=32)   # tools/train.py --auto-scale-lr: lr x batch / 32
