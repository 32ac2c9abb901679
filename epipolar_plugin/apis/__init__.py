"""High-level entry points: the 2D front end for real images."""
from .keypoints_2d import (detect_multiview_keypoints, folder_views, h36m_layout_views,
                           to_h36m_joints)

__all__ = ['detect_multiview_keypoints', 'folder_views', 'h36m_layout_views', 'to_h36m_joints']
