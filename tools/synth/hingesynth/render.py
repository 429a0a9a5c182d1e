"""Offscreen rendering of a posed body with pyrender under OSMesa (CPU, deterministic).

The scene is in the body frame (x the athlete's left, y up, z forward, floor y = 0): a floor,
a back wall behind the athlete as seen from the camera, the athlete with flat-coloured
clothing groups, and cheap props (bar, cable column, band post, mat) as primitives.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from .rig import Body, Pose  # noqa: E402
from .scenario import yaw_at  # noqa: E402


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 1.0, 0.0])) -> np.ndarray:
    """Camera-to-world pose (OpenGL: the camera looks down its -z, y up)."""
    back = eye - target
    back = back / np.linalg.norm(back)
    right = np.cross(up, back)
    right = right / np.linalg.norm(right)
    true_up = np.cross(back, right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, true_up, back, eye
    return pose


def camera_eye(camera: dict[str, Any], target: np.ndarray, yaw_deg: float | None = None) -> np.ndarray:
    """Eye position: yaw 0 is a pure side view from the athlete's ``side``, +yaw swings the
    camera toward the athlete's front (90 = front view). ``yaw_deg`` overrides the camera's
    (needed when ``camera["yaw_deg"]`` is keyframed: see ``scenario.yaw_at``)."""
    side = 1.0 if camera.get("side", "left") == "left" else -1.0
    yaw = np.radians(float(camera["yaw_deg"] if yaw_deg is None else yaw_deg))
    d = float(camera["distance_m"])
    return np.array([target[0] + side * d * np.cos(yaw), float(camera["height_m"]), target[2] + d * np.sin(yaw)])


def _rgba(c: list[float] | tuple[float, ...]) -> np.ndarray:
    a = np.asarray(list(c) + [1.0] * (4 - len(c)), dtype=np.float64)
    return np.clip(a, 0.0, 1.0)


class Renderer:
    """Renders frames of one clip: fixed colours and props; the body changes, and the camera
    too when its yaw is keyframed (``set_yaw``)."""

    def __init__(self, body: Body, scenario: dict[str, Any], width: int, height: int):
        import pyrender
        import trimesh

        self._pyrender, self._trimesh = pyrender, trimesh
        self.body = body
        self.width, self.height = width, height
        colours = scenario["colours"]
        self.faces = body.faces
        groups = body.group_of_vertex()
        palette = np.stack([
            _rgba(colours["skin"]), _rgba(colours["shirt"]), _rgba(colours["shorts"]), _rgba(colours["shoes"]),
        ])
        self.vertex_colours = (palette[groups] * 255).astype(np.uint8)
        cam = scenario["camera"]
        self.camera = cam
        self.target = np.array([0.0, float(cam["look_at_height_m"]), float(cam.get("look_at_forward_m", 0.0))])
        # A keyframed yaw starts at its value at t = 0; set_yaw moves the camera per frame.
        self.yaw_deg = yaw_at(cam["yaw_deg"], 0.0)
        self.eye = camera_eye(cam, self.target, self.yaw_deg)
        self.cam_pose = look_at(self.eye, self.target)
        self.yfov = np.radians(float(cam.get("yfov_deg", 45.0)))
        self.scene = pyrender.Scene(bg_color=_rgba(colours["background"]), ambient_light=np.full(3, 0.38))
        key, fill = self._light_poses()
        camera = pyrender.PerspectiveCamera(yfov=self.yfov, aspectRatio=width / height, znear=0.05, zfar=50.0)
        self._cam_node = self.scene.add(camera, pose=self.cam_pose)
        self._key_node = self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=2.6), pose=key)
        self._fill_node = self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=1.0), pose=fill)
        self._static(scenario)
        self._dynamic: list[Any] = []
        self.renderer = pyrender.OffscreenRenderer(width, height)

    def _prim(self, mesh: Any, colour: Any, pose: np.ndarray | None = None, dynamic: bool = False) -> Any:
        mat = self._pyrender.MetallicRoughnessMaterial(baseColorFactor=_rgba(colour), metallicFactor=0.0, roughnessFactor=0.9)
        node = self.scene.add(self._pyrender.Mesh.from_trimesh(mesh, material=mat, smooth=False), pose=pose if pose is not None else np.eye(4))
        if dynamic:
            self._dynamic.append(node)
        return node

    def _light_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """Key light above and behind the camera, fill light from the opposite side."""
        key = look_at(self.eye + np.array([0.0, 2.5, 0.0])
                      + 1.5 * (self.eye - self.target) / np.linalg.norm(self.eye - self.target), self.target)
        fill = look_at(np.array([-self.eye[0], 3.0, -self.eye[2] + 0.01]), self.target)
        return key, fill

    def _wall_pose(self) -> np.ndarray:
        """The back wall 3 m behind the target, square to the camera's line of sight."""
        view = self.target - self.eye
        view[1] = 0.0
        view /= np.linalg.norm(view)
        wall_c = self.target + view * 3.0
        yaw = np.arctan2(view[0], view[2])
        pose = np.eye(4)
        pose[:3, :3] = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
        pose[:3, 3] = [wall_c[0], 3.0, wall_c[2]]
        return pose

    def set_yaw(self, yaw_deg: float) -> None:
        """Turn the athlete relative to the room: the camera, its lights and the back wall
        orbit the target together (the body, floor and props stay in the body frame)."""
        yaw_deg = float(yaw_deg)
        if yaw_deg == self.yaw_deg:
            return
        self.yaw_deg = yaw_deg
        self.eye = camera_eye(self.camera, self.target, yaw_deg)
        self.cam_pose = look_at(self.eye, self.target)
        key, fill = self._light_poses()
        self.scene.set_pose(self._cam_node, self.cam_pose)
        self.scene.set_pose(self._key_node, key)
        self.scene.set_pose(self._fill_node, fill)
        self.scene.set_pose(self._wall_node, self._wall_pose())

    def _static(self, scenario: dict[str, Any]) -> None:
        tm = self._trimesh
        colours = scenario["colours"]
        floor = tm.creation.box(extents=[12.0, 0.02, 12.0])
        self._prim(floor, colours["floor"], _translate([0.0, -0.01, 0.0]))
        # A wall behind the athlete, seen from the camera.
        wall = tm.creation.box(extents=[12.0, 6.0, 0.05])
        self._wall_node = self._prim(wall, colours["background"], self._wall_pose())
        props = scenario.get("props", {})
        if props.get("mat"):
            self._prim(tm.creation.box(extents=[0.6, 0.012, 1.7]), colours.get("mat", [0.25, 0.3, 0.45]), _translate([0.0, 0.006, props["mat"]["z"]]))
        if props.get("column"):
            c = props["column"]
            self._prim(tm.creation.box(extents=[0.35, 2.1, 0.35]), [0.18, 0.18, 0.2], _translate([0.0, 1.05, c["z"] - 0.2]))
        if props.get("post"):
            c = props["post"]
            post = tm.creation.cylinder(radius=0.05, segment=[[0.0, 0.0, c["z"]], [0.0, 1.2, c["z"]]], sections=16)
            self._prim(post, [0.45, 0.45, 0.48])

    def render(self, pose: Pose, scenario: dict[str, Any]) -> np.ndarray:
        tm, pr = self._trimesh, self._pyrender
        for node in self._dynamic:
            self.scene.remove_node(node)
        self._dynamic = []
        mesh = tm.Trimesh(pose.vertices, self.faces, vertex_colors=self.vertex_colours, process=False)
        node = self.scene.add(pr.Mesh.from_trimesh(mesh, smooth=True))
        self._dynamic.append(node)
        props = scenario.get("props", {})
        if pose.bar is not None and props.get("bar"):
            b = props["bar"]
            bar = tm.creation.cylinder(radius=b.get("radius_m", 0.014), height=b.get("length_m", 2.0), sections=24)
            self._prim(bar, b.get("colour", [0.75, 0.75, 0.78]), _translate(pose.bar) @ _rot_y_to_x(), dynamic=True)
            for s in (-1.0, 1.0):
                if b.get("plate_radius_m"):
                    plate = tm.creation.cylinder(radius=b["plate_radius_m"], height=0.05, sections=32)
                    off = np.array([s * (b.get("length_m", 2.0) / 2 - 0.25), 0.0, 0.0])
                    self._prim(plate, b.get("plate_colour", [0.15, 0.15, 0.15]), _translate(pose.bar + off) @ _rot_y_to_x(), dynamic=True)
        if pose.bar is not None and props.get("column"):
            anchor = np.array([0.0, props["column"].get("height_m", 0.3), props["column"]["z"]])
            self._segment(pose.bar, anchor, 0.006, [0.1, 0.1, 0.1])
            handle = tm.creation.cylinder(radius=0.018, height=0.2, sections=16)
            self._prim(handle, [0.85, 0.3, 0.1], _translate(pose.bar) @ _rot_y_to_x(), dynamic=True)
        if props.get("post"):
            c = props["post"]
            hips = 0.5 * (pose.heads[self.body.index("upperleg01.L")] + pose.heads[self.body.index("upperleg01.R")])
            self._segment(hips + np.array([0.0, -0.02, -0.12]), np.array([0.0, hips[1], c["z"]]), 0.02, [0.2, 0.55, 0.25])
        colour, _ = self.renderer.render(self.scene)
        return np.ascontiguousarray(colour[:, :, :3])

    def _segment(self, a: np.ndarray, b: np.ndarray, radius: float, colour: Any) -> None:
        seg = self._trimesh.creation.cylinder(radius=radius, segment=np.stack([a, b]), sections=12)
        self._prim(seg, colour, dynamic=True)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pinhole projection of (N, 3) body-frame points to image pixels (x right, y down)."""
        world_to_cam = np.linalg.inv(self.cam_pose)
        p = points @ world_to_cam[:3, :3].T + world_to_cam[:3, 3]
        f = 0.5 * self.height / np.tan(0.5 * self.yfov)
        x = self.width / 2 + f * p[:, 0] / -p[:, 2]
        y = self.height / 2 - f * p[:, 1] / -p[:, 2]
        return np.stack([x, y], axis=1)

    def close(self) -> None:
        self.renderer.delete()


def _translate(t: Any) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = t
    return m


def _rot_y_to_x() -> np.ndarray:
    """trimesh cylinders run along z; lay them along x (the bar's axis)."""
    m = np.eye(4)
    m[:3, :3] = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    return m
