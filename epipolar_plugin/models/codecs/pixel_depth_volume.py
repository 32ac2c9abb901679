"""``PixelDepthVolumeLabel``: 3D poses <-> (crop pixel, relative depth) volumetric coordinates."""
from typing import Optional, Tuple

import numpy as np

from mmpose.registry import KEYPOINT_CODECS
from ...geometry.align import pose_size
from ...geometry.camera import pixel_to_normalized, view_camera
from .integral_volume import IntegralVolumeLabel


@KEYPOINT_CODECS.register_module()
class PixelDepthVolumeLabel(IntegralVolumeLabel):
    r"""Encode 3D poses as the volume coordinates of integral regression (Sun et al. 2018, the
    EpipolarPose network): x, y where the joint is in the input crop, z its depth relative to
    the root, in the same units. The cube, ``pose_size`` and the output keys are those of
    ``IntegralVolumeLabel``; only the axes differ (that codec's are the camera's, not the image's).

    Note:
        - instance number: N
        - keypoint number: K

    Encoding: ``x, y = crop pixel / input size - 0.5`` from the 2D keypoints that MMPose's
    transforms carried into the crop (``transformed_keypoints``: ``ProjectTarget3D`` sets the
    sample's keypoints to the projection of its 3D target, so flips, rotations and crops stay
    consistent); ``z = fx (Z - Z_root) / (Z_root * s)``: the joint's depth offset as the number
    of crop widths it would span if it were sideways (``s``: the crop's width in image pixels,
    ``input_scale``; ``fx``: the camera's focal length, pixels). The ratio ``Z / Z_root`` is
    scale-free, so pseudo labels of unknown scale and metric ground truth give the same label.
    Joints outside the cube [-0.5, 0.5]^3 that the head's soft-argmax spans (outside the crop, or
    deeper than about +-1 m for a crop 2 m wide) get weight 0, as in MMPose's 2D codecs; labels
    are clipped to the cube. The crop is MMPose's ``TopdownAffine`` without UDP
    (``use_udp=False``, the default), whose pixel convention encode and decode share.

    Decoding (needs ``input_center``, ``input_scale`` and the camera, ``intrinsics`` /
    ``distortion`` / ``reference_view`` of the sample's metainfo): the pixel of each joint, its
    ray ``K^-1 (u, v, 1)`` (undistorted), and its depth ``Z / Z_root = 1 + z s / fx`` give the
    pose up to the root's distance, exact under perspective; it is made root-relative and
    scaled to size ``pose_size`` (metres; a single image does not show a person's scale).
    Without the camera in the metainfo it falls back to orthographic rays (weak perspective).

    Encoded:
        - lifting_target_label (np.ndarray): (N, K, 3) volume coordinates in [-0.5, 0.5]
        - lifting_target_weight (np.ndarray): (N, K) 1 for valid joints, else 0
        - lifting_target (np.ndarray): (N, K, 3) the input target, passed through
        - lifting_target_visible (np.ndarray): (N, K)

    Args:
        pose_size (float): decoded size of a pose (Frobenius norm of the root-relative joints
            times sqrt(K / valid)), metres. Default 1.9: Human3.6M-like poses, 17 joints.
        root_index (int): the root joint. Default 0.
    """
    auxiliary_encode_keys = {'lifting_target', 'lifting_target_visible', 'lifting_target_root',
                             'input_size', 'input_scale', 'intrinsics', 'reference_view'}

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None,
               lifting_target: Optional[np.ndarray] = None,
               lifting_target_visible: Optional[np.ndarray] = None,
               lifting_target_root: Optional[np.ndarray] = None,
               input_size: Optional[Tuple[int, int]] = None,
               input_scale: Optional[np.ndarray] = None,
               intrinsics: Optional[np.ndarray] = None,
               reference_view: Optional[int] = None) -> dict:
        """Args: keypoints (N, K, 2) crop pixels; lifting_target (N, K, 3) root-relative,
        camera frame; lifting_target_root (N, 3) or (3,) the root in the camera frame (same
        unit); input_size (w, h); input_scale (2,) crop size in image pixels; intrinsics (3, 3)
        or (V, 3, 3) with ``reference_view`` the sample's camera."""
        missing = [name for name, value in (
            ('lifting_target', lifting_target), ('lifting_target_root', lifting_target_root),
            ('input_size', input_size), ('input_scale', input_scale),
            ('intrinsics', intrinsics)) if value is None]
        if missing:
            raise KeyError(f'PixelDepthVolumeLabel needs {missing} in the sample (the 3D target '
                           'from the dataset or EpipolarPseudoLabel, ProjectTarget3D before '
                           'the crop, TopdownAffine)')
        target = np.asarray(lifting_target, dtype=np.float64).reshape(-1, *np.shape(
            lifting_target)[-2:])
        num, joints = target.shape[:2]
        root = np.asarray(lifting_target_root, dtype=np.float64).reshape(-1, 3)
        pixels = np.asarray(keypoints, dtype=np.float64)[..., :2].reshape(num, joints, 2)
        visible = (np.ones((num, joints)) if lifting_target_visible is None else
                   np.asarray(lifting_target_visible, dtype=np.float64).reshape(num, joints))
        if keypoints_visible is not None:
            visible = visible * np.asarray(keypoints_visible, dtype=np.float64).reshape(
                num, joints)
        focal = view_camera(intrinsics, None, reference_view)[0][0, 0]
        crop_width = float(np.ravel(input_scale)[0])
        depth = root[:, None, 2] + target[..., 2]                            # (N, K)
        valid = (visible > 0) & np.all(np.isfinite(target), -1) & np.all(np.isfinite(pixels), -1)
        valid &= (root[:, None, 2] > 0) & (depth > 0)
        valid &= valid[:, self.root_index:self.root_index + 1]
        size = np.asarray(input_size, dtype=np.float64).reshape(2)
        label = np.empty((num, joints, 3))
        label[..., :2] = pixels / size - 0.5
        label[..., 2] = (depth / np.where(root[:, None, 2] > 0, root[:, None, 2], 1.0) - 1.0) \
            * focal / crop_width
        valid &= np.all(np.abs(label) <= 0.5, axis=-1)
        label = np.where(valid[..., None], label, 0.0)
        return dict(lifting_target_label=np.clip(label, -0.5, 0.5).astype(np.float32),
                    lifting_target_weight=valid.astype(np.float32), lifting_target=lifting_target,
                    lifting_target_visible=visible.astype(np.float32))

    def decode(self, encoded: np.ndarray, metainfo: Optional[dict] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """(N, K, 3) volume coordinates of one sample's crop -> (N, K, 3) root-relative camera-
        frame keypoints (metres, size ``pose_size``) and (N, K) scores of 1.

        ``metainfo``: ``input_center`` and ``input_scale`` (the crop, image pixels) and
        optionally ``intrinsics`` (3, 3) or (V, 3, 3) with ``reference_view``, ``distortion``.
        """
        coords = np.asarray(encoded, dtype=np.float64)
        metainfo = metainfo or {}
        if 'input_center' not in metainfo or 'input_scale' not in metainfo:
            raise KeyError('PixelDepthVolumeLabel.decode needs input_center and input_scale in '
                           "the metainfo (PackPoseInputs' meta_keys)")
        center = np.asarray(metainfo['input_center'], dtype=np.float64).reshape(2)
        scale = np.asarray(metainfo['input_scale'], dtype=np.float64).reshape(2)
        if metainfo.get('intrinsics') is None:
            points = coords * np.array([1.0, scale[1] / scale[0], 1.0])     # weak perspective
        else:
            matrix, distortion = view_camera(metainfo['intrinsics'], metainfo.get('distortion'),
                                             metainfo.get('reference_view'))
            rays = pixel_to_normalized(center + coords[..., :2] * scale, matrix, distortion)
            ratio = 1.0 + coords[..., 2:] * scale[0] / matrix[0, 0]          # Z / Z_root
            points = np.concatenate([rays, np.ones_like(ratio)], -1) * np.maximum(ratio, 1e-3)
        relative = points - points[:, self.root_index:self.root_index + 1]
        size = pose_size(relative, np.ones(relative.shape[:2], bool))
        keypoints = relative * (self.pose_size / np.maximum(size, 1e-9))[:, None, None]
        return keypoints, np.ones(keypoints.shape[:2], dtype=np.float32)
