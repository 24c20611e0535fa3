// numen playground page: edits the set-up, sends commands, draws what the server streams.
// Plain JavaScript, no build step, nothing loaded from outside this server.
"use strict";

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get("token") || "";
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const ACTIVATIONS = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
  "linear", "swish", "softplus"];
const COLD = [245, 147, 34], WARM = [8, 119, 189];  // class 0 and class 1 colours

let setup = null;       // the set-up the server applied (plus local edits)
let described = null;   // the server's description of the data and model
let curve = [];         // the logs of each epoch
let lastState = null;
let applyTimer = null;

// -- talking to the server ---------------------------------------------------------------
async function api(path, body, raw) {
  const init = { method: body === undefined ? "GET" : "POST", headers: { "X-Token": token } };
  if (body !== undefined) {
    if (raw) { init.body = body; } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { throw new Error(data.error || response.statusText); }
  return data;
}

function say(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

// Every local edit bumps editVersion: the server's answer to an older set-up (one that crossed
// a newer edit) must not overwrite the editor; the newer edit's own answer follows. The event
// stream also sends the set-up after each change; while an edit is unanswered (answeredVersion
// behind editVersion) that copy is older than the editor and is not shown either.
let editVersion = 0;
let answeredVersion = 0;

async function applySetup() {
  const version = editVersion;
  try {
    say("");
    const description = await api("/api/setup", { setup });
    if (version === editVersion) { answeredVersion = version; onSetup(description); }
  } catch (err) {
    if (version === editVersion) { answeredVersion = version; }
    say(err.message);
  }
}

function scheduleApply() {
  editVersion += 1;
  clearTimeout(applyTimer);
  applyTimer = setTimeout(applySetup, 250);
}

// -- the page address (written by the server, read here) --------------------------------------------------------
function fromFragment(fragment) {
  let body = fragment.replace(/^#/, "");
  if (!body.startsWith("s=")) { return null; }
  body = body.slice(2).replace(/-/g, "+").replace(/_/g, "/");
  body += "=".repeat((4 - body.length % 4) % 4);
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// -- the form ---------------------------------------------------------------------------------
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k === "text") { node.textContent = v; } else if (k.startsWith("on")) {
      node.addEventListener(k.slice(2), v);
    } else { node.setAttribute(k, v); }
  });
  (children || []).forEach((c) => node.appendChild(c));
  return node;
}

function options(values, selected) {
  return values.map((v) => {
    const o = el("option", { value: v, text: v });
    if (String(v) === String(selected)) { o.selected = true; }
    return o;
  });
}

function renderForm() {
  const d = setup.data;
  $("data-name").value = d.name;
  $("data-n").value = d.n;
  $("data-noise").value = d.noise;
  $("data-noise-value").textContent = d.noise;
  $("data-test").value = d.test_ratio;
  $("data-test-value").textContent = Math.round(d.test_ratio * 100) + "%";
  $("seed").value = setup.seed;
  const toy = !["digits", "csv"].includes(d.name);
  $("toy-options").hidden = !toy;
  $("csv-options").hidden = d.name !== "csv";
  const box = $("features");
  box.querySelectorAll("label").forEach((n) => n.remove());
  FEATURES.forEach((f) => {
    const input = el("input", { type: "checkbox", value: f, onchange: () => {
      const chosen = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      if (!chosen.length) { input.checked = true; return; }
      setup.data.features = chosen; scheduleApply();
    } });
    input.checked = d.features.includes(f);
    box.appendChild(el("label", {}, [input, document.createTextNode(" " + f)]));
  });
  const columns = (described && described.columns) || [];
  $("data-target").replaceChildren(...options(columns, d.target));
  renderLayers();
  $("optimizer").value = setup.compile.optimizer;
  const rates = [...$("learning-rate").options].map((o) => Number(o.value));
  if (!rates.includes(setup.compile.learning_rate)) {
    $("learning-rate").appendChild(el("option", { text: String(setup.compile.learning_rate) }));
  }
  $("learning-rate").value = String(setup.compile.learning_rate);
  [...$("learning-rate").options].forEach((o) => {
    if (Number(o.value) === setup.compile.learning_rate) { o.selected = true; }
  });
  $("epochs-input").value = setup.fit.epochs;
  $("batch-size").value = setup.fit.batch_size;
}

function wireForm() {
  const data = (key, parse) => (event) => {
    setup.data[key] = parse(event.target.value); scheduleApply();
  };
  $("data-name").addEventListener("change", (e) => {
    setup.data.name = e.target.value;
    fitLayersToData();
    if (setup.data.name === "csv" && !(described && described.columns)) {
      renderForm(); say("Choose a CSV file, then its target column."); return;
    }
    scheduleApply();
  });
  $("data-n").addEventListener("change", data("n", Number));
  $("data-noise").addEventListener("input", (e) => {
    $("data-noise-value").textContent = e.target.value;
  });
  $("data-noise").addEventListener("change", data("noise", Number));
  $("data-test").addEventListener("change", data("test_ratio", Number));
  $("data-target").addEventListener("change", data("target", String));
  $("seed").addEventListener("change", (e) => { setup.seed = Number(e.target.value); scheduleApply(); });
  $("optimizer").addEventListener("change", (e) => {
    setup.compile.optimizer = e.target.value; scheduleApply();
  });
  $("learning-rate").addEventListener("change", (e) => {
    setup.compile.learning_rate = Number(e.target.value); scheduleApply();
  });
  $("epochs-input").addEventListener("change", (e) => {
    setup.fit.epochs = Number(e.target.value); scheduleApply();
  });
  $("batch-size").addEventListener("change", (e) => {
    setup.fit.batch_size = Number(e.target.value); scheduleApply();
  });
  wireLayerButtons();
  wirePredict();
  wireInspect();
  $("csv-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) { return; }
    try {
      const result = await api("/api/upload?name=" + encodeURIComponent(file.name), file, true);
      described = Object.assign(described || {}, { columns: result.columns });
      setup.data.name = "csv";
      setup.data.target = result.columns[result.columns.length - 1];
      renderForm(); scheduleApply();
    } catch (err) { say(err.message); }
  });
  for (const name of ["start", "pause", "step", "reset"]) {
    $(name).addEventListener("click", () => api("/api/" + name, {}).catch((e) => say(e.message)));
  }
  $("copy-code").addEventListener("click", async () => {
    const response = await fetch("/api/code?token=" + token);
    copy(await response.text(), "Code copied: a complete script with `from numen import keras`.");
  });
  $("copy-link").addEventListener("click", () => copy(location.href, "Link copied."));
  $("download-code").href = "/api/code?token=" + encodeURIComponent(token);
  $("download-model").href = "/api/model?token=" + encodeURIComponent(token);
}

function copy(text, done) {
  const area = $("clipboard");
  area.value = text;
  const fallback = () => { area.select(); document.execCommand("copy"); };
  (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject())
    .catch(fallback).then(() => say(done));
}

// -- what the server streams ----------------------------------------------------------------
function onSetup(description) {
  const columns = described && described.columns;
  described = description;
  if (!described.columns && columns) { described.columns = columns; }
  setup = JSON.parse(JSON.stringify(description.setup));
  curve = [];
  const fragment = "#" + description.fragment;
  if (location.hash !== fragment) { replaceFragment(fragment); }
  renderForm();
  const metric = description.task === "regression" ? "mae" : "accuracy";
  $("metric-head").textContent = metric;
  $("metric-name").textContent = metric;
  $("data-summary").textContent = `${description.n_train} training and ${description.n_test} ` +
    `test rows, ${description.n_inputs} inputs; task: ${description.task}; ` +
    `${description.params} weights.`;
  const head = description.task === "binary" ? "Dense(1, sigmoid)"
    : description.task === "regression" ? "Dense(1, linear)"
      : `Dense(${description.n_classes}, softmax)`;
  $("output-layer").textContent = `Output layer (set by the task): ${head}`;
  $("loss").textContent = "Loss (set by the task): " + ({ binary: "binary_crossentropy",
    multiclass: "sparse_categorical_crossentropy", regression: "mse" })[description.task];
  $("surface-box").hidden = !description.points;
  drawSurface(null);
  showPredictors(description);
}

function replaceFragment(fragment) {
  window.history.replaceState(null, "", location.pathname + location.search + fragment);
}

function onState(state) {
  if (state.history_start === 0) { curve = []; }
  curve.push(...state.history);
  lastState = state;
  $("epoch").textContent = state.epoch;
  $("epochs").textContent = state.epochs;
  $("status").textContent = state.error ? "error" : state.status;
  $("status").className = "status " + state.status;
  if (state.error) { say(state.error); }
  $("start").disabled = state.status === "training";
  $("pause").disabled = state.status !== "training";
  const last = curve[curve.length - 1] || {};
  const metric = described && described.task === "regression" ? "mae" : "accuracy";
  const show = (id, v) => {
    const known = typeof v === "number";
    $(id).textContent = known ? v.toFixed(4) : (v === null ? "nan" : "-");
    $(id).dataset.value = known ? v : "";
  };
  show("train-loss", last.loss); show("test-loss", last.val_loss);
  show("train-metric", last[metric]); show("test-metric", last["val_" + metric]);
  drawCurves(metric);
  drawSurface(state.surface);
  drawUnits(state.surface);
  drawCompare();
  renderLayerStats(state.layers);
  renderNotes(state.notes);
  renderConfusion(state.confusion);
}

// -- drawing ----------------------------------------------------------------------------------
function mix(t) {
  t = Math.max(0, Math.min(1, t));
  return COLD.map((c, i) => Math.round(c + (WARM[i] - c) * t));
}

function drawSurface(surface) {
  const canvas = $("surface");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!described || !described.points) { return; }
  const all = described.points.train.concat(described.points.test);
  const ys = all.map((p) => p[2]);
  const lo = Math.min(...ys), hi = Math.max(...ys);
  const scale = described.task === "regression" ? (v) => (v - lo) / ((hi - lo) || 1) : (v) => v;
  if (surface) {
    const n = surface.size;
    const image = ctx.createImageData(n, n);
    surface.values.forEach((v, k) => {
      const row = n - 1 - Math.floor(k / n), col = k % n;   // y grows upwards
      const [r, g, b] = typeof v === "number" ? mix(scale(v)) : [190, 190, 190];
      const o = 4 * (row * n + col);
      image.data[o] = 255 - (255 - r) * 0.55; image.data[o + 1] = 255 - (255 - g) * 0.55;
      image.data[o + 2] = 255 - (255 - b) * 0.55; image.data[o + 3] = 255;
    });
    const small = document.createElement("canvas");
    small.width = n; small.height = n;
    small.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  }
  const extent = 6;
  const px = (x) => (x + extent) / (2 * extent) * canvas.width;
  const py = (y) => (extent - y) / (2 * extent) * canvas.height;
  const dot = (p, test) => {
    const [r, g, b] = mix(scale(p[2]));
    ctx.beginPath();
    ctx.arc(px(p[0]), py(p[1]), 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.lineWidth = test ? 1.6 : 0.8;
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.stroke();
  };
  described.points.train.forEach((p) => dot(p, false));
  described.points.test.forEach((p) => dot(p, true));
}

function drawCurves(metric) {
  const canvas = $("curves");
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 28;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = "#ccd"; ctx.strokeRect(pad, 6, w - 2 * pad, h - pad);
  if (!curve.length) { return; }
  const finite = (v) => typeof v === "number" && isFinite(v);
  const losses = curve.flatMap((e) => [e.loss, e.val_loss]).filter(finite);
  const top = Math.max(...losses, 1e-9);
  const metrics = curve.flatMap((e) => [e[metric], e["val_" + metric]]).filter(finite);
  const mtop = metric === "accuracy" ? 1 : Math.max(...metrics, 1e-9);
  const x = (i) => pad + (curve.length === 1 ? 0 : i / (curve.length - 1)) * (w - 2 * pad);
  const line = (key, max, colour, dash) => {
    ctx.beginPath(); ctx.setLineDash(dash); ctx.strokeStyle = colour; ctx.lineWidth = 1.6;
    let started = false;
    curve.forEach((e, i) => {
      if (!finite(e[key])) { return; }
      const y = 6 + (1 - e[key] / max) * (h - pad);
      if (started) { ctx.lineTo(x(i), y); } else { ctx.moveTo(x(i), y); started = true; }
    });
    ctx.stroke(); ctx.setLineDash([]);
  };
  line("loss", top, "#183153", []);
  line("val_loss", top, "#e0701a", [5, 4]);
  line(metric, mtop, "rgba(24,49,83,0.35)", []);
  line("val_" + metric, mtop, "rgba(224,112,26,0.45)", [5, 4]);
  ctx.fillStyle = "#556"; ctx.font = "11px sans-serif";
  ctx.fillText(top.toPrecision(2), 2, 14);
  ctx.fillText("0", pad - 10, h - pad + 6);
  ctx.fillText(mtop.toPrecision(2), w - pad + 3, 14);
  ctx.fillText(`epoch ${curve[curve.length - 1].epoch}`, w / 2 - 20, h - 8);
}

function renderLayerStats(layers) {
  const body = $("layer-stats").querySelector("tbody");
  const wmax = Math.max(...layers.map((l) => l.weight), 1e-12);
  const gmax = Math.max(...layers.map((l) => l.grad), 1e-12);
  body.replaceChildren(...layers.map((l) => {
    const bar = (v, max, cls) => {
      const b = el("span", { class: "bar " + cls });
      b.style.width = Math.round(40 * v / max) + "px";
      return el("td", {}, [b, document.createTextNode(v.toExponential(1))]);
    };
    const health = l.units ? `${Math.round(l.dead * l.units)} / ` +
      `${Math.round(l.saturated * l.units)} of ${l.units}` : "";
    return el("tr", {}, [el("td", { text: `${l.name} (${l.activation})` }),
      bar(l.weight, wmax, "weight"), bar(l.grad, gmax, "grad"), el("td", { text: health })]);
  }));
}

function renderNotes(notes) {
  const list = $("notes");
  if (!notes.length) {
    list.replaceChildren(el("li", { class: "small",
      text: curve.length ? "No problems measured." : "Train to see notes about the model." }));
    return;
  }
  list.replaceChildren(...notes.map((n) => el("li", { class: n.level, text: n.text,
    "data-kind": n.kind })));
}

function renderConfusion(matrix) {
  $("confusion-box").hidden = !matrix;
  if (!matrix) { return; }
  const names = (described && described.classes) || matrix.map((_, j) => String(j));
  const head = el("tr", {}, [el("th", { text: "true \\ predicted" }),
    ...matrix.map((_, j) => el("th", { text: names[j] }))]);
  const rows = matrix.map((row, i) => el("tr", {}, [el("th", { text: names[i] }),
    ...row.map((v) => el("td", { text: String(v) }))]));
  $("confusion").replaceChildren(head, ...rows);
}

// The prediction at a clicked point, read from the streamed surface (its nearest grid point).
function predictAt(event) {
  const surface = lastState && lastState.surface;
  if (!surface) { return; }
  const rect = $("surface").getBoundingClientRect();
  const e = surface.extent, n = surface.size;
  const x1 = ((event.clientX - rect.left) / rect.width) * 2 * e - e;
  const x2 = e - ((event.clientY - rect.top) / rect.height) * 2 * e;
  const col = Math.round((x1 + e) / (2 * e) * (n - 1));
  const row = Math.round((x2 + e) / (2 * e) * (n - 1));
  const v = surface.values[row * n + col];
  if (typeof v !== "number") { return; }
  const what = described.task === "binary" ? `P(class 1) = ${v.toFixed(3)} -> class ` +
    (v > 0.5 ? 1 : 0) : `prediction ${v.toFixed(3)}`;
  const at = `At (x1, x2) = (${x1.toFixed(2)}, ${x2.toFixed(2)}): `;
  $("point-prediction").textContent = at + what;
  $("point-prediction").dataset.point = JSON.stringify([x1, x2]);
  // The grid's value shows at once; the model's own answer at the exact point replaces it.
  api("/api/predict", { point: [x1, x2] }).then((answer) => {
    $("point-prediction").textContent = at + (answer.task === "binary"
      ? `P(class 1) = ${answer.probabilities[1].toFixed(3)} -> class ${answer.label}`
      : `prediction ${answer.label}`);
  }).catch(() => {});
}

// -- start ------------------------------------------------------------------------------------
async function main() {
  wireForm();
  $("surface").addEventListener("click", predictAt);
  if (!token) {
    say("This address has no token: open the address `numen playground` printed.");
    return;
  }
  let wanted = null;
  try { wanted = fromFragment(location.hash); } catch (err) { say("bad address: " + err.message); }
  if (wanted) {
    try { onSetup(await api("/api/setup", { setup: wanted })); } catch (err) { say(err.message); }
  }
  const events = new EventSource("/api/events?token=" + encodeURIComponent(token));
  events.addEventListener("setup", (e) => {
    if (answeredVersion === editVersion) { onSetup(JSON.parse(e.data)); }
  });
  events.addEventListener("state", (e) => onState(JSON.parse(e.data)));
  events.onerror = () => say("Lost the connection to the playground server; retrying...");
  events.onopen = () => { if ($("message").textContent.startsWith("Lost")) { say(""); } };
}

main();
