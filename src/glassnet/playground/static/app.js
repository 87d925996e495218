// The playground page: one state object (the server's config plus view settings) mirrored in
// the URL hash with TF Playground's names; frames from the server drawn on canvas and SVG.
// Every field's allowed values, the live fields and the upload limits come from the server's
// `hello` (glassnet/playground/config.py owns them); the server also parses URL hashes.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  // How each input feature is drawn (its label and formula); which there are, and their order,
  // come from limits.features.
  const FEATURE_VIEW = {
    x: ["X₁", (a, b) => a], y: ["X₂", (a, b) => b],
    xSquared: ["X₁²", (a, b) => a * a], ySquared: ["X₂²", (a, b) => b * b],
    xTimesY: ["X₁X₂", (a, b) => a * b], sinX: ["sin(X₁)", (a, b) => Math.sin(a)],
    sinY: ["sin(X₂)", (a, b) => Math.sin(b)],
  };
  // Shown names of option values; the ones in I18N are translated.
  const OPTION_LABELS = { relu: "ReLU", tanh: "Tanh", sigmoid: "Sigmoid", linear: "Linear",
                          sgd: "SGD", adam: "Adam" };
  const PALETTE = [[245, 147, 34], [8, 119, 189], [60, 160, 80], [150, 80, 180], [200, 50, 60]];

  let ws = null;
  let config = null; // the page's state: the server's config with the user's pending changes
  let serverConfig = null; // the last config the server confirmed
  let frame = null; // the latest frame
  let points = { train: [], test: [] };
  let history = []; // [epoch, trainLoss, testLoss]
  let running = false;
  let drawPending = false;
  let netShapeKey = "";
  let lang = "en";
  let limits = null; // from hello: allowed values, live and view fields, upload limits
  let hashPending = false; // the URL's hash went to the server; keep it until its reply
  let inside = null; // the last `inspect` message: one point's forward and backward
  let insideAt = 0; // the step shown: forward nodes first, then the backward steps

  // ----- strings ------------------------------------------------------------------------------
  function t(key) {
    const d = window.I18N[lang] || window.I18N.en;
    return d[key] !== undefined ? d[key] : window.I18N.en[key] || key;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    $("lang").value = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    const help = (window.I18N[lang] || window.I18N.en).help;
    for (const el of document.querySelectorAll("[data-help]")) {
      const text = help[el.dataset.help] || "";
      el.title = text;
      let line = document.querySelector(`.help[data-for="${el.dataset.help}"]`);
      if (!line) {
        line = document.createElement("small");
        line.className = "help";
        line.dataset.for = el.dataset.help;
        // a checkbox's help goes after its label, not between the box and its text
        (el.type === "checkbox" ? el.parentElement : el).insertAdjacentElement("afterend", line);
      }
      line.textContent = text;
    }
    $("help-toggle").textContent = document.body.classList.contains("show-help")
      ? t("hideHelp") : t("showHelp");
    $("status").textContent = ws && ws.readyState === 1 ? t("connected") : t("connecting");
    drawConfusion();
  }

  // ----- messages -----------------------------------------------------------------------------
  function send(msg) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
  }

  function showError(message) {
    const el = $("error");
    el.textContent = message;
    el.hidden = false;
  }

  function clearError() { $("error").hidden = true; $("error").textContent = ""; }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/ws`);
    ws.onopen = () => { $("status").textContent = t("connected"); };
    ws.onclose = () => {
      running = false;
      updatePlay();
      $("status").textContent = t("disconnected");
      document.body.classList.add("disconnected");
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      const handler = HANDLERS[msg.type];
      if (handler) handler(msg);
    };
    setInterval(() => send({ type: "ping" }), 30000);
  }

  const HANDLERS = {
    hello(msg) {
      limits = msg.limits;
      applyLimits();
      config = serverConfig = msg.config;
      lang = config.lang === "ko" ? "ko" : "en";
      applyLanguage();
      sendHash();
      renderControls();
    },
    config(msg) {
      hashPending = false;
      config = serverConfig = msg.config;
      if (config.lang !== lang) { lang = config.lang === "ko" ? "ko" : "en"; applyLanguage(); }
      renderControls();
    },
    frame(msg) {
      if (msg.points) points = msg.points;
      if (msg.running !== undefined) { running = msg.running; updatePlay(); }
      if (msg.epoch === undefined) return; // a bare play-state update
      if (frame && msg.epoch < frame.epoch) history = [];
      if (!history.length || history[history.length - 1][0] !== msg.epoch) {
        history.push([msg.epoch, msg.trainLoss, msg.testLoss]);
        if (history.length > 2000) history = history.filter((_, i) => i % 2 === 0);
      }
      frame = msg;
      scheduleDraw();
    },
    warning(msg) {
      $("warning").textContent = msg.message;
      $("warning").classList.toggle("info", msg.code === "stop"); // a stop condition, no harm
      $("warning").hidden = false;
      running = false;
      updatePlay();
    },
    error(msg) {
      hashPending = false;
      showError(msg.message); // the server's messages name their field (ConfigError's rule)
      if (serverConfig) { config = { ...serverConfig }; renderControls(); } // the server's values
    },
    inspect(msg) {
      inside = msg;
      insideAt = 0;
      for (const p of $("links").children) { delete p.dataset.grad; p.classList.remove("grad-shown"); }
      for (const c of document.querySelectorAll(".node.hidden-node")) {
        c.classList.remove("dead", "saturated");
        c.removeAttribute("title");
      }
      msg.health.forEach((layer, l) => layer.forEach((state, i) => {
        const c = $(`neuron-${l}-${i}`);
        if (c && state) { c.classList.add(state); c.title = t(state); }
      }));
      $("inside-next").disabled = false;
      renderInside();
    },
    script(msg) { download(msg.filename, new Blob([msg.text], { type: "text/x-python" })); },
    weights(msg) {
      const bin = atob(msg.data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      download(msg.filename, new Blob([bytes], { type: "application/octet-stream" }));
    },
  };

  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // ----- URL hash (TF Playground's names) ------------------------------------------------------
  // The server reads a hash (config.parse_hash): it keeps the good values and names each bad
  // one in an error frame.
  function sendHash() {
    const text = (location.hash || "").replace(/^#/, "");
    if (!text) return;
    hashPending = true;
    send({ type: "hash", text });
  }

  function writeHash() {
    if (hashPending) return;
    const parts = [];
    for (const [k, v] of Object.entries(config)) {
      if (v === null || typeof v === "object" && !Array.isArray(v)) continue;
      const text = encodeURIComponent(Array.isArray(v) ? v.join(",") : String(v));
      parts.push(`${k}=${text.replace(/%2C/g, ",")}`); // "4,2" as TF writes it
    }
    history_replace("#" + parts.join("&"));
  }

  function history_replace(hash) {
    if (location.hash !== hash) window.history.replaceState(null, "", hash);
  }

  // ----- controls -----------------------------------------------------------------------------
  function fillSelect(el, values) {
    el.replaceChildren();
    for (const v of values) {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = OPTION_LABELS[v] || String(v);
      if (window.I18N.en[v] !== undefined) o.dataset.i18n = String(v);
      el.appendChild(o);
    }
  }

  // min..max in steps (rounded, so 0.1 steps give 0.3, not 0.30000000000000004)
  function steps(r) {
    const out = [];
    for (let i = 0; r.min + i * r.step <= r.max + 1e-9; i++) out.push(Number((r.min + i * r.step).toFixed(6)));
    return out;
  }

  // The controls' choices and ranges, as the server's limits say.
  function applyLimits() {
    for (const el of document.querySelectorAll("[data-key]")) {
      const lim = limits[el.dataset.key];
      if (lim === undefined) continue;
      if (el.tagName === "SELECT") fillSelect(el, Array.isArray(lim) ? lim : steps(lim));
      else if (!Array.isArray(lim)) {
        for (const k of ["min", "max", "step"]) if (lim[k] !== undefined) el[k] = String(lim[k]);
      }
    }
  }

  function isView(key) { return limits.viewFields.includes(key); }

  function shape() {
    const s = config.networkShape;
    if (Array.isArray(s)) return s.slice();
    return String(s || "").split(",").filter((p) => p.trim() !== "").map(Number);
  }

  function shapeValue(list) {
    return Array.isArray(config.networkShape) ? list : list.join(",");
  }

  function isClassification() { return config.problem !== "regression"; }

  function numClasses() { return isClassification() ? Number(config.numClasses || 2) : 1; }

  function renderControls() {
    if (!config) return;
    for (const el of document.querySelectorAll("[data-key]")) {
      const v = config[el.dataset.key];
      if (v === undefined) continue;
      if (el.type === "checkbox") el.checked = !!v;
      else el.value = String(v);
      const out = $(`${el.id}-value`);
      if (out) out.textContent = el.id === "percTrainData" ? `${v}%` : String(v);
    }
    // 3-5 classes: the spiral or an uploaded CSV only (the server says so too)
    $("numClasses").disabled = !isClassification() || !["spiral", "csv"].includes(config.dataset);
    renderDatasets();
    renderNetwork();
    writeHash();
    scheduleDraw();
  }

  function changeConfig(fields) {
    clearError();
    for (const k of Object.keys(fields)) if (isView(k)) config[k] = fields[k];
    if (Object.keys(fields).some((k) => !isView(k))) $("warning").hidden = true;
    send({ type: "config", config: fields });
    writeHash();
    scheduleDraw();
  }

  function controlValue(el) {
    if (el.type === "checkbox") return el.checked;
    const d = config[el.dataset.key];
    if (typeof d === "number" || el.type === "number" || el.type === "range") return Number(el.value);
    return el.value;
  }

  function bindControls() {
    for (const el of document.querySelectorAll("[data-key]")) {
      const ev = el.type === "range" ? "input" : "change";
      el.addEventListener(ev, () => {
        if (!config) return;
        const out = $(`${el.id}-value`);
        if (out) out.textContent = el.id === "percTrainData" ? `${el.value}%` : el.value;
        if (el.type === "range") { // send when the slider rests
          clearTimeout(el._timer);
          el._timer = setTimeout(() => changeConfig({ [el.dataset.key]: controlValue(el) }), 150);
        } else {
          changeConfig({ [el.dataset.key]: controlValue(el) });
        }
      });
    }
    $("lang").addEventListener("change", () => {
      lang = $("lang").value === "ko" ? "ko" : "en";
      if (config) changeConfig({ lang });
      applyLanguage();
    });
    $("help-toggle").addEventListener("click", () => {
      document.body.classList.toggle("show-help");
      applyLanguage();
    });
    $("play").addEventListener("click", () => {
      clearError();
      $("warning").hidden = true;
      send({ type: running ? "pause" : "play" });
      running = !running;
      updatePlay();
    });
    $("step").addEventListener("click", () => { clearError(); send({ type: "step" }); });
    $("reset").addEventListener("click", () => {
      clearError();
      $("warning").hidden = true;
      history = [];
      send({ type: "reset" });
    });
    $("regenerate").addEventListener("click", () => { clearError(); send({ type: "regenerate" }); });
    $("add-layer").addEventListener("click", () => {
      const s = shape();
      if (s.length < limits.networkShape.maxLayers) { s.push(2); changeConfig({ networkShape: shapeValue(s) }); }
    });
    $("remove-layer").addEventListener("click", () => {
      const s = shape();
      if (s.length > 0) { s.pop(); changeConfig({ networkShape: shapeValue(s) }); }
    });
    $("csv-input").addEventListener("change", () => {
      const file = $("csv-input").files[0];
      if (!file) return;
      clearError();
      if (file.size > limits.maxCsvBytes) { showError(tooBig("csvTooBig", limits.maxCsvBytes)); return; }
      file.text().then((text) => { history = []; send({ type: "upload_csv", text }); });
      $("csv-input").value = "";
    });
    $("export-script").addEventListener("click", () => send({ type: "export_script" }));
    $("inside-start").addEventListener("click", () => {
      clearError();
      send({ type: "inspect", index: Number($("inside-index").value) });
    });
    $("inside-next").addEventListener("click", () => {
      if (!inside) return;
      const total = inside.forward.length + inside.backward.length;
      if (insideAt < total - 1) { insideAt += 1; renderInside(); }
    });
    $("export-weights").addEventListener("click", () => send({ type: "export_weights" }));
    $("export-onnx").addEventListener("click", () => send({ type: "export_onnx" }));
    $("weights-input").addEventListener("change", () => {
      const file = $("weights-input").files[0];
      if (!file) return;
      clearError();
      if (file.size > limits.maxWeightsBytes) {
        showError(tooBig("weightsTooBig", limits.maxWeightsBytes));
        return;
      }
      file.arrayBuffer().then((buf) => {
        const bytes = new Uint8Array(buf);
        let bin = "";
        for (let i = 0; i < bytes.length; i += 0x8000) {
          bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        }
        send({ type: "import_weights", data: btoa(bin) });
      });
      $("weights-input").value = "";
    });
    $("weight-editor").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const ed = $("weight-editor");
      const value = Number($("weight-value").value);
      if (Number.isFinite(value)) {
        send({ type: "set_weight", layer: Number(ed.dataset.layer), from: Number(ed.dataset.from),
               to: Number(ed.dataset.to), value });
      }
      ed.hidden = true;
    });
    window.addEventListener("resize", fitNetwork);
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") $("weight-editor").hidden = true;
    });
    window.addEventListener("hashchange", () => { // a hash typed or pasted into the URL
      if (!config) return;
      clearError();
      sendHash();
    });
  }

  function tooBig(key, bytes) {
    return t(key).replace("{n}", `${Math.floor(bytes / 1024)} kB`);
  }

  function updatePlay() {
    const b = $("play");
    b.textContent = running ? "❚❚" : "▶";
    b.setAttribute("aria-pressed", running ? "true" : "false");
    b.classList.toggle("playing", running);
  }

  // ----- colours ------------------------------------------------------------------------------
  // TF Playground's scale: -1 orange, 0 near white, +1 blue.
  function scale(v) {
    const x = Math.max(-1, Math.min(1, v));
    const mid = [232, 234, 235];
    const end = x < 0 ? PALETTE[0] : PALETTE[1];
    const f = Math.abs(x);
    return [0, 1, 2].map((i) => Math.round(mid[i] + (end[i] - mid[i]) * f));
  }

  function pointColor(label) {
    if (numClasses() > 2) return PALETTE[Math.max(0, Math.min(4, Math.round(label)))];
    return scale(isClassification() ? (label > 0 ? 1 : -1) : label);
  }

  function rgb(c) { return `rgb(${c[0]},${c[1]},${c[2]})`; }

  function confidenceOf(f) { return f.confidence ? decode(f.confidence) : null; }

  function decode(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  // values: row 0 at y=+6; k>2 classes: the value is a class index.
  function paintGrid(canvas, values, n, discretize, confidence) {
    const off = canvas._off || (canvas._off = document.createElement("canvas"));
    off.width = n; off.height = n;
    const ctx = off.getContext("2d");
    const img = ctx.createImageData(n, n);
    const k = numClasses();
    for (let i = 0; i < n * n; i++) {
      let v = values[i];
      let c;
      if (!Number.isFinite(v)) c = [200, 200, 200];
      else if (k > 2) { // the predicted class, paler where the softmax is unsure
        const a = discretize || !confidence ? 0.6 : 0.85 * Math.max(0, (confidence[i] - 1 / k) / (1 - 1 / k));
        c = PALETTE[Math.max(0, Math.min(4, Math.round(v)))].map((x) => Math.round(x * a + 240 * (1 - a)));
      }
      else { if (discretize) v = v >= 0 ? 1 : -1; c = scale(v); }
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const g = canvas.getContext("2d");
    g.imageSmoothingEnabled = !discretize;
    g.drawImage(off, 0, 0, canvas.width, canvas.height);
  }

  // ----- data set thumbnails ------------------------------------------------------------------
  function thumbValue(name, a, b) {
    if (name === "circle") return Math.hypot(a, b) < 3 ? 1 : -1;
    if (name === "xor") return a * b >= 0 ? 1 : -1;
    if (name === "gauss") return Math.hypot(a - 2, b - 2) < 2.2 ? 1 : Math.hypot(a + 2, b + 2) < 2.2 ? -1 : 0;
    if (name === "spiral") {
      const r = Math.hypot(a, b) / 6, th = Math.atan2(b, a);
      const phase = ((th - r * 2 * Math.PI * 1.4) / Math.PI) % 2;
      return Math.abs(phase) < 0.5 || Math.abs(phase) > 1.5 ? 1 : -1;
    }
    if (name === "reg-plane") return (a + b) / 10;
    if (name === "reg-gauss") return Math.exp(-((a - 2) ** 2 + (b - 2) ** 2) / 4) - Math.exp(-((a + 2) ** 2 + (b + 2) ** 2) / 4);
    return 0;
  }

  function functionThumb(canvas, fn, n, norm) {
    const vals = new Float32Array(n * n);
    let m = 1e-9;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const v = fn(-6 + 12 * (c + 0.5) / n, 6 - 12 * (r + 0.5) / n);
        vals[r * n + c] = v;
        m = Math.max(m, Math.abs(v));
      }
    }
    if (norm) for (let i = 0; i < vals.length; i++) vals[i] /= m;
    const g = canvas.getContext("2d");
    const off = document.createElement("canvas");
    off.width = n; off.height = n;
    const ctx = off.getContext("2d");
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const c = scale(vals[i]);
      img.data.set([c[0], c[1], c[2], 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
    g.drawImage(off, 0, 0, canvas.width, canvas.height);
  }

  function renderDatasets() {
    const box = $("datasets");
    const key = isClassification() ? "dataset" : "regDataset";
    const names = limits[key].filter((name) => name !== "csv"); // csv: after an upload only
    if (box.dataset.kind !== key) {
      box.replaceChildren();
      for (const name of names) {
        const c = document.createElement("canvas");
        c.width = 48; c.height = 48;
        c.className = "thumb";
        c.dataset.dataset = name;
        c.dataset.testid = `dataset-${name}`;
        c.id = `dataset-${name}`;
        c.title = name;
        functionThumb(c, (a, b) => thumbValue(name, a, b), 24, false);
        c.addEventListener("click", () => changeConfig({ [key]: name }));
        box.appendChild(c);
      }
      box.dataset.kind = key;
    }
    const csv = config.dataset === "csv" || config.source === "csv";
    for (const c of box.children) c.classList.toggle("selected", !csv && c.dataset.dataset === config[key]);
  }

  // ----- network ------------------------------------------------------------------------------
  const NODE = 34, GAP = 8, COL = 110, LABEL_W = 62;
  const MIN_SCALE = 0.55; // smaller than this is too small to touch: the column scrolls instead

  // Scale the network to the column's width (a phone's 390 px), down to MIN_SCALE; what is
  // still wider scrolls sideways, with a visible scrollbar and a hint.
  function fitNetwork() {
    const net = $("network"), box = $("network-box"), col = $("net-col");
    const w = Number(net.dataset.width || 0), h = Number(net.dataset.height || 0);
    if (!w) return;
    const cs = getComputedStyle(col);
    const room = col.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const netScale = Math.max(MIN_SCALE, Math.min(1, room / w));
    net.style.transform = netScale < 1 ? `scale(${netScale})` : "";
    box.style.width = `${Math.ceil(w * netScale)}px`;
    box.style.height = `${Math.ceil(h * netScale)}px`;
    const scrolls = w * netScale > room + 0.5;
    col.classList.toggle("scrolls", scrolls);
    $("net-scroll-hint").hidden = !scrolls;
  }

  function layout() {
    const s = shape();
    const cols = [limits.features, ...s.map((n) => Array.from({ length: n }, (_, i) => i)), ["out"]];
    const rows = Math.max(...cols.map((c) => c.length));
    return { s, cols, height: rows * (NODE + GAP) + 40, width: LABEL_W + (cols.length - 1) * COL + NODE + 10 };
  }

  function nodePos(col, i) { return [LABEL_W + col * COL, 30 + i * (NODE + GAP)]; }

  function enabledFeatures() { return limits.features.filter((f) => config[f]); }

  function renderNetwork() {
    const L = layout();
    const key = JSON.stringify([L.s, enabledFeatures(), numClasses()]);
    $("layer-count").textContent = String(L.s.length);
    if (key === netShapeKey) return;
    netShapeKey = key;
    const net = $("network");
    net.style.height = `${L.height}px`;
    net.style.width = `${L.width}px`;
    net.dataset.width = String(L.width);
    net.dataset.height = String(L.height);
    fitNetwork();
    const nodes = $("nodes");
    nodes.replaceChildren();
    // features
    limits.features.forEach((name, i) => {
      const [label, fn] = FEATURE_VIEW[name];
      const [x, y] = nodePos(0, i);
      const c = document.createElement("canvas");
      c.width = NODE; c.height = NODE;
      c.className = "node feature" + (config[name] ? " on" : "");
      c.id = `feature-${name}`;
      c.dataset.feature = name;
      c.dataset.testid = `feature-${name}`;
      c.style.left = `${x}px`; c.style.top = `${y}px`;
      c.title = label;
      functionThumb(c, fn, 20, true);
      c.addEventListener("click", () => changeConfig({ [name]: !config[name] }));
      nodes.appendChild(c);
      const tag = document.createElement("span");
      tag.className = "feature-label";
      tag.textContent = label;
      tag.style.left = "0px"; tag.style.width = `${LABEL_W - 6}px`; tag.style.top = `${y + NODE / 2 - 8}px`;
      nodes.appendChild(tag);
    });
    // hidden layers, with +/- neuron buttons
    L.s.forEach((n, l) => {
      const [x] = nodePos(l + 1, 0);
      const ctl = document.createElement("div");
      ctl.className = "neuron-ctl";
      ctl.style.left = `${x - 14}px`; ctl.style.top = "0px";
      for (const [sym, d] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button");
        b.className = "round tiny";
        b.textContent = sym;
        b.dataset.testid = `layer-${l}-${d > 0 ? "add" : "remove"}`;
        b.addEventListener("click", () => {
          const s = shape();
          const m = s[l] + d;
          if (m >= 1 && m <= limits.networkShape.maxNeurons) { s[l] = m; changeConfig({ networkShape: shapeValue(s) }); }
        });
        ctl.appendChild(b);
      }
      const lab = document.createElement("span");
      lab.textContent = `${n}`;
      ctl.appendChild(lab);
      nodes.appendChild(ctl);
      for (let i = 0; i < n; i++) {
        const [nx, ny] = nodePos(l + 1, i);
        const c = document.createElement("canvas");
        c.width = NODE; c.height = NODE;
        c.className = "node hidden-node";
        c.id = `neuron-${l}-${i}`;
        c.style.left = `${nx}px`; c.style.top = `${ny}px`;
        nodes.appendChild(c);
      }
    });
    const [ox, oy] = nodePos(L.cols.length - 1, 0);
    const o = document.createElement("canvas");
    o.width = NODE; o.height = NODE;
    o.className = "node output-node";
    o.id = "neuron-out";
    o.style.left = `${ox}px`; o.style.top = `${oy}px`;
    nodes.appendChild(o);
    // links: one <path> per weight, rebuilt only when the shape changes
    const svg = $("links");
    svg.setAttribute("width", L.width);
    svg.setAttribute("height", L.height);
    svg.replaceChildren();
    hovered = null;
    const ins = [enabledFeatures().map((f) => limits.features.indexOf(f))];
    L.s.forEach((n) => ins.push(Array.from({ length: n }, (_, i) => i)));
    const outs = [...L.s.map((n) => Array.from({ length: n }, (_, i) => i)), [0]];
    for (let l = 0; l < outs.length; l++) {
      for (let j = 0; j < outs[l].length; j++) {
        for (let i = 0; i < ins[l].length; i++) {
          const [x1, y1] = nodePos(l, ins[l][i]);
          const [x2, y2] = nodePos(l + 1, outs[l][j]);
          const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
          const ax = x1 + NODE, ay = y1 + NODE / 2, bx = x2, by = y2 + NODE / 2;
          const mx = (ax + bx) / 2;
          p.setAttribute("d", `M${ax},${ay} C${mx},${ay} ${mx},${by} ${bx},${by}`);
          p.setAttribute("class", "link");
          p.dataset.layer = l; p.dataset.from = i; p.dataset.to = j;
          p.id = `link-${l}-${i}-${j}`;
          p.addEventListener("mousemove", (ev) => showTip(ev, p));
          p.addEventListener("mouseleave", () => { hovered = null; $("link-tip").hidden = true; });
          p.addEventListener("click", (ev) => editWeight(ev, p));
          svg.appendChild(p);
        }
      }
    }
  }

  function short(v) {
    if (Array.isArray(v)) return `[${v.map(short).join(", ")}]`;
    return Number(v).toPrecision(4);
  }

  function neuronOf(module, i) {
    const l = inside.activations[module];
    if (l === undefined) return null;
    return l < shape().length ? $(`neuron-${l}-${i}`) : (i === 0 ? $("neuron-out") : null);
  }

  function renderInside() {
    const F = inside.forward.length, B = inside.backward.length;
    const box = $("inside-step");
    for (const el of document.querySelectorAll(".node-value")) el.remove();
    for (const el of document.querySelectorAll(".inside-current")) el.classList.remove("inside-current");
    box.dataset.step = String(insideAt);
    box.dataset.done = String(insideAt >= F + B - 1);
    let text;
    if (insideAt < F) {
      const n = inside.forward[insideAt];
      text = `${t("insideForward")} ${insideAt + 1}/${F}: ${n.op}${n.module ? ` (${n.module})` : ""}\n= ${short(n.value)}`;
      const row = Array.isArray(n.value) ? n.value[0] : [n.value];
      if (n.module !== null && Array.isArray(row)) {
        row.forEach((v, i) => {
          const c = neuronOf(n.module, i);
          if (!c) return;
          c.classList.add("inside-current");
          const tag = document.createElement("span");
          tag.className = "node-value";
          tag.textContent = Number(v).toFixed(3);
          tag.style.left = c.style.left;
          tag.style.top = `${parseFloat(c.style.top) + NODE}px`;
          $("nodes").appendChild(tag);
        });
      }
    } else {
      const b = inside.backward[insideAt - F];
      const outs = b.gradIn.map((g) => `  → ${g.label}: ${short(g.value)}`).join("\n");
      text = `${t("insideBackward")} ${insideAt - F + 1}/${B}: ${b.op}${b.module ? ` (${b.module})` : ""}\n` +
        `${b.rule}\n  ← ${short(b.gradOut)}\n${outs}`;
      const l = inside.linears.indexOf(b.module);
      if (l >= 0) {
        for (const p of $("links").children) {
          if (Number(p.dataset.layer) !== l) continue;
          const row = inside.weightGrads[l][Number(p.dataset.to)];
          if (!row) continue;
          p.dataset.grad = String(row[Number(p.dataset.from)]);
          p.classList.add("grad-shown");
        }
      }
      if (insideAt === F + B - 1) { text += `\n${t("insideDone")}`; $("inside-next").disabled = true; }
    }
    box.textContent = text;
  }

  function weightOf(p) {
    if (!frame || !frame.weights) return undefined;
    const W = frame.weights[Number(p.dataset.layer)];
    if (!W) return undefined;
    // the output layer of a k-class net has k rows; its links show the first class's weights
    const row = W[Number(p.dataset.to)];
    return row ? row[Number(p.dataset.from)] : undefined;
  }

  function tipPlace(el, ev) {
    const box = $("network-box").getBoundingClientRect(); // the tips are not scaled
    el.style.left = `${ev.clientX - box.left + 12}px`;
    el.style.top = `${ev.clientY - box.top + 12}px`;
  }

  let hovered = null; // the link under the mouse: its tip follows the live weight

  function showTip(ev, p) {
    hovered = p;
    tipPlace($("link-tip"), ev);
    updateTip();
  }

  function updateTip() {
    const tip = $("link-tip");
    const w = hovered && weightOf(hovered);
    if (w === undefined || w === null) { tip.hidden = true; return; }
    tip.textContent = t("weightTip").replace("{v}", Number(w).toFixed(3)) +
      (hovered.dataset.grad ? `, ${t("gradTip").replace("{g}", Number(hovered.dataset.grad).toFixed(4))}` : "");
    tip.hidden = false;
  }

  function editWeight(ev, p) {
    const w = weightOf(p);
    if (w === undefined) return;
    const ed = $("weight-editor");
    ed.dataset.layer = p.dataset.layer; ed.dataset.from = p.dataset.from; ed.dataset.to = p.dataset.to;
    $("weight-value").value = Number(w).toFixed(3);
    tipPlace(ed, ev);
    ed.hidden = false;
    $("link-tip").hidden = true;
    $("weight-value").focus();
    $("weight-value").select();
  }

  function drawLinks() {
    if (!frame || !frame.weights) return;
    for (const p of $("links").children) {
      const w = weightOf(p);
      if (w === undefined || !Number.isFinite(w)) { p.style.strokeWidth = "0.5"; continue; }
      p.style.stroke = rgb(scale(w));
      p.style.strokeWidth = String(Math.min(8, 0.5 + Math.abs(w) * 2));
    }
    if (hovered) updateTip();
  }

  function drawNeurons() {
    if (!frame || !frame.neurons) return;
    const s = shape();
    // neurons: [features, hidden 1..L, (output)] — skip the features, drawn from formulas here
    const hidden = frame.neurons.slice(1, 1 + s.length);
    hidden.forEach((layer, l) => {
      layer.forEach((b64, i) => {
        const c = $(`neuron-${l}-${i}`);
        if (c) { const v = decode(b64); paintGridPlain(c, v, Math.round(Math.sqrt(v.length))); }
      });
    });
    if (frame.output) paintGrid($("neuron-out"), decode(frame.output), 50, !!config.discretize, confidenceOf(frame));
  }

  function paintGridPlain(canvas, vals, n) {
    const off = canvas._off || (canvas._off = document.createElement("canvas"));
    off.width = n; off.height = n;
    const ctx = off.getContext("2d");
    const img = ctx.createImageData(n, n);
    let m = 1e-9;
    for (let i = 0; i < vals.length; i++) if (Number.isFinite(vals[i])) m = Math.max(m, Math.abs(vals[i]));
    const norm = m > 1 ? m : 1;
    for (let i = 0; i < n * n; i++) {
      const c = Number.isFinite(vals[i]) ? scale(vals[i] / norm) : [200, 200, 200];
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    canvas.getContext("2d").drawImage(off, 0, 0, canvas.width, canvas.height);
  }

  // ----- output -------------------------------------------------------------------------------
  function fmt(v) { return Number.isFinite(v) ? v.toFixed(3) : "NaN"; }

  function drawStats() {
    const f = frame;
    $("epoch").textContent = String(f.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    $("epoch").dataset.value = String(f.epoch);
    for (const [id, v] of [["test-loss", f.testLoss], ["train-loss", f.trainLoss]]) {
      $(id).textContent = v === null || v === undefined ? "NaN" : fmt(v);
      $(id).dataset.value = String(v);
    }
    const acc = f.accuracy;
    const row = $("accuracy-row");
    if (acc === undefined || acc === null || !isClassification()) { row.hidden = true; }
    else {
      row.hidden = false;
      const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–");
      $("accuracy").textContent = typeof acc === "object" ? `${pct(acc.train)} / ${pct(acc.test)}` : pct(acc);
    }
    drawConfusion();
  }

  function drawConfusion() {
    const box = $("confusion-box");
    const m = frame && frame.confusion;
    if (!m || !isClassification() || m.length < 2) { box.hidden = true; return; }
    box.hidden = false;
    // built node by node, colours through the CSSOM: the page's CSP (style-src 'self')
    // blocks inline style attributes
    const cell = (tag, text) => {
      const el = document.createElement(tag);
      el.textContent = text;
      return el;
    };
    const head = document.createElement("tr");
    head.appendChild(cell("th", `${t("actual")} \\ ${t("predicted")}`));
    m.forEach((_, j) => head.appendChild(cell("th", String(j))));
    const rows = [head];
    const total = Math.max(1, m.flat().reduce((a, b) => a + b, 0));
    m.forEach((row, i) => {
      const tr = document.createElement("tr");
      tr.appendChild(cell("th", String(i)));
      row.forEach((v, j) => {
        const a = Math.min(0.85, 4 * v / total);
        const td = cell("td", String(Number(v)));
        td.style.backgroundColor = i === j ? `rgba(8,119,189,${a})` : `rgba(245,147,34,${a})`;
        tr.appendChild(td);
      });
      rows.push(tr);
    });
    $("confusion").replaceChildren(...rows);
  }

  function drawHeatmap() {
    const c = $("heatmap");
    const g = c.getContext("2d");
    if (frame && frame.output) paintGrid(c, decode(frame.output), 50, !!config.discretize, confidenceOf(frame));
    else { g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height); }
    const toPx = (v) => (v + 6) / 12 * c.width;
    const draw = (pts, test) => {
      for (const [a, b, label] of pts) {
        g.beginPath();
        g.arc(toPx(a), c.height - toPx(b), 3.2, 0, 2 * Math.PI);
        g.fillStyle = rgb(pointColor(label));
        g.fill();
        g.lineWidth = test ? 1.6 : 0.8;
        g.strokeStyle = test ? "#000" : "#fff";
        g.stroke();
      }
    };
    draw(points.train || [], false);
    if (config.showTestData) draw(points.test || [], true);
    // axes ticks at -6..6
    g.fillStyle = "#555";
    g.font = "10px sans-serif";
    for (const v of [-6, -3, 0, 3, 6]) {
      g.fillText(String(v), Math.min(c.width - 12, Math.max(0, toPx(v) - 4)), c.height - 2);
    }
  }

  function drawLossChart() {
    const c = $("loss-chart");
    const g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const fin = history.filter((h) => Number.isFinite(h[1]) && Number.isFinite(h[2]));
    if (fin.length < 2) return;
    const maxY = Math.max(...fin.map((h) => Math.max(h[1], h[2])), 1e-6);
    const e0 = fin[0][0], e1 = fin[fin.length - 1][0] || 1;
    const X = (e) => (e1 === e0 ? 0 : (e - e0) / (e1 - e0)) * (c.width - 2) + 1;
    const Y = (v) => c.height - 2 - (v / maxY) * (c.height - 4);
    for (const [k, colour] of [[1, "#999"], [2, "#000"]]) {
      g.beginPath();
      fin.forEach((h, i) => { (i ? g.lineTo : g.moveTo).call(g, X(h[0]), Y(h[k])); });
      g.strokeStyle = colour;
      g.lineWidth = 1.5;
      g.stroke();
    }
  }

  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      if (!config) return;
      drawHeatmap();
      drawLossChart();
      if (frame) { drawStats(); drawNeurons(); drawLinks(); }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    bindControls();
    applyLanguage();
    connect();
  });
})();
