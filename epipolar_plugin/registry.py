"""The names this plugin adds to MMPose's registries (checked by the tests).

Each entry: registry name in ``mmpose.registry`` -> the class names registered into it when
``epipolar_plugin`` is imported (e.g. through a config's ``custom_imports``).
"""
REGISTERED_COMPONENTS = {
    'DATASETS': ('MultiViewH36MDataset', 'MultiViewMPIINF3DHPDataset', 'MultiViewFolderDataset'),
    'TRANSFORMS': ('EpipolarPseudoLabel', 'ProjectTarget3D', 'CropRotation3D', 'FlipTarget3D',
                   'AttachImagePrediction', 'RefinementInput'),
    'MODELS': ('Integral3DHead', 'EpipolarPoseEstimator'),
    'KEYPOINT_CODECS': ('PixelDepthVolumeLabel', 'IntegralVolumeLabel'),
    'METRICS': ('PSSMetric', ),
}
