// numen playground page: the layer editor (Define). Loaded before app.js, whose helpers
// ($, el, options, setup, scheduleApply, say) it uses once the page runs.
"use strict";

const IMAGE_TYPES = ["Conv2D", "MaxPooling2D", "AveragePooling2D"];
const RECURRENT_TYPES = ["SimpleRNN", "LSTM", "GRU"];
const SHORT_NAMES = { BatchNormalization: "BatchNorm", MaxPooling2D: "MaxPool",
  AveragePooling2D: "AvgPool" };

// Image layers fit the digits only, recurrent layers the series only: drop the others when
// the data set changes, and start a series with one LSTM.
function fitLayersToData() {
  const name = setup.data.name;
  setup.layers = setup.layers.filter((l) =>
    (name === "digits" || !IMAGE_TYPES.includes(l.type)) &&
    (name === "sine" || !RECURRENT_TYPES.includes(l.type)));
  if (name === "sine" && !setup.layers.some((l) => RECURRENT_TYPES.includes(l.type))) {
    setup.layers.unshift({ type: "LSTM", units: 16 });
  }
  renderLayers();
}

function numberInput(layer, key, min, max, step, title) {
  return el("input", { type: "number", min, max, step: step || 1, value: layer[key], title,
    "data-key": key, onchange: (event) => { layer[key] = Number(event.target.value);
      scheduleApply(); } });
}

function layerControls(layer) {
  const parts = [];
  const label = (text) => el("span", { class: "small", text });
  if (layer.type === "Dense" || layer.type === "Conv2D") {
    if (layer.type === "Dense") {
      parts.push(numberInput(layer, "units", 1, 256, 1, "units"));
    } else {
      parts.push(numberInput(layer, "filters", 1, 64, 1, "filters"));
      parts.push(label("k"), numberInput(layer, "kernel_size", 1, 5, 1, "kernel size"));
    }
    parts.push(el("select", { class: "wide", title: "activation", onchange: (event) => {
      layer.activation = event.target.value; scheduleApply();
    } }, options(ACTIVATIONS, layer.activation)));
    if (layer.type === "Dense") {
      parts.push(label("L2"), numberInput(layer, "l2", 0, 1, 0.001, "L2 regularization"));
    }
  } else if (layer.type === "Dropout") {
    parts.push(label("rate"), numberInput(layer, "rate", 0, 0.95, 0.05, "rate"));
  } else if (layer.type.endsWith("Pooling2D")) {
    parts.push(label("size"), numberInput(layer, "pool_size", 1, 4, 1, "pool size"));
  } else if (RECURRENT_TYPES.includes(layer.type)) {
    parts.push(numberInput(layer, "units", 1, 256, 1, "units"));
  }
  return parts;
}

function renderLayers() {
  const list = $("layers");
  list.replaceChildren();
  setup.layers.forEach((layer, i) => {
    const parts = [el("b", { text: SHORT_NAMES[layer.type] || layer.type }),
      ...layerControls(layer)];
    const move = (delta) => () => {
      const j = i + delta;
      if (j < 0 || j >= setup.layers.length) { return; }
      [setup.layers[i], setup.layers[j]] = [setup.layers[j], setup.layers[i]];
      renderLayers(); scheduleApply();
    };
    parts.push(el("button", { text: "\u2191", title: "move up", onclick: move(-1) }));
    parts.push(el("button", { text: "\u2193", title: "move down", onclick: move(1) }));
    parts.push(el("button", { text: "\u00d7", title: "remove", onclick: () => {
      setup.layers.splice(i, 1); renderLayers(); scheduleApply();
    } }));
    list.appendChild(el("li", { "data-type": layer.type },
      parts.flatMap((p) => [p, document.createTextNode(" ")])));
  });
  $("image-layers").hidden = setup.data.name !== "digits";
  $("recurrent-layers").hidden = setup.data.name !== "sine";
}

function addLayer(spec) {
  if (setup.layers.length >= 12) { say("at most 12 layers"); return; }
  // Convolutions and recurrent layers go before the first Dense layer, where they fit.
  const before = IMAGE_TYPES.includes(spec.type) || RECURRENT_TYPES.includes(spec.type);
  const at = before ? setup.layers.findIndex((l) => l.type === "Dense" ||
    l.type === "Flatten") : -1;
  if (at >= 0) { setup.layers.splice(at, 0, spec); } else { setup.layers.push(spec); }
  renderLayers(); scheduleApply();
}

function wireLayerButtons() {
  const add = (id, spec) => $(id).addEventListener("click",
    () => addLayer(JSON.parse(JSON.stringify(spec))));
  add("add-dense", { type: "Dense", units: 8, activation: "relu", l2: 0 });
  add("add-dropout", { type: "Dropout", rate: 0.2 });
  add("add-bn", { type: "BatchNormalization" });
  add("add-flatten", { type: "Flatten" });
  add("add-conv", { type: "Conv2D", filters: 8, kernel_size: 3, activation: "relu" });
  add("add-maxpool", { type: "MaxPooling2D", pool_size: 2 });
  add("add-avgpool", { type: "AveragePooling2D", pool_size: 2 });
  add("add-simplernn", { type: "SimpleRNN", units: 16 });
  add("add-lstm", { type: "LSTM", units: 16 });
  add("add-gru", { type: "GRU", units: 16 });
}
