"""``EpipolarPoseEstimator``: MMPose's top-down estimator with 3D predictions kept as they are."""
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS


@MODELS.register_module()
class EpipolarPoseEstimator(TopdownPoseEstimator):
    """A ``TopdownPoseEstimator`` whose predictions are root-relative 3D keypoints.

    The parent maps predicted x, y from the input crop back to image pixels; 3D keypoints in
    the camera frame must not be moved, so this override only attaches the predictions (as
    MMPose's ``projects/rtmpose3d`` estimator does).
    """

    def add_pred_to_datasample(self, batch_pred_instances, batch_pred_fields,
                               batch_data_samples):
        for pred_instances, data_sample in zip(batch_pred_instances, batch_data_samples):
            pred_instances.keypoints_visible = pred_instances.keypoint_scores
            data_sample.pred_instances = pred_instances
        return batch_data_samples
