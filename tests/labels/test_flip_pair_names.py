"""Left/right joint pairs from the common joint-naming schemes, and the choice of pairs when a
keypoints file names its joints or not."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epipolar_plugin.labels.swaps import (H36M_FLIP_PAIRS, flip_pairs_from_names, joint_side,
                                          resolve_flip_pairs)
from epipolar_plugin.synthetic import JOINT_NAMES

COCO_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
              'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
              'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
OPENPOSE_BODY_25 = ('Nose', 'Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder', 'LElbow',
                    'LWrist', 'MidHip', 'RHip', 'RKnee', 'RAnkle', 'LHip', 'LKnee', 'LAnkle',
                    'REye', 'LEye', 'REar', 'LEar', 'LBigToe', 'LSmallToe', 'LHeel', 'RBigToe',
                    'RSmallToe', 'RHeel', 'Background')

# a body part as words, and the joint name of each naming scheme for (side, words)
PARTS = (('hip', ), ('knee', ), ('ankle', ), ('shoulder', ), ('elbow', ), ('wrist', ),
         ('eye', ), ('ear', ), ('big', 'toe'), ('small', 'toe'), ('heel', ), ('hand', ),
         ('up', 'leg'), ('fore', 'arm'))
CENTRES = ('pelvis', 'neck', 'nose', 'head_top', 'spine', 'thorax', 'root', 'lower_back',
           'MidHip', 'Background', 'jaw')
SCHEMES = {
    'left_hip': lambda side, words: '_'.join((side, ) + words),
    'l_hip': lambda side, words: '_'.join((side[0], ) + words),
    'hip_l': lambda side, words: '_'.join(words + (side[0], )),
    'LHip': lambda side, words: side[0].upper() + ''.join(w.title() for w in words),
    'leftHip': lambda side, words: side + ''.join(w.title() for w in words),
    'Left Hip': lambda side, words: ' '.join((side.title(), ) + tuple(w.title() for w in words)),
    'lhip': lambda side, words: side[0] + ''.join(words),
    'lefthip': lambda side, words: side + ''.join(words),
    'Hip.L': lambda side, words: ''.join(w.title() for w in words) + '.' + side[0].upper(),
    'LHIP': lambda side, words: (side[0] + ''.join(words)).upper(),
    'mixamorig:LeftUpLeg': lambda side, words: 'mixamorig:' + side.title() + ''.join(
        w.title() for w in words),
}


@pytest.mark.parametrize('scheme', sorted(SCHEMES))
def test_every_scheme_pairs_hips_and_shoulders(scheme):
    name = SCHEMES[scheme]
    names = ['pelvis', name('right', ('hip', )), name('left', ('hip', )), 'neck',
             name('left', ('shoulder', )), name('right', ('shoulder', ))]
    assert flip_pairs_from_names(names) == ((2, 1), (4, 5)), names


def test_known_joint_sets():
    assert flip_pairs_from_names(JOINT_NAMES) == H36M_FLIP_PAIRS
    assert flip_pairs_from_names(COCO_NAMES) == tuple((i, i + 1) for i in range(1, 17, 2))
    pairs = flip_pairs_from_names(OPENPOSE_BODY_25)
    named = {(OPENPOSE_BODY_25[a], OPENPOSE_BODY_25[b]) for a, b in pairs}
    assert named == {('LShoulder', 'RShoulder'), ('LElbow', 'RElbow'), ('LWrist', 'RWrist'),
                     ('LHip', 'RHip'), ('LKnee', 'RKnee'), ('LAnkle', 'RAnkle'),
                     ('LEye', 'REye'), ('LEar', 'REar'), ('LBigToe', 'RBigToe'),
                     ('LSmallToe', 'RSmallToe'), ('LHeel', 'RHeel')}
    assert joint_side('LShoulder') == ('left', 'shoulder')
    assert joint_side('RBigToe') == ('right', 'big_toe')
    assert joint_side('MidHip') == (None, 'mid_hip')


def test_no_pair_from_unsided_or_ambiguous_names():
    assert flip_pairs_from_names(['pelvis', 'neck', 'head', 'L1', 'L2', 'R1']) == ()
    # two left hips: which one is the right hip's partner is unknown
    assert flip_pairs_from_names(['left_hip', 'l_hip', 'right_hip', 'left_knee',
                                  'right_knee']) == ((3, 4), )


@settings(max_examples=200, deadline=None)
@given(scheme=st.sampled_from(sorted(SCHEMES)),
       parts=st.lists(st.sampled_from(PARTS), unique=True, max_size=len(PARTS)),
       centres=st.lists(st.sampled_from(CENTRES), unique=True),
       seed=st.integers(0, 2**16))
def test_pairs_are_exactly_the_sided_parts_in_any_order(scheme, parts, centres, seed):
    joints = [('left', p) for p in parts] + [('right', p) for p in parts] + [
        (None, c) for c in centres]
    random.Random(seed).shuffle(joints)
    names = [what if side is None else SCHEMES[scheme](side, what) for side, what in joints]
    index = {joint: i for i, joint in enumerate(joints)}
    expected = tuple(sorted((index[('left', p)], index[('right', p)]) for p in parts))
    assert flip_pairs_from_names(names) == expected, names


def test_resolve_flip_pairs_says_where_the_pairs_come_from(recwarn):
    pairs, note = resolve_flip_pairs(OPENPOSE_BODY_25, 26, 'rig.npz')
    assert len(pairs) == 11 and 'LShoulder/RShoulder' in note and 'rig.npz' in note
    pairs, note = resolve_flip_pairs(None, 17, 'kp.npz')
    assert pairs == H36M_FLIP_PAIRS and "Human3.6M's order" in note and 'kp.npz' in note
    pairs, note = resolve_flip_pairs(None, 14, 'kp.npz')
    assert pairs == () and 'swap handling is off' in note
    assert not recwarn.list
    with pytest.warns(UserWarning, match=r"no left/right pair .* kp\.npz \(\['a', 'b', 'c'\]\)"):
        pairs, note = resolve_flip_pairs(['a', 'b', 'c'], 3, 'kp.npz')
    assert pairs == () and 'swap handling is off' in note
    with pytest.raises(ValueError, match='2 joint names for 3 joints'):
        resolve_flip_pairs(['a', 'b'], 3, 'kp.npz')
