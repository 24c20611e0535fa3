// numen playground page: looking inside and across runs: each hidden unit's own surface as a
// thumbnail (2-D data), each convolution filter's map of a drawn digit, and the test loss of
// kept runs overlaid on the current one.
"use strict";

const RUN_COLOURS = ["#7b3294", "#008837", "#c2a5cf", "#a6611a", "#5e3c99", "#d01c8b"];
let keptRuns = [];   // {label, losses}: the test loss of each kept run, one value an epoch

// One small canvas for a grid of values (u.size x u.size, row by row), coloured from its own
// lowest to its highest value: a unit's surface has its first row at the bottom (the plane's
// y grows upwards), a feature map at the top (an image's rows run downwards).
function thumbnail(u, firstRowAtTop) {
  const canvas = el("canvas", { width: u.size, height: u.size, class: "unit",
    title: `${u.layer} ${firstRowAtTop ? "filter" : "unit"} ${u.unit}` });
  const values = u.values.map((v) => (typeof v === "number" ? v : 0));
  const lo = Math.min(...values), hi = Math.max(...values);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(u.size, u.size);
  values.forEach((v, k) => {
    const down = Math.floor(k / u.size), col = k % u.size;
    const row = firstRowAtTop ? down : u.size - 1 - down;
    const [r, g, b] = mix((v - lo) / ((hi - lo) || 1));
    const o = 4 * (row * u.size + col);
    image.data[o] = r; image.data[o + 1] = g; image.data[o + 2] = b; image.data[o + 3] = 255;
  });
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function drawUnits(surface) {
  const units = (surface && surface.units) || [];
  $("units-box").hidden = !units.length;
  $("units").replaceChildren(...units.map((u) => thumbnail(u, false)));
}

// What each convolution filter makes of the drawn digit (the answer's feature maps).
function drawMaps(maps) {
  $("digit-maps-box").hidden = !(maps && maps.length);
  $("digit-maps").replaceChildren(...(maps || []).map((m) => thumbnail(m, true)));
}

function runLabel() {
  const layers = setup.layers.map((l) => (l.units || l.filters || "") +
    (SHORT_NAMES[l.type] || l.type)[0]).join("-");
  return `${setup.data.name} [${layers || "no hidden"}] ${setup.compile.optimizer} ` +
    `lr=${setup.compile.learning_rate}`;
}

function drawCompare() {
  const canvas = $("compare");
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 24;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = "#ccd"; ctx.strokeRect(pad, 6, w - 2 * pad, h - pad);
  const current = { label: "current", losses: curve.map((e) => e.val_loss) };
  const runs = [...keptRuns, current];
  const finite = (v) => typeof v === "number" && isFinite(v);
  const all = runs.flatMap((r) => r.losses).filter(finite);
  if (!all.length) { return; }
  const top = Math.max(...all, 1e-9);
  const longest = Math.max(...runs.map((r) => r.losses.length), 2);
  runs.forEach((run, k) => {
    ctx.beginPath();
    ctx.strokeStyle = run === current ? "#183153" : RUN_COLOURS[k % RUN_COLOURS.length];
    ctx.lineWidth = run === current ? 2 : 1.4;
    let started = false;
    run.losses.forEach((v, i) => {
      if (!finite(v)) { return; }
      const x = pad + i / (longest - 1) * (w - 2 * pad), y = 6 + (1 - v / top) * (h - pad);
      if (started) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); started = true; }
    });
    ctx.stroke();
  });
  ctx.fillStyle = "#556"; ctx.font = "11px sans-serif";
  ctx.fillText(top.toPrecision(2), 2, 14);
  ctx.fillText("test loss by epoch", w / 2 - 40, h - 6);
}

function swatch(colour) {
  const span = el("span", { class: "swatch" });
  span.style.background = colour;  // through the DOM: the CSP refuses inline style attributes
  return span;
}

function renderRuns() {
  $("runs").replaceChildren(...keptRuns.map((run, k) => el("li", {}, [
    swatch(RUN_COLOURS[k % RUN_COLOURS.length]),
    document.createTextNode(` ${run.label} `),
    el("button", { text: "\u00d7", title: "forget this run", onclick: () => {
      keptRuns.splice(k, 1); renderRuns(); drawCompare();
    } })])));
}

function wireInspect() {
  $("keep-run").addEventListener("click", () => {
    if (!curve.length) { say("Train first, then keep the run to compare it."); return; }
    if (keptRuns.length >= RUN_COLOURS.length) { keptRuns.shift(); }
    keptRuns.push({ label: `${runLabel()}, ${curve.length} epochs`,
      losses: curve.map((e) => e.val_loss) });
    renderRuns(); drawCompare();
  });
}
