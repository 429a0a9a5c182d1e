"""Skeleton definitions: the keypoint names of each pose format and how they map to ours.

The analysis works on a fixed set of named joints (:data:`JOINTS`, COCO names plus heels and
toes). Each foreign skeleton lists its own keypoint names; :func:`joint_index` finds a joint in
it, so a skeleton that lacks a joint (COCO-17 has no heels) simply yields NaN for it.
"""

from __future__ import annotations

from hingecoach.errors import HingeError

#: The joints the analysis uses, in this order, for the project's own track format.
JOINTS: tuple[str, ...] = (
    "nose",
    "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)

COCO17: tuple[str, ...] = JOINTS[:17]

BLAZEPOSE33: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)

#: OpenPose BODY_25 keypoint order, renamed to our joint names where they coincide.
OPENPOSE25: tuple[str, ...] = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
    "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear", "left_foot_index",
    "left_small_toe", "left_heel", "right_foot_index", "right_small_toe", "right_heel",
)

#: OpenPose COCO-18 (the older body model), same renaming.
OPENPOSE18: tuple[str, ...] = OPENPOSE25[:8] + (
    "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)

#: A Kinect export of 16 joints (1-based ids in the file), as the deadlift set in
#: ../shared/data/keypoints/kinect-deadlift-goodbad stores them. Its source documents no joint
#: order; this one is read off the data: the highest point, then down the body, each pair
#: lateral to the other by a shoulder's, hip's, knee's width (id 1 head, 2 shoulder centre,
#: 3 spine, 4/5 shoulders, 6/7 hands, 8 hip centre, 9/10 hips, 11/12 knees, 13/14 ankles,
#: 15/16 feet). Which of a pair is the left one does not matter to a side view.
KINECT16: tuple[str, ...] = (
    "head", "shoulder_center", "spine", "left_shoulder", "right_shoulder", "left_wrist", "right_wrist",
    "hip_center", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_foot_index", "right_foot_index",
)

SKELETONS: dict[str, tuple[str, ...]] = {
    "hinge21": JOINTS,
    "coco17": COCO17,
    "blazepose33": BLAZEPOSE33,
    "openpose25": OPENPOSE25,
    "openpose18": OPENPOSE18,
    "kinect16": KINECT16,
}

#: Pairs drawn as the skeleton's bones (by joint name).
BONES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)


def skeleton_names(skeleton: str) -> tuple[str, ...]:
    """Return the keypoint names of a skeleton by its registry name.

    Raises
    ------
    HingeError
        If the skeleton is unknown; the message lists the known ones.
    """
    try:
        return SKELETONS[skeleton]
    except KeyError:
        known = ", ".join(sorted(SKELETONS))
        raise HingeError(f"unknown skeleton {skeleton!r}; known skeletons: {known}") from None
