"""The anny body, posed from commanded sagittal angles.

Frames: anny works in its own axes (x = the body's left, y = backward, z = up). Everything
here is in the *body frame* B: x = the body's left, y = up, z = forward (the way the athlete
faces); ``C`` maps anny -> B. Every bone gets a world rotation ``G`` (relative to its rest
orientation) and anny's ``world-orient`` forward kinematics skins the mesh, so the joint
centres (bone heads) move exactly as commanded.

Segment angles follow ``angles.py``: thigh = hip->knee from vertical-down (+ knee ahead of
hip), shin = ankle->knee from vertical-up (+ knee ahead of ankle), trunk = mid-hip ->
mid-shoulder from vertical-up (+ forward). They are set on the sagittal (z, y) projection of
the joint-centre vectors, so the rest pose's small offsets do not leak into the commands.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any

import numpy as np

C = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # anny -> body frame

SIDES = ("L", "R")


def rot_x(deg: float) -> np.ndarray:
    """Pitch: positive tilts the top of a segment forward (+y -> +z)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_z(deg: float) -> np.ndarray:
    """Roll about the forward axis: positive swings a downward vector toward +x (left)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation taking direction a to direction b."""
    a, b = _unit(a), _unit(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if np.linalg.norm(v) < 1e-12:
        if c > 0:
            return np.eye(3)
        axis = _unit(np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0]))
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx * (1.0 / (1.0 + c))


def frame_rotation(d0: np.ndarray, a0: np.ndarray, d1: np.ndarray, a1: np.ndarray) -> np.ndarray:
    """Rotation taking the frame (d0, a0) to (d1, a1); a is orthogonalised against d."""

    def basis(d: np.ndarray, a: np.ndarray) -> np.ndarray:
        d = _unit(d)
        a = _unit(a - np.dot(a, d) * d)
        return np.stack([d, a, np.cross(d, a)], axis=1)

    return basis(d1, a1) @ basis(d0, a0).T


def sagittal_deg_down(v: np.ndarray) -> float:
    """Angle of a downward-pointing vector from vertical-down, + when its end is forward."""
    return float(np.degrees(np.arctan2(v[2], -v[1])))


def sagittal_deg_up(v: np.ndarray) -> float:
    """Angle of an upward-pointing vector from vertical-up, + when its end is forward."""
    return float(np.degrees(np.arctan2(v[2], v[1])))


@functools.lru_cache(maxsize=1)
def _anny_model() -> Any:
    import anny
    import torch

    torch.set_num_threads(1)
    # "lbs" is plain torch: deterministic, and no JIT kernel cache needed.
    return anny.Anny(skinning_method="lbs")


@functools.lru_cache(maxsize=1)
def _coco_regressor() -> Any:
    import anny

    return anny.KeypointsRegressor.coco(_anny_model())


@dataclasses.dataclass
class Pose:
    """One posed frame in the body frame B (metres, y up, floor at y = 0)."""

    vertices: np.ndarray  # (V, 3)
    heads: np.ndarray  # (J, 3) posed bone heads (joint centres)
    coco: np.ndarray  # (K, 3) anny COCO regressor keypoints
    bar: np.ndarray | None  # (3,) bar / handle centre, when held
    spine_flexion_deg: float


class Body:
    """An anny body of one phenotype, with its rest geometry in the body frame."""

    def __init__(self, phenotype: dict[str, float]):
        import torch

        self.phenotype = dict(phenotype)
        self.model = _anny_model()
        self.labels: list[str] = list(self.model.bone_labels)
        self.parents: list[int] = [int(p) for p in self.model.bone_parents]
        self._ph = {k: torch.tensor([float(v)], dtype=self.model.dtype) for k, v in phenotype.items()}
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=self._ph)
        self.rest_R_anny = rest["rest_bone_poses"][0, :, :3, :3].numpy().copy()
        self.rest_heads = rest["rest_bone_heads"][0].numpy() @ C.T
        self.rest_vertices = rest["vertices"][0].numpy() @ C.T
        self.faces = self.model.faces.numpy().astype(np.int64)
        w = self.model.vertex_bone_weights.numpy()
        idx = self.model.vertex_bone_indices.numpy()
        self.vertex_bone = idx[np.arange(len(idx)), np.argmax(w, axis=1)]
        self.coco_labels: list[str] = list(_coco_regressor().labels)
        self._coco_w = _coco_regressor().regression_weights.numpy()
        h = self.head
        # Segment lengths and rest sagittal angles.
        self.thigh_len = float(np.linalg.norm(h("lowerleg01.L") - h("upperleg01.L")))
        self.shin_len = float(np.linalg.norm(h("foot.L") - h("lowerleg01.L")))
        self.upperarm_len = float(np.linalg.norm(h("lowerarm01.L") - h("upperarm01.L")))
        self.forearm_len = float(np.linalg.norm(h("wrist.L") - h("lowerarm01.L")))
        self.arm_len = self.upperarm_len + self.forearm_len
        self.hand_len = float(np.linalg.norm(h("finger3-1.L") - h("wrist.L")))
        # Thickness of the front of the leg from the joint line (for bar contact) and of
        # the knee (for kneeling).
        self.thigh_front = self._front_thickness("upperleg01", "upperleg01", "lowerleg01")
        self.shin_front = self._front_thickness("lowerleg01", "lowerleg01", "foot")
        self.foot_height = float(
            h("foot.L")[1] - self.rest_vertices[self._bone_mask(["foot", "toe"]), 1].min()
        )

    # ---- geometry helpers -------------------------------------------------------------
    def index(self, name: str) -> int:
        return self.labels.index(name)

    def head(self, name: str) -> np.ndarray:
        return self.rest_heads[self.index(name)]

    def _bone_mask(self, prefixes: list[str]) -> np.ndarray:
        names = np.array([any(self.labels[b].startswith(p) for p in prefixes) for b in range(len(self.labels))])
        return names[self.vertex_bone]

    def _front_thickness(self, prefix: str, top: str, bottom: str) -> float:
        a, b = self.head(f"{top}.L"), self.head(f"{bottom}.L")
        mask = self._bone_mask([prefix]) & (self.rest_vertices[:, 0] > 0.02)
        v = self.rest_vertices[mask]
        axis = _unit(b - a)
        rel = v - a
        t = rel @ axis
        keep = (t > 0.15 * np.linalg.norm(b - a)) & (t < 0.85 * np.linalg.norm(b - a))
        perp = rel[keep] - np.outer(t[keep], axis)
        fwd = _unit(np.cross(np.array([1.0, 0.0, 0.0]), axis))  # forward, normal to the segment
        return float(np.percentile(perp @ fwd, 98))

    def group_of_vertex(self) -> np.ndarray:
        """Clothing group per vertex: 0 skin, 1 shirt, 2 shorts, 3 shoes, 4 hair-ish head top."""
        groups = np.zeros(len(self.vertex_bone), dtype=np.int64)
        for b, name in enumerate(self.labels):
            base = name.split(".")[0]
            if base.startswith(("spine", "clavicle", "shoulder01", "upperarm01")):
                g = 1
            elif base.startswith(("root", "pelvis", "upperleg")):
                g = 2
            elif base.startswith(("foot", "toe")):
                g = 3
            else:
                g = 0
            groups[self.vertex_bone == b] = g
        return groups

    # ---- forward kinematics -------------------------------------------------------------
    def fk_heads(self, G: np.ndarray) -> np.ndarray:
        """Posed bone heads for world rotations G (J, 3, 3), root head kept at rest."""
        heads = np.empty_like(self.rest_heads)
        heads[0] = self.rest_heads[0]
        for c in range(1, len(self.labels)):
            p = self.parents[c]
            heads[c] = heads[p] + G[p] @ (self.rest_heads[c] - self.rest_heads[p])
        return heads

    def skin(self, G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Skinned vertices, bone heads and COCO keypoints (body frame, root at rest)."""
        import torch

        G_anny = np.einsum("ji,bjk,kl->bil", C, G, C)  # C^T G C
        D = np.tile(np.eye(4), (len(self.labels), 1, 1))
        D[:, :3, :3] = G_anny @ self.rest_R_anny
        D[0, :3, 3] = self.rest_heads[0] @ C  # back to anny axes
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(D[None], dtype=self.model.dtype),
                phenotype_kwargs=self._ph,
                pose_parameterization="world-orient",
            )
        verts = out["vertices"][0].numpy()
        heads = out["bone_poses"][0, :, :3, 3].numpy()
        coco = self._coco_w @ verts
        return verts @ C.T, heads @ C.T, coco @ C.T

    # ---- posing -------------------------------------------------------------------------
    def solve(self, cmd: dict[str, Any], anchor: dict[str, Any]) -> Pose:
        """Pose the body for one frame's command (see motion.py) and place it on the floor."""
        G, bar = self._rotations(cmd, anchor)
        verts, heads, coco = self.skin(G)
        # Place: the anchor joint (mid-ankles standing, mid-knees kneeling) at the origin
        # in x/z, and the lowest non-hand vertex on the floor.
        if cmd["support"] == "feet":
            ref = 0.5 * (heads[self.index("foot.L")] + heads[self.index("foot.R")])
        else:
            ref = 0.5 * (heads[self.index("lowerleg01.L")] + heads[self.index("lowerleg01.R")])
        hand = self._bone_mask(["wrist", "finger", "metacarpal", "lowerarm"])
        floor = verts[~hand, 1].min()
        shift = np.array([-ref[0], -floor, -ref[2]])
        if bar is not None:
            bar = bar + shift
        return Pose(verts + shift, heads + shift, coco + shift, bar, float(cmd.get("spine_flex_deg", 0.0)))

    def _leg_rotations(self, cmd: dict[str, Any], G: np.ndarray) -> None:
        abd = float(cmd.get("abduction_deg", 0.0))
        for side, sgn in (("L", 1.0), ("R", -1.0)):
            hip, knee, ankle = (self.head(f"{n}.{side}") for n in ("upperleg01", "lowerleg01", "foot"))
            Ra = rot_z(sgn * abd)
            th_rest = sagittal_deg_down(Ra @ (knee - hip))
            G[self.index(f"upperleg01.{side}")] = rot_x(-(cmd["thigh_deg"] - th_rest)) @ Ra
            sh_rest = sagittal_deg_up(Ra @ (knee - ankle))
            G[self.index(f"lowerleg01.{side}")] = rot_x(cmd["shin_deg"] - sh_rest) @ Ra
            G[self.index(f"foot.{side}")] = rot_x(float(cmd.get("foot_pitch_deg", 0.0)))

    def _trunk_rotations(self, trunk_deg: float, spine_flex_deg: float, G: np.ndarray) -> None:
        """Pelvis pitch P and spine flexion F so that the mid-hip -> mid-shoulder chord is
        inclined trunk_deg. The chord turns with P exactly; F's share is measured by FK."""
        spine = ["spine05", "spine04", "spine03", "spine02", "spine01", "neck01"]

        def apply(P: float) -> None:
            for b in ("root", "pelvis.L", "pelvis.R"):
                G[self.index(b)] = rot_x(P)
            for i, b in enumerate(spine):
                G[self.index(b)] = rot_x(P + spine_flex_deg * i / (len(spine) - 1))

        apply(0.0)
        heads = self.fk_heads(self._inherit(G))
        chord0 = sagittal_deg_up(self._mid(heads, "upperarm01") - self._mid(heads, "upperleg01"))
        apply(trunk_deg - chord0)

    def _mid(self, heads: np.ndarray, base: str) -> np.ndarray:
        return 0.5 * (heads[self.index(f"{base}.L")] + heads[self.index(f"{base}.R")])

    def _inherit(self, G: np.ndarray) -> np.ndarray:
        """Bones left as NaN take their parent's rotation."""
        out = G.copy()
        for c in range(len(self.labels)):
            if np.isnan(out[c, 0, 0]):
                out[c] = out[self.parents[c]] if c > 0 else np.eye(3)
        return out

    def _arm_rotations(
        self, G: np.ndarray, side: str, shoulder: np.ndarray, wrist: np.ndarray,
        hand_dir: np.ndarray | None, knuckles: np.ndarray, bend_hint: np.ndarray,
    ) -> None:
        """Two-bone IK from the posed shoulder to the wrist target; the hand points along
        hand_dir (None: in line with the forearm) with its index->little knuckle line
        toward ``knuckles``."""
        h = self.head
        Lu, Lf = self.upperarm_len, self.forearm_len
        d = wrist - shoulder
        dist = float(np.linalg.norm(d))
        u = d / dist
        if dist >= Lu + Lf - 1e-6:
            elbow = shoulder + u * Lu
        else:
            v = bend_hint - np.dot(bend_hint, u) * u
            v = _unit(v)
            ca = (Lu**2 + dist**2 - Lf**2) / (2 * Lu * dist)
            a = np.arccos(np.clip(ca, -1.0, 1.0))
            elbow = shoulder + Lu * (np.cos(a) * u + np.sin(a) * v)
        sh, el, wr = h(f"upperarm01.{side}"), h(f"lowerarm01.{side}"), h(f"wrist.{side}")
        k_rest = h(f"finger5-1.{side}") - h(f"finger2-1.{side}")
        hand_rest = h(f"finger3-1.{side}") - wr
        G[self.index(f"upperarm01.{side}")] = rotation_between(el - sh, elbow - shoulder)
        fore = wrist - elbow
        G[self.index(f"lowerarm01.{side}")] = frame_rotation(wr - el, k_rest, fore, knuckles)
        hd = fore if hand_dir is None else hand_dir
        G[self.index(f"wrist.{side}")] = frame_rotation(hand_rest, k_rest, hd, knuckles)

    def _rotations(self, cmd: dict[str, Any], anchor: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
        J = len(self.labels)
        G = np.full((J, 3, 3), np.nan)
        G[0] = np.eye(3)
        self._leg_rotations(cmd, G)
        F = float(cmd.get("spine_flex_deg", 0.0))
        if cmd["arms"] == "floor":
            trunk = self._solve_quadruped_trunk(cmd, anchor, G)
            cmd["trunk_solved_deg"] = trunk
        else:
            trunk = float(cmd["trunk_deg"])
        self._trunk_rotations(trunk, F, G)
        heads = self.fk_heads(self._inherit(G))
        bar = self._arms(cmd, anchor, G, heads)
        return self._inherit(G), bar

    # ---- arms ---------------------------------------------------------------------------
    def _leg_front_z(self, heads: np.ndarray, y: float, side: str) -> float:
        """Forward (z) position of the front of the leg at height y (joint line + thickness)."""
        hip, knee, ankle = (heads[self.index(f"{n}.{side}")] for n in ("upperleg01", "lowerleg01", "foot"))
        if y >= knee[1]:
            a, b, t = hip, knee, self.thigh_front
        else:
            a, b, t = knee, ankle, self.shin_front
        if abs(b[1] - a[1]) < 1e-6:
            return float(max(a[2], b[2]) + t)
        s = np.clip((y - a[1]) / (b[1] - a[1]), 0.0, 1.0)
        z = a[2] + s * (b[2] - a[2])
        seg = b - a
        cos_tilt = abs(seg[1]) / np.linalg.norm(seg[1:])
        return float(z + t / max(cos_tilt, 0.3))

    def _arms(self, cmd: dict[str, Any], anchor: dict[str, Any], G: np.ndarray, heads: np.ndarray) -> np.ndarray | None:
        mode = cmd["arms"]
        back = np.array([0.0, 0.0, -1.0])
        bar = None
        wrists: dict[str, np.ndarray] = {}
        for side, sgn in (("L", 1.0), ("R", -1.0)):
            S = heads[self.index(f"upperarm01.{side}")]
            lateral = np.array([sgn, 0.0, 0.0])
            if mode == "bar":
                # Hands just outside the thighs; the bar (in the palms, a few cm in front of
                # the wrist centre line) slides along the front of the legs plus a gap.
                x = sgn * (abs(heads[self.index(f"upperleg01.{side}")][0]) + 0.10)
                gap = float(cmd.get("bar_gap_m", 0.0))
                W = S.copy()
                for _ in range(4):
                    reach = self.arm_len * 0.995
                    dx = x - S[0]
                    front = max(
                        self._leg_front_z(heads, W[1] - 0.06, "L"),
                        self._leg_front_z(heads, W[1] - 0.06, "R"),
                    )
                    z = front + 0.02 + gap  # wrist sits ~2 cm ahead of the bar axis
                    dz = z - S[2]
                    dy = -np.sqrt(max(reach**2 - dx**2 - dz**2, 0.01))
                    W = np.array([x, S[1] + dy, z])
                wrists[side] = W
                self._arm_rotations(G, side, S, W, None, lateral, back)
            elif mode == "hang":
                W = S + np.array([sgn * 0.03, -self.arm_len * 0.995, 0.0])
                self._arm_rotations(G, side, S, W, None, back, back)
            elif mode == "cable":
                # Hands together between the legs; target relative to mid-knee.
                knee = self._mid(heads, "lowerleg01")
                hip = self._mid(heads, "upperleg01")
                t = float(cmd.get("hand_reach", 0.0))  # 0 at lockout (groin), 1 deep between legs
                top = hip + np.array([0.0, -0.12, 0.16])
                bottom = knee + np.array([0.0, 0.06, -0.22])
                target = (1 - t) * top + t * bottom
                target[0] = sgn * 0.045
                d = target - S
                W = S + _unit(d) * min(np.linalg.norm(d), self.arm_len * 0.995)
                wrists[side] = W
                self._arm_rotations(G, side, S, W, None, back, back)
            elif mode == "floor":
                W = np.array([sgn * anchor["hand_x"], anchor["wrist_y"], anchor["hand_z"]]) + anchor["origin"]
                self._arm_rotations(G, side, S, W, np.array([0.0, 0.0, 1.0]), lateral, back)
            else:
                raise ValueError(f"unknown arm mode {mode!r}")
        if wrists:
            mid = 0.5 * (wrists["L"] + wrists["R"])
            if mode == "bar":
                bar = mid + np.array([0.0, -0.045, -0.02])
            else:
                bar = mid + np.array([0.0, -0.06, 0.0])
        return bar

    # ---- quadruped ------------------------------------------------------------------------
    def _quadruped_geometry(self, cmd: dict[str, Any], G: np.ndarray, trunk: float, F: float) -> tuple[np.ndarray, np.ndarray]:
        """Mid-shoulder and mid-knee for a trunk angle (root at rest, before placement)."""
        Gt = G.copy()
        self._trunk_rotations(trunk, F, Gt)
        heads = self.fk_heads(self._inherit(Gt))
        return self._mid(heads, "upperarm01"), self._mid(heads, "lowerleg01")

    def quadruped_anchor(self, cmd0: dict[str, Any]) -> dict[str, Any]:
        """Hands under the shoulders in the start pose (thigh vertical, arms straight),
        palms on the floor; returns the hand position relative to the mid-knee."""
        from scipy.optimize import brentq

        G = np.full((len(self.labels), 3, 3), np.nan)
        G[0] = np.eye(3)
        self._leg_rotations(cmd0, G)
        F = float(cmd0.get("spine_flex_deg", 0.0))
        knee_y = self.knee_height()
        wrist_y = 0.035

        def err(trunk: float) -> float:
            S, K = self._quadruped_geometry(cmd0, G, trunk, F)
            return (S[1] - K[1] + knee_y) - (wrist_y + self.arm_len * 0.995)

        trunk0 = brentq(err, 30.0, 120.0)
        S, K = self._quadruped_geometry(cmd0, G, trunk0, F)
        x = abs(self.head("upperarm01.L")[0])
        return {
            "hand_x": x, "wrist_y": wrist_y - knee_y, "hand_z": S[2] - K[2],
            "origin": np.zeros(3), "trunk0": trunk0, "knee_y": knee_y,
        }

    def knee_height(self) -> float:
        return self.shin_front * 0.9

    def _solve_quadruped_trunk(self, cmd: dict[str, Any], anchor: dict[str, Any], G: np.ndarray) -> float:
        """Trunk angle that puts the shoulders at the (possibly elbow-bent) arm's reach of
        the planted hands, knees planted too (a one-degree-of-freedom linkage)."""
        from scipy.optimize import brentq

        F = float(cmd.get("spine_flex_deg", 0.0))
        e = np.radians(float(cmd.get("elbow_flex_deg", 0.0)))
        Lu, Lf = self.upperarm_len, self.forearm_len
        reach = np.sqrt(Lu**2 + Lf**2 + 2 * Lu * Lf * np.cos(e)) * 0.995

        def hand_rel(K: np.ndarray) -> np.ndarray:
            return K + np.array([0.0, anchor["wrist_y"], anchor["hand_z"]])

        def err(trunk: float) -> float:
            S, K = self._quadruped_geometry(cmd, G, trunk, F)
            W = hand_rel(K)
            return float(np.linalg.norm((S - W)[1:]) - np.sqrt(max(reach**2 - (anchor["hand_x"] - abs(self.head("upperarm01.L")[0])) ** 2, 0)))

        # Shoulders above the hands: search the upper branch.
        lo, hi = 20.0, 150.0
        grid = np.linspace(lo, hi, 27)
        vals = [err(t) for t in grid]
        for a, b, fa, fb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:], strict=True):
            if fa * fb <= 0:
                trunk = brentq(err, a, b)
                break
        else:
            trunk = float(grid[int(np.argmin(np.abs(vals)))])
        S, K = self._quadruped_geometry(cmd, G, trunk, F)
        anchor["origin"] = K - np.array([0.0, 0.0, 0.0])
        return float(trunk)


def cache_env() -> None:
    """Default the anny and warp caches to the project's git-ignored .cache folder (the
    first model build takes minutes and writes ~790 MB); call before importing anny."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    root = os.environ.get("HINGESYNTH_CACHE", os.path.join(repo, ".cache"))
    os.environ.setdefault("ANNY_CACHE_DIR", os.path.join(root, "anny"))
    os.environ.setdefault("WARP_CACHE_PATH", os.path.join(root, "warp"))
