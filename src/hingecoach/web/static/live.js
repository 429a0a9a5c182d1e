// The live coaching page (templates/live.html.j2): the camera, BlazePose in this browser
// (MediaPipe's web build, vendored by `make vendor`), and a WebSocket to /live/ws.
//
// The video never leaves the device: each pose result goes to the server as normalised
// landmarks with its time; the server runs the same engine as `hinge analyze` and sends back
// events (state, rep, fault, not_in_view, in_view, error, summary). This page only draws and
// speaks them: it counts nothing and judges nothing itself.
//
// Query parameters (for tests and troubleshooting): ?countdown=S overrides the countdown;
// ?inference=cpu|gpu chooses where the pose model runs (default: the GPU, unless WebGL is a
// software renderer, where the CPU is faster).

const root = document.getElementById("live");
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const VENDOR = root.dataset.vendor;
const POSE_FPS_BUFFER = 15;          // frames a second kept for the delayed mirror
const MAX_DELAY_S = 10;              // the longest mirror delay
const REPLAY_MAX_S = 8;              // the longest rep replayed
const BUFFER_WIDTH = 320;            // buffered frames are downscaled to this width
const MAX_BUFFERED = POSE_FPS_BUFFER * (MAX_DELAY_S + 1);
const DEPTH_FULL_DEG = 100;          // the depth bar is full at this depth

// BlazePose-33 bones drawn (MediaPipe's POSE_CONNECTIONS without the face).
const BONES = [[11, 12], [11, 13], [13, 15], [15, 17], [15, 19], [15, 21], [17, 19], [12, 14], [14, 16],
  [16, 18], [16, 20], [16, 22], [18, 20], [11, 23], [12, 24], [23, 24], [23, 25], [24, 26], [25, 27],
  [26, 28], [27, 29], [28, 30], [29, 31], [30, 32], [27, 31], [28, 32]];
const LEFT = new Set([11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]);
const MIN_VISIBILITY = 0.3;          // as the server's [pose] min_confidence: fainter joints are not drawn

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];

// What a test (or a curious athlete, in the console) can read.
const stats = {
  poseReady: false, inference: null, poseResults: 0, poseWithLandmarks: 0, poseT0: null, poseT1: null,
  framesSent: 0, sendT0: null, sendT1: null, lastT: null, events: [], spoken: [], state: "loading",
  buffered: 0, maxBuffered: 0, replays: 0, delayedFrames: 0, maxGapS: 0,
};
window.hingeLive = stats;

// --- speech: one utterance at a time, a newer cue replaces the queued older ones ----------------

class Speaker {
  constructor() {
    this.queue = [];         // [{kind, text}]
    this.current = null;     // the utterance being spoken
    this.muted = false;
    this.watchdog = null;
  }

  say(text, kind) {
    if (!text) return;
    stats.spoken.push({ kind, text, muted: this.muted });
    if (this.muted || !("speechSynthesis" in window)) return;
    // A newer one of the same kind (a cue, a count) replaces what is still waiting; nothing is cut off.
    this.queue = this.queue.filter((item) => item.kind !== kind);
    this.queue.push({ kind, text });
    this.next();
  }

  next() {
    if (this.current || this.queue.length === 0 || this.muted) return;
    const { text } = this.queue.shift();
    const u = new SpeechSynthesisUtterance(text);
    u.rate = 1.05;
    this.current = u;
    const done = () => {
      if (this.current !== u) return;
      clearTimeout(this.watchdog);
      this.current = null;
      this.next();
    };
    u.addEventListener("end", done);
    u.addEventListener("error", done);
    // A browser without voices may never say "end": move on after a generous estimate.
    this.watchdog = setTimeout(done, 2500 + 120 * text.length);
    window.speechSynthesis.speak(u);
  }

  setMuted(muted) {
    this.muted = muted;
    if (muted) this.queue = [];   // what is being said finishes; nothing more is said
    else this.next();
  }
}

const speaker = new Speaker();
window.hingeLiveSpeaker = speaker;

function countWord(n) {
  return n >= 0 && n < WORDS.length ? WORDS[n] : String(n);
}

// --- pose in the browser ----------------------------------------------------------------------

function softwareWebGL() {
  const canvas = document.createElement("canvas");
  const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
  if (!gl) return true;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const lose = gl.getExtension("WEBGL_lose_context");
  if (lose) lose.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

let pose = null;
let onPose = null;   // the current consumer of pose results

async function loadPose() {
  await loadScript(VENDOR + "pose.js");
  if (typeof window.Pose !== "function") throw new Error("pose.js did not define Pose");
  const choice = params.get("inference");
  const cpu = choice === "cpu" || (choice !== "gpu" && softwareWebGL());
  stats.inference = cpu ? "cpu" : "gpu";
  const p = new window.Pose({ locateFile: (file) => VENDOR + file });
  // As the offline path (pose/mediapipe_backend.py): BlazePose full, no smoothing, 0.5 thresholds.
  p.setOptions({ modelComplexity: 1, smoothLandmarks: false, enableSegmentation: false, selfieMode: false,
    minDetectionConfidence: 0.5, minTrackingConfidence: 0.5, useCpuInference: cpu });
  p.onResults((results) => { if (onPose) onPose(results); });
  await p.initialize();
  pose = p;
  stats.poseReady = true;
}

// --- the camera -------------------------------------------------------------------------------

const video = $("camera-video");
let stream = null;

async function openCamera() {
  const choice = $("camera").value;
  const video_ = choice.startsWith("device:")
    ? { deviceId: { exact: choice.slice(7) } }
    : { facingMode: { ideal: choice } };
  stream = await navigator.mediaDevices.getUserMedia({
    audio: false, video: { ...video_, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
  if (!video.videoWidth) await new Promise((r) => video.addEventListener("loadedmetadata", r, { once: true }));
  const settings = stream.getVideoTracks()[0].getSettings();
  $("view").classList.toggle("flip", settings.facingMode === "user" || choice === "user");
  listCameras();
}

function closeCamera() {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  video.srcObject = null;
}

async function listCameras() {
  if (!navigator.mediaDevices.enumerateDevices) return;
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput" && d.label);
  const select = $("camera");
  if (devices.length < 2) return;
  for (const d of devices) {
    const value = "device:" + d.deviceId;
    if (![...select.options].some((o) => o.value === value)) select.add(new Option(d.label, value));
  }
}

// The next new camera frame (not one already seen), with its time on performance.now()'s clock.
function nextFrame() {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback((now) => resolve(now));
    else requestAnimationFrame((now) => resolve(now));
  });
}

// --- drawing ------------------------------------------------------------------------------------

const canvas = $("view");
const ctx = canvas.getContext("2d");
const view = {
  landmarks: null,       // the latest pose (normalised)
  depth: null,           // the latest depth from the server (degrees)
  lastRepDepth: null,
  buffer: [],            // [{at, bitmap, landmarks, depth}], oldest first
  lastBuffered: -1e9,
  replay: null,          // {frames, started, first}: a rep being replayed
  shown: null,           // what the canvas shows now
};

function sizeCanvas(w, h) {
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
}

function drawSkeleton(landmarks, w, h) {
  if (!landmarks) return;
  const lw = Math.max(2, w / 200);
  ctx.lineWidth = lw;
  ctx.lineCap = "round";
  for (const [a, b] of BONES) {
    const p = landmarks[a], q = landmarks[b];
    if (!p || !q || (p.visibility ?? 1) < MIN_VISIBILITY || (q.visibility ?? 1) < MIN_VISIBILITY) continue;
    ctx.strokeStyle = LEFT.has(a) && LEFT.has(b) ? "#ffb000" : (!LEFT.has(a) && !LEFT.has(b) ? "#2fd0ff" : "#ffffff");
    ctx.beginPath();
    ctx.moveTo(p.x * w, p.y * h);
    ctx.lineTo(q.x * w, q.y * h);
    ctx.stroke();
  }
  ctx.fillStyle = "#ffffff";
  for (let i = 11; i < landmarks.length; i++) {
    const p = landmarks[i];
    if (!p || (p.visibility ?? 1) < MIN_VISIBILITY) continue;
    ctx.beginPath();
    ctx.arc(p.x * w, p.y * h, lw * 1.3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawDepthBar(depth, w, h) {
  const barW = Math.max(14, w * 0.04), pad = barW * 0.6;
  const x = w - barW - pad, top = h * 0.12, height = h * 0.76;
  ctx.fillStyle = "rgba(0,0,0,0.45)";
  ctx.fillRect(x - 3, top - 3, barW + 6, height + 6);
  if (depth != null && Number.isFinite(depth)) {
    const f = Math.max(0, Math.min(1, depth / DEPTH_FULL_DEG));
    ctx.fillStyle = "#1f9d55";
    ctx.fillRect(x, top, barW, height * f);   // fills downward: deeper hinge, longer bar
  }
  if (view.lastRepDepth != null) {
    const f = Math.max(0, Math.min(1, view.lastRepDepth / DEPTH_FULL_DEG));
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(x - 5, top + height * f - 2, barW + 10, 4);
  }
}

function drawFrame(image, landmarks, depth) {
  const w = canvas.width, h = canvas.height;
  ctx.drawImage(image, 0, 0, w, h);
  drawSkeleton(landmarks, w, h);
  drawDepthBar(depth, w, h);
}

function mirrorMode() {
  return $("mirror").value;
}

function mirrorDelay() {
  const v = parseFloat(($("delay").value || "0").replace(",", "."));
  return Number.isFinite(v) ? Math.max(0, Math.min(MAX_DELAY_S, v)) : 0;
}

// Keep a downscaled copy of the frame just posed, for the delayed mirror and rep replays.
async function bufferFrame(at, landmarks) {
  if (mirrorMode() === "off" || at - view.lastBuffered < 1000 / POSE_FPS_BUFFER) return;
  view.lastBuffered = at;
  const w = Math.min(BUFFER_WIDTH, video.videoWidth), h = Math.round(w * video.videoHeight / video.videoWidth);
  let bitmap;
  try {
    bitmap = await createImageBitmap(video, { resizeWidth: w, resizeHeight: h, resizeQuality: "low" });
  } catch (e) {
    bitmap = canvasCopy(w, h);   // a browser without createImageBitmap's resize options
  }
  view.buffer.push({ at, bitmap, landmarks, depth: view.depth });
  const keepMs = 1000 * (Math.max(mirrorDelay(), REPLAY_MAX_S) + 0.5);
  while (view.buffer.length > MAX_BUFFERED || (view.buffer.length && at - view.buffer[0].at > keepMs)) {
    const old = view.buffer.shift();
    if (!view.replay || !view.replay.frames.includes(old)) old.bitmap.close();
  }
  stats.buffered = view.buffer.length;
  stats.maxBuffered = Math.max(stats.maxBuffered, view.buffer.length);
}

function endReplay() {
  const r = view.replay;
  view.replay = null;
  if (r) for (const f of r.frames) if (!view.buffer.includes(f)) f.bitmap.close();
}

function canvasCopy(w, h) {
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  c.getContext("2d").drawImage(video, 0, 0, w, h);
  c.close = () => { c.width = 0; };   // as ImageBitmap.close(): frees the pixels
  return c;
}

function clearBuffer() {
  endReplay();
  for (const f of view.buffer) f.bitmap.close();
  view.buffer = [];
  view.replay = null;
  stats.buffered = 0;
}

function startReplay(fromAt, toAt, rep) {
  const frames = view.buffer.filter((f) => f.at >= Math.max(fromAt, toAt - REPLAY_MAX_S * 1000) && f.at <= toAt);
  if (frames.length < 2) return;
  endReplay();
  view.replay = { frames, started: performance.now(), first: frames[0].at, rep };
  stats.replays += 1;
}

// Draws only what is new (a pose result, or the next buffered frame): the page leaves the CPU
// to the pose model, and the live picture stays in step with its skeleton.
function show(key, draw) {
  if (view.shown === key) return;
  view.shown = key;
  draw();
}

function render(now) {
  requestAnimationFrame(render);
  const label = $("mode-label");
  if (!stream || !video.videoWidth) return;
  sizeCanvas(video.videoWidth, video.videoHeight);
  if (view.replay) {
    const r = view.replay, elapsed = Math.max(0, now - r.started);   // rAF's time may precede the start
    const frame = r.frames.findLast((f) => f.at - r.first <= elapsed) || r.frames[0];
    if (elapsed > r.frames[r.frames.length - 1].at - r.first + 300) {
      endReplay();
    } else {
      show(frame, () => drawFrame(frame.bitmap, frame.landmarks, frame.depth));
      label.textContent = `Replay · rep ${r.rep}`;
      label.hidden = false;
      return;
    }
  }
  if (mirrorMode() === "delay" && mirrorDelay() > 0) {
    const want = now - mirrorDelay() * 1000;
    const frame = view.buffer.findLast((f) => f.at <= want);
    if (frame) {
      show(frame, () => {
        drawFrame(frame.bitmap, frame.landmarks, frame.depth);
        stats.delayedFrames += 1;
      });
      label.textContent = `${mirrorDelay()} s ago`;
    } else {
      show("filling", () => {
        ctx.fillStyle = "#000";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
      });
      label.textContent = `Filling the ${mirrorDelay()} s delay…`;
    }
    label.hidden = false;
    return;
  }
  label.hidden = true;
  show(`live ${stats.poseResults}`, () => drawFrame(video, view.landmarks, view.depth));
}
requestAnimationFrame(render);

// --- the set -------------------------------------------------------------------------------------

const set = {
  ws: null, running: false, sending: false, t0: null, lastSentT: -Infinity, lastRepAt: null, ending: false,
};

function status(text) {
  $("status").textContent = text;
}

function showError(text) {
  const el = $("error");
  el.textContent = text;
  el.hidden = !text;
}

function toLandmarks(list) {
  if (!list || list.length !== 33) return null;
  return list.map((p) => [round(p.x), round(p.y), round(p.visibility ?? 0)]);
}

// MediaPipe's world landmarks (metres, origin between the hips), kept with the set on the server.
function toWorld(list) {
  if (!list || list.length !== 33) return null;
  return list.map((p) => [round(p.x), round(p.y), round(p.z)]);
}

function round(v) {
  return Number.isFinite(v) ? Math.round(v * 1e5) / 1e5 : 0;
}

async function poseLoop() {
  while (set.running && stream) {
    const at = await nextFrame();
    if (!set.running) break;
    let results = null;
    onPose = (r) => { results = r; };
    try {
      await pose.send({ image: video });
    } catch (e) {
      showError(`The pose model stopped: ${e.message || e}`);
      break;
    }
    const now = performance.now();
    stats.poseResults += 1;
    if (stats.poseT0 == null) stats.poseT0 = now;
    stats.poseT1 = now;
    const landmarks = results && results.poseLandmarks ? results.poseLandmarks : null;
    const world = landmarks && results.poseWorldLandmarks ? results.poseWorldLandmarks : null;
    if (landmarks) stats.poseWithLandmarks += 1;
    view.landmarks = landmarks;
    bufferFrame(at, landmarks);
    if (set.sending) sendFrame(at, landmarks, world);
  }
}

function sendFrame(at, landmarks, world) {
  const t = (at - set.t0) / 1000;
  if (t < 0 || !(t > set.lastSentT) || !set.ws || set.ws.readyState !== WebSocket.OPEN) return;
  if (Number.isFinite(set.lastSentT)) stats.maxGapS = Math.max(stats.maxGapS, t - set.lastSentT);
  set.lastSentT = t;
  const lm = toLandmarks(landmarks);
  set.ws.send(JSON.stringify({ type: "frame", t: Math.round(t * 1e4) / 1e4, landmarks: lm,
    world: lm ? toWorld(world) : null }));
  const now = performance.now();
  stats.framesSent += 1;
  if (stats.sendT0 == null) stats.sendT0 = now;
  stats.sendT1 = now;
  stats.lastT = t;
}

function resetSetView() {
  $("count").firstChild.textContent = "0";
  $("cue").textContent = "";
  $("faults").innerHTML = "";
  $("faults-card").hidden = true;
  $("summary").hidden = true;
  $("warning").hidden = true;
  showError("");
  view.depth = null;
  view.lastRepDepth = null;
}

async function start() {
  $("start").disabled = true;
  resetSetView();
  status("Opening the camera…");
  try {
    await openCamera();
  } catch (e) {
    status("");
    showError(`No camera: ${e.message || e}. Allow the camera for this site; it needs HTTPS or localhost.`);
    $("start").disabled = false;
    return;
  }
  $("view-message").hidden = true;
  $("drill").disabled = $("camera").disabled = true;   // fixed for the set
  // iOS speaks only after a tap has spoken once: an empty utterance, now, while this is a tap.
  if ("speechSynthesis" in window && !speaker.muted) window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
  set.running = true;
  set.sending = false;
  set.ending = false;
  set.lastSentT = -Infinity;
  set.lastRepAt = null;
  stats.state = "connecting";
  poseLoop();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}${root.dataset.ws}`);
  set.ws = ws;
  ws.addEventListener("open", () => {
    ws.send(JSON.stringify({ type: "start", drill: $("drill").value || null, width: video.videoWidth,
      height: video.videoHeight, skeleton: "blazepose33", model: "full" }));
  });
  ws.addEventListener("message", (m) => onMessage(JSON.parse(m.data)));
  ws.addEventListener("close", () => {
    if (set.ws !== ws) return;
    set.ws = null;
    if (set.running) {
      showError("The connection to the server closed. The set so far is kept when a rep was counted.");
      stop();
    } else if (stats.state === "ending") {
      showError("The connection closed before the set's summary came: look for the set on your home page.");
      status("");
    }
  });
  $("end").disabled = false;
  status("Connecting…");
}

async function countdown(seconds) {
  const el = $("countdown");
  el.hidden = false;
  for (let s = seconds; s > 0 && set.running; s--) {
    el.textContent = String(s);
    status(`Get into position: ${s} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  el.textContent = "Go";
  setTimeout(() => { el.hidden = true; }, 700);
}

async function onReady(msg) {
  const override = params.get("countdown");
  const seconds = override != null && override !== "" ? Math.max(0, parseInt(override, 10) || 0)
    : Number(msg.countdown_s ?? root.dataset.countdown ?? 5);
  stats.state = "countdown";
  await countdown(seconds);
  if (!set.running) return;
  set.t0 = performance.now();
  stats.t0 = set.t0;   // stream time 0 on performance.now()'s clock (tests time the cues with it)
  set.sending = true;
  stats.state = "running";
  status("Go: the set is running. Press End set when you are done.");
}

function onMessage(msg) {
  stats.events.push(msg.type === "state" ? { type: "state" } : msg);
  switch (msg.type) {
    case "ready":
      onReady(msg);
      break;
    case "state":
      view.depth = msg.depth_deg;
      $("count").firstChild.textContent = String(msg.count);
      break;
    case "rep": {
      $("count").firstChild.textContent = String(msg.count);
      view.lastRepDepth = msg.depth_deg;
      speaker.say(countWord(msg.count), "count");
      const at = set.t0 + 1000 * msg.t;
      if (mirrorMode() === "rep") startReplay(set.lastRepAt ?? set.t0, at, msg.rep);
      set.lastRepAt = at;
      break;
    }
    case "fault": {
      const li = document.createElement("li");
      li.textContent = `Rep ${msg.rep}: ${msg.cue}`;
      li.dataset.fault = msg.fault;
      li.dataset.rep = msg.rep;
      if (msg.primary) li.className = "primary";
      const note = document.createElement("span");
      note.className = "muted";
      note.textContent = ` (${String(msg.fault).replaceAll("_", " ")}, ${msg.severity})`;
      li.appendChild(note);
      $("faults").appendChild(li);
      $("faults-card").hidden = false;
      if (msg.primary) {
        $("cue").textContent = msg.cue;
        speaker.say(msg.cue, "cue");
      }
      break;
    }
    case "not_in_view":
      $("warning").textContent = msg.message;
      $("warning").hidden = false;
      speaker.say(msg.message, "view");
      break;
    case "in_view":
      $("warning").hidden = true;
      break;
    case "error":
      showError(msg.message);
      break;
    case "summary":
      showSummary(msg);
      break;
    default:
      break;
  }
}

function showSummary(msg) {
  stats.state = "done";
  $("summary").hidden = false;
  const reps = msg.reps ?? 0;
  $("summary-title").textContent = `${msg.drill_name || "Your set"}: ${reps} rep${reps === 1 ? "" : "s"}`;
  $("summary-cue").textContent = msg.primary_cue || "";
  $("summary-message").textContent = msg.message || (reps ? "" : "No rep was counted: nothing was logged.");
  const list = $("summary-faults");
  list.innerHTML = "";
  for (const [id, n] of Object.entries(msg.faults || {})) {
    const li = document.createElement("li");
    li.textContent = `${id.replaceAll("_", " ")}: ${n} rep${n === 1 ? "" : "s"}`;
    list.appendChild(li);
  }
  const link = $("set-link");
  if (msg.set_url) { link.href = msg.set_url; link.hidden = false; } else link.hidden = true;
  status(msg.set_url ? "Set saved: its full report is being made." : "Set ended.");
  if (set.ws) set.ws.close();
  set.ws = null;
}

function stop() {
  set.running = false;
  set.sending = false;
  onPose = null;
  closeCamera();
  clearBuffer();
  $("end").disabled = true;
  $("start").disabled = !pose;
  $("drill").disabled = $("camera").disabled = false;
  $("countdown").hidden = true;
  $("mode-label").hidden = true;
}

function end() {
  const ws = set.ws;
  $("end").disabled = true;
  stop();
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: "end" }));
    status("Ending the set…");
    stats.state = "ending";
  }
}

// --- wiring -------------------------------------------------------------------------------------

$("mute").addEventListener("change", (e) => speaker.setMuted(e.target.checked));
$("start").addEventListener("click", start);
$("end").addEventListener("click", end);
$("mirror").addEventListener("change", () => { if (mirrorMode() === "off") clearBuffer(); });

if (root.dataset.vendorReady === "1") {
  loadPose().then(() => {
    $("start").disabled = false;
    stats.state = "idle";
    status(`Pose model ready (BlazePose full, ${stats.inference === "cpu" ? "on the CPU" : "on the GPU"}). Press Start.`);
  }).catch((e) => {
    stats.state = "failed";
    showError(`The pose model did not load (${e.message || e}): run make vendor on the server and reload.`);
    status("");
  });
} else {
  stats.state = "no-vendor";
}
