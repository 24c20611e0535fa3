// numen playground page: asking the trained model (Evaluate and predict): draw a digit on a
// pad, or type a CSV row, and read the model's answer from /api/predict.
"use strict";

function showPredictors(description) {
  const name = description.setup.data.name;
  $("digit-box").hidden = name !== "digits";
  $("row-box").hidden = name !== "csv";
  $("series-box").hidden = name !== "sine";
  windowAt = 0;
  drawWindow(null);
  if (name === "csv" && description.columns) {
    const target = description.setup.data.target;
    const columns = description.columns.filter((c) => c !== target);
    $("row-columns").textContent = "Columns: " + columns.join(", ");
  }
}

// The sine set: one test window at a time, its true next value and the model's.
let windowAt = 0;

function drawWindow(predicted) {
  const windows = (described && described.windows) || [];
  const canvas = $("series");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!windows.length) { return; }
  const w = windows[windowAt % windows.length];
  const steps = w.values.length;
  const x = (i) => 10 + i / steps * (canvas.width - 20);
  const y = (v) => canvas.height / 2 - v * canvas.height * 0.35;
  ctx.strokeStyle = "#183153"; ctx.lineWidth = 1.6; ctx.beginPath();
  w.values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
  ctx.stroke();
  ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 2; ctx.beginPath();
  ctx.arc(x(steps), y(w.next), 6, 0, 2 * Math.PI); ctx.stroke();
  if (typeof predicted === "number") {
    ctx.fillStyle = "#e0701a"; ctx.beginPath();
    ctx.arc(x(steps), y(predicted), 4, 0, 2 * Math.PI); ctx.fill();
  }
}

async function predictWindow() {
  const windows = (described && described.windows) || [];
  if (!windows.length) { return; }
  const w = windows[windowAt % windows.length];
  try {
    const answer = await api("/api/predict", { series: w.values });
    drawWindow(answer.value);
    $("series-prediction").textContent = `next value: true ${w.next.toFixed(3)}, ` +
      `predicted ${answer.label}`;
    $("series-prediction").dataset.label = answer.label;
  } catch (err) { $("series-prediction").textContent = err.message; }
}

function describeAnswer(answer) {
  if (answer.task === "regression") { return `prediction: ${answer.label}`; }
  const p = answer.probabilities[answer.class];
  return `prediction: ${answer.label} (probability ${p.toFixed(3)})`;
}

async function ask(body, out) {
  try {
    const answer = await api("/api/predict", body);
    $(out).textContent = describeAnswer(answer);
    $(out).dataset.label = answer.label;
    if (body.image) { drawMaps(answer.maps); }
  } catch (err) {
    $(out).textContent = err.message;
    $(out).dataset.label = "";
    if (body.image) { drawMaps([]); }
  }
}

// The pad is drawn at 160x160 and read as the 8x8 grid the digits set uses (each cell the
// mean ink of its 20x20 block, scaled so the darkest cell is 1, as the scanned digits are).
function padImage() {
  const pad = $("digit-pad");
  const data = pad.getContext("2d").getImageData(0, 0, pad.width, pad.height).data;
  const cell = pad.width / 8;
  const cells = [];
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      let ink = 0;
      for (let y = r * cell; y < (r + 1) * cell; y++) {
        for (let x = c * cell; x < (c + 1) * cell; x++) {
          ink += 255 - data[4 * (y * pad.width + x)];
        }
      }
      cells.push(ink / (255 * cell * cell));
    }
  }
  const top = Math.max(...cells);
  return top > 0 ? cells.map((v) => Math.min(1, v / top)) : cells;
}

function clearPad() {
  const ctx = $("digit-pad").getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 160, 160);
}

function wirePad() {
  const pad = $("digit-pad");
  const ctx = pad.getContext("2d");
  let drawing = false;
  const at = (event) => {
    const rect = pad.getBoundingClientRect();
    return [(event.clientX - rect.left) * pad.width / rect.width,
      (event.clientY - rect.top) * pad.height / rect.height];
  };
  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    ctx.beginPath(); ctx.moveTo(...at(event));
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) { return; }
    ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";
    ctx.lineTo(...at(event)); ctx.stroke();
  });
  const stop = () => { drawing = false; };
  pad.addEventListener("pointerup", stop);
  pad.addEventListener("pointerleave", stop);
  clearPad();
}

function wirePredict() {
  wirePad();
  $("digit-clear").addEventListener("click", () => {
    clearPad(); drawMaps([]);
    $("digit-prediction").textContent = "Draw a digit, then press Predict.";
  });
  $("digit-predict").addEventListener("click", () => ask({ image: padImage() },
    "digit-prediction"));
  $("series-predict").addEventListener("click", predictWindow);
  $("series-next").addEventListener("click", () => {
    windowAt += 1; drawWindow(null);
    $("series-prediction").textContent = "A test window of the series.";
  });
  $("row-predict").addEventListener("click", () => ask({ row: $("csv-row").value },
    "row-prediction"));
  $("csv-row").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { $("row-predict").click(); }
  });
}
