"""MediaPipe BlazePose (legacy ``solutions.pose``), offline.

``mediapipe==0.10.21`` ships the *full* landmark model in its wheel; the *lite* and *heavy*
models come from the npm package ``@mediapipe/pose`` and are put beside it by ``make models``.
A missing model is reported with that command — never downloaded at run time.

With ``segmentation=True`` the person mask is read where the landmark model makes it: a 256x256
crop around the person (:func:`roi_mask_graph`), not the full-frame copy that
``solutions.pose`` warps it into. The trunk profile is measured on that crop through the crop's
placement in the frame (:func:`roi_to_mask`), which gives the same edges as the full-frame mask
(to a few hundredths of a pixel, checked in ``tests/test_pose_segmentation.py``) at a fraction
of the cost, and a cost that no longer grows with the video's resolution (docs/back.md).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.track.skeletons import BLAZEPOSE33
from hingecoach.errors import HingeError
from hingecoach.pose.estimator import FramePose

MODELS = {"lite": 0, "full": 1, "heavy": 2}
#: Side of the landmark model's square input crop, which its person mask shares (pixels).
ROI_SIZE = 256
#: Graph output names of the crop's mask and its placement (added by :func:`roi_mask_graph`).
ROI_MASK_STREAM = "roi_segmentation_mask"
ROI_STREAM = "pose_rect"

# Keep mediapipe's C++ log lines off the user's terminal (read when mediapipe loads).
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def model_path(model: str) -> Path:
    """Where mediapipe looks for a landmark model variant."""
    import mediapipe

    root = Path(mediapipe.__file__).parent
    return root / "modules" / "pose_landmark" / f"pose_landmark_{model}.tflite"


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence what TensorFlow Lite and glog write straight to file descriptor 2 while the
    graph starts (their INFO/WARNING lines are not for the lifter)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _stream_name(spec: str) -> str:
    """``TAG:index:name`` → ``name``."""
    return spec.rsplit(":", 1)[-1]


def roi_mask_graph() -> Any:
    """The BlazePose CPU graph of ``solutions.pose``, with its person mask taken at the crop.

    The stock graph (``pose_landmark_cpu.binarypb``, expanded into its calculators) decodes the
    landmark model's mask on its 256x256 input crop, then warps it into a full-frame image and
    copies that out: work that grows with the frame and that the trunk profile does not need.
    Here the crop's mask (``roi_segmentation_mask``) and the crop's placement (``pose_rect``, the
    ROI the landmarks of the same frame came from) become outputs, and every calculator that
    only served the full-frame mask is dropped (those no graph output depends on). The landmark
    calculators are untouched, so the landmarks are the stock graph's, bit for bit.
    """
    import mediapipe
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import validated_graph_config

    binary = Path(mediapipe.__file__).parent / "modules" / "pose_landmark" / "pose_landmark_cpu.binarypb"
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(binary_graph_path=str(binary))
    cfg = calculator_pb2.CalculatorGraphConfig()
    cfg.ParseFromString(validated.binary_config)  # subgraphs expanded, node names kept
    roi_mask = next(_stream_name(s) for n in cfg.node if n.calculator == "TensorsToSegmentationCalculator"
                    for s in n.output_stream)
    tap = cfg.node.add()
    tap.calculator = "FromImageCalculator"
    tap.input_stream.append(f"IMAGE:{roi_mask}")
    tap.output_stream.append(f"IMAGE_CPU:{ROI_MASK_STREAM}")
    outputs = [s for s in cfg.output_stream if not s.startswith("SEGMENTATION_MASK:")]
    outputs += [f"ROI_SEGMENTATION_MASK:{ROI_MASK_STREAM}", f"ROI:{ROI_STREAM}"]
    del cfg.output_stream[:]
    cfg.output_stream.extend(outputs)
    # Keep what the outputs depend on (back from them through the node that makes each stream);
    # nodes that make side packets (models, constants) stay.
    producer = {_stream_name(s): i for i, n in enumerate(cfg.node) for s in n.output_stream}
    live = {i for i, n in enumerate(cfg.node) if n.output_side_packet}
    todo = [_stream_name(s) for s in outputs] + [_stream_name(s) for i in live for s in cfg.node[i].input_stream]
    while todo:
        i = producer.get(todo.pop(), -1)
        if i >= 0 and i not in live:
            live.add(i)
            todo += [_stream_name(s) for s in cfg.node[i].input_stream]
    kept = [n for i, n in enumerate(cfg.node) if i in live]
    del cfg.node[:]
    cfg.node.extend(kept)
    used = {_stream_name(s) for n in kept for s in n.input_side_packet}
    sides = [s for s in cfg.input_side_packet if _stream_name(s) in used]
    del cfg.input_side_packet[:]
    cfg.input_side_packet.extend(sides)
    return cfg


def roi_to_mask(rect: Any, image_size: tuple[int, int], size: int = ROI_SIZE) -> np.ndarray:
    """Affine map (2, 3) from frame pixels to the pixels of the landmark model's crop.

    ``rect`` is the crop's ``NormalizedRect`` (centre and size in frame fractions, rotation in
    radians, clockwise on the screen). As MediaPipe's ImageToTensorCalculator does, the rect is
    padded to a square (the model's aspect, ``keep_aspect_ratio``) whose corners go to the
    crop's corners: ``crop = size/side · R(−rotation) · (p − centre) + size/2``.
    """
    w, h = image_size
    cx, cy = rect.x_center * w, rect.y_center * h
    k = size / max(rect.width * w, rect.height * h)
    c, s = k * math.cos(rect.rotation), k * math.sin(rect.rotation)
    return np.array([[c, s, size / 2.0 - c * cx - s * cy],
                     [-s, c, size / 2.0 + s * cx - c * cy]])


def _roi_mask_pose(complexity: int, min_detection: float, min_tracking: float) -> Any:
    """A ``solutions.pose.Pose`` look-alike on :func:`roi_mask_graph` (tracking mode)."""
    from mediapipe.python.solution_base import SolutionBase

    class RoiMaskPose(SolutionBase):  # type: ignore[misc]
        def process(self, image: np.ndarray) -> Any:
            return super().process(input_data={"image": image})

    return RoiMaskPose(
        graph_config=roi_mask_graph(),
        side_inputs={"model_complexity": complexity, "smooth_landmarks": False,
                     "enable_segmentation": True, "use_prev_landmarks": True},
        # The same knobs solutions.pose.Pose sets, by the same node names.
        calculator_params={
            "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": min_detection,
            "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__ThresholdingCalculator"
            ".threshold": min_tracking},
        outputs=["pose_landmarks", "pose_world_landmarks", ROI_MASK_STREAM, ROI_STREAM])


class MediaPipePose:
    """BlazePose in tracking mode: one person, 33 landmarks, image and world coordinates."""

    skeleton = "blazepose33"
    keypoints = BLAZEPOSE33

    def __init__(self, model: str = "full", segmentation: bool = False) -> None:
        if model not in MODELS:
            raise HingeError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
        if not model_path(model).exists():
            raise HingeError(f"the BlazePose {model} model is not installed; run `make models`")
        try:
            from mediapipe.python.solutions import pose as mp_pose
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise HingeError(f"mediapipe is not installed ({exc}); run `make venv`") from None
        self.model = f"blazepose-{model}"
        # The person mask is reduced to a trunk profile per frame and dropped (memory stays flat).
        self.segmentation = segmentation
        self._warmup = 10  # frames with a person still run quietly
        with _quiet_native_stderr():
            if segmentation:
                self._pose = _roi_mask_pose(MODELS[model], 0.5, 0.5)
            else:
                self._pose = mp_pose.Pose(static_image_mode=False, model_complexity=MODELS[model],
                                          smooth_landmarks=False, enable_segmentation=False,
                                          min_detection_confidence=0.5, min_tracking_confidence=0.5)

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        """Landmarks of the most prominent person in one RGB frame."""
        h, w = rgb.shape[:2]
        if self._warmup > 0:
            # The first inferences (detector, then landmarks once a person is seen) initialise
            # delegates that log on the native stderr.
            with _quiet_native_stderr():
                res = self._pose.process(rgb)
            if res.pose_landmarks is not None:
                self._warmup -= 1
        else:
            res = self._pose.process(rgb)
        k = len(BLAZEPOSE33)
        if res.pose_landmarks is None:
            return FramePose(xy=np.full((k, 2), np.nan), confidence=np.zeros(k), world=None, people=0)
        lm = res.pose_landmarks.landmark
        xy = np.array([[p.x * w, p.y * h] for p in lm])
        conf = np.array([p.visibility for p in lm])
        world = None
        if res.pose_world_landmarks is not None:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark])
        profile = None
        if self.segmentation:
            mask, rect = getattr(res, ROI_MASK_STREAM), getattr(res, ROI_STREAM)
            if mask is not None and rect is not None:
                from hingecoach.pose.silhouette import profile_from_landmarks

                profile = profile_from_landmarks(mask, xy, BLAZEPOSE33, to_mask=roi_to_mask(rect, (w, h)),
                                                 image_size=(w, h))
        return FramePose(xy=xy, confidence=conf, world=world, people=1, profile=profile)

    def close(self) -> None:
        """Release the graph."""
        self._pose.close()
