"""High-level entry points: the 2D front end for real images."""
from .keypoints_2d import (LAYOUTS, annotation_keypoints, annotation_views,
                           detect_multiview_keypoints, folder_views, to_h36m_joints)

__all__ = ['LAYOUTS', 'annotation_keypoints', 'annotation_views', 'detect_multiview_keypoints',
           'folder_views', 'to_h36m_joints']
