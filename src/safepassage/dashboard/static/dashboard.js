/* safepassage dashboard: plain JavaScript, no build step, no outside request.
 *
 * The page asks for an API token (or reads it from the URL fragment, #token=...), keeps it in
 * sessionStorage and sends it as "Authorization: Bearer" with every call. It fetches the plan's
 * map layers once and the aggregated figures of the record, then polls a small version tag once
 * a second and fetches the figures again when it changes (see docs/dashboard.md for why polling
 * and not server-sent events). Charts and the map are plotly.js, served by this server from the
 * installed plotly package.
 */
(function () {
  "use strict";

  const STRINGS = JSON.parse(document.getElementById("sp-strings").textContent);
  const TOKEN_KEY = "safepassage-token";
  const LANG_KEY = "safepassage-lang";
  const OP_KEY = "safepassage-operation";
  const WAIT_S = 10; // a version request waits this long for a change (server maximum: 10)
  const RETRY_MS = 3000; // after an error
  const HIDDEN_POLL_MS = 10000; // pause between version requests while the tab is hidden
  const STATUS_COLOURS = { open: "#1a9850", suspended: "#f46d43", closed: "#a50026" };
  const UNKNOWN_COLOUR = "#8c8c8c";
  const SEVERITY_COLOURS = { low: "#fdae61", medium: "#f46d43", high: "#d73027", critical: "#67001f" };
  const SERIES_COLOURS = ["#7b3294", "#e66101", "#0571b0", "#008837", "#c51b7d", "#5e3c99", "#b35806", "#01665e"];
  // ColorBrewer Blues, 8 classes: districts by people remaining
  const BLUES = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"];
  const CONFIG = { displaylogo: false, showSendToCloud: false, responsive: true };
  // plotly's locale files are not in the PyPI package: the Arabic dates of the charts' axes
  // (month and day names as the UN's Arabic documents write them), registered here
  const ARABIC_DATES = {
    moduleType: "locale",
    name: "ar",
    dictionary: {},
    format: {
      days: ["الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"],
      shortDays: ["الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"],
      months: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
        "أكتوبر", "نوفمبر", "ديسمبر"],
      shortMonths: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
        "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
      date: "%d/%m/%Y",
    },
  };
  let arabicRegistered = false;

  function config() {
    if (state.lang === "ar" && !arabicRegistered && window.Plotly) {
      Plotly.register(ARABIC_DATES);
      arabicRegistered = true;
    }
    return { ...CONFIG, locale: state.lang };
  }

  const state = {
    lang: "en",
    token: null,
    operation: null,
    operations: [],
    map: null,
    data: null,
    alerts: [],
    version: null,
    selected: null,
    timer: null,
    generation: 0,
    mapClickBound: false,
  };
  // read by the browser tests and the benchmark
  const status = (window.safepassageDashboard = {
    ready: false,
    renders: 0,
    version: null,
    firstRenderMs: null,
    lastRenderEpochMs: null,
    timings: {},
  });

  const $ = (id) => document.getElementById(id);

  // plotly.js loads (deferred) while the first figures are fetched
  const plotlyReady = new Promise((resolve, reject) => {
    if (window.Plotly) { resolve(); return; }
    const script = $("sp-plotly");
    script.addEventListener("load", () => { status.timings.plotlyMs = performance.now(); resolve(); });
    script.addEventListener("error", () => reject(new Error("plotly.js did not load")));
  });

  function t(key, vars) {
    let text = (STRINGS[state.lang] || STRINGS.en)[key];
    if (text === undefined) text = key;
    if (vars) {
      // in Arabic each inserted value (a Latin name, a number) is isolated (FSI ... PDI), as in
      // the leaflets, so that its punctuation stays in place in a right-to-left sentence
      const isolate = state.lang === "ar" ? (v) => "\u2068" + v + "\u2069" : (v) => v;
      for (const [name, value] of Object.entries(vars)) text = text.split("{" + name + "}").join(isolate(value));
    }
    return text;
  }

  // Text drawn inside a plot (an SVG laid out left to right): in Arabic each line is isolated
  // as right-to-left (RLI ... PDI), so that "3,000/h" and names keep their order.
  function inPlot(text) {
    if (state.lang !== "ar") return text;
    return text.split("<br>").map((line) => "\u2067" + line + "\u2069").join("<br>");
  }

  function fmt(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return t("unknown");
    const locale = state.lang === "ar" ? "ar-u-nu-latn" : "en-GB";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  }

  function fmt1(value) {
    if (value === null || value === undefined) return t("unknown");
    const locale = state.lang === "ar" ? "ar-u-nu-latn" : "en-GB";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);
  }

  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  function statusLabel(value) {
    return value ? t("status_" + value) : t("status_unknown");
  }

  // --- API -------------------------------------------------------------------------------

  class Unauthorised extends Error {}

  async function api(path, { allow404 = false } = {}) {
    const response = await fetch(path, {
      headers: { Authorization: "Bearer " + state.token, Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 401) throw new Unauthorised();
    if (allow404 && response.status === 404) return null;
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(path + ": " + detail);
    }
    return response.json();
  }

  const opPath = (suffix) => "/operations/" + encodeURIComponent(state.operation) + suffix;

  // --- language --------------------------------------------------------------------------

  function applyLanguage() {
    const html = document.documentElement;
    html.lang = state.lang;
    html.dir = state.lang === "ar" ? "rtl" : "ltr";
    document.title = t("title") + " · safepassage";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    const button = $("sp-lang");
    button.textContent = t("language");
    button.lang = state.lang === "ar" ? "en" : "ar";
  }

  function setLanguage(lang) {
    state.lang = lang === "ar" ? "ar" : "en";
    try { localStorage.setItem(LANG_KEY, state.lang); } catch (e) { /* storage off */ }
    applyLanguage();
    if (state.data) renderAll();
  }

  // --- sign in ---------------------------------------------------------------------------

  function showLogin(message) {
    stopPolling();
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("sp-main").hidden = true;
    $("sp-signout").hidden = true;
    $("sp-login").hidden = false;
    const error = $("sp-login-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("sp-token").focus();
  }

  function tokenFromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (!match) return null;
    // drop the token from the address bar and the history
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return decodeURIComponent(match[1]);
  }

  // --- the map ---------------------------------------------------------------------------

  function joinLines(parts) {
    const lon = [], lat = [];
    for (const part of parts) {
      if (lon.length) { lon.push(null); lat.push(null); }
      for (let i = 0; i < part.lon.length; i++) { lon.push(part.lon[i]); lat.push(part.lat[i]); }
    }
    return { lon, lat };
  }

  function districtTraces(map, data) {
    const districts = map.districts;
    if (!districts.length) return [];
    const est = data.districts ? data.districts.remaining_est : districts.map((d) => d.people);
    const planned = data.districts ? data.districts.remaining_plan : districts.map((d) => d.people);
    const top = Math.max(...districts.map((d) => d.people), 1);
    const shade = est.map((r) => Math.min(BLUES.length - 1, Math.floor((BLUES.length * r) / top)));
    const traces = [];
    // one filled trace per shade, not per district: far faster to draw for 100+ districts
    for (let k = 0; k < BLUES.length; k++) {
      const members = districts.filter((_, i) => shade[i] === k);
      if (!members.length) continue;
      const outline = joinLines(members.map((d) => d.outline));
      traces.push({
        type: "scatter", mode: "lines", x: outline.lon, y: outline.lat, fill: "toself",
        fillcolor: BLUES[k] + "80", line: { color: BLUES[Math.max(k, 3)], width: 0.7 },
        hoverinfo: "skip", showlegend: false, legendgroup: "districts",
      });
    }
    traces.push({
      type: "scatter", mode: "markers", name: t("districts"), legendgroup: "districts",
      x: districts.map((d) => d.centre[0]), y: districts.map((d) => d.centre[1]),
      marker: { size: 6, color: est, colorscale: BLUES.map((c, i) => [i / (BLUES.length - 1), c]),
        cmin: 0, cmax: top, line: { width: 0.5, color: "#333" } },
      hoverinfo: "text",
      hovertext: districts.map((d, i) => inPlot(t("district_hover", {
        name: escapeHtml(d.name), remaining: fmt(est[i]), people: fmt(d.people), planned: fmt(planned[i]),
      }))),
    });
    return traces;
  }

  function corridorColour(index) {
    return SERIES_COLOURS[index % SERIES_COLOURS.length];
  }

  const FLOW_STYLE = [
    { width: 6, colour: "#3f007d" }, { width: 4.5, colour: "#6a51a3" }, { width: 3, colour: "#807dba" },
    { width: 2, colour: "#9e9ac8" }, { width: 1.2, colour: "#bcbddc" },
  ];

  function routeTraces(map, data) {
    const order = data.corridors.map((c) => c.code);
    const names = Object.fromEntries(data.corridors.map((c) => [c.code, c.name]));
    const traces = [];
    // the planned flow on the streets: each street segment once, as wide as its people
    map.flow.forEach((line, k) => {
      const style = FLOW_STYLE[Math.min(k, FLOW_STYLE.length - 1)];
      traces.push({
        type: "scatter", mode: "lines", x: line.lon, y: line.lat, hoverinfo: "skip",
        name: inPlot(t("flow_class", { people: fmt(line.min_people) })), legendgroup: "flow",
        line: { color: style.colour, width: style.width }, opacity: 0.8,
      });
    });
    // one dot per route (each district's largest group of people to each corridor)
    const routes = map.routes.filter((r) => r.people > 0);
    if (routes.length) {
      const top = Math.max(...routes.map((r) => r.people), 1);
      traces.push({
        type: "scatter", mode: "markers", name: t("routes"), legendgroup: "routes",
        x: routes.map((r) => r.lon), y: routes.map((r) => r.lat),
        marker: { size: routes.map((r) => 4 + 10 * Math.sqrt(r.people / top)),
          color: routes.map((r) => corridorColour(Math.max(order.indexOf(r.corridor), 0))),
          opacity: 0.85, line: { width: 0.5, color: "white" } },
        hoverinfo: "text",
        hovertext: routes.map((r) => inPlot(t("route_hover", {
          area: escapeHtml(r.area), corridor: escapeHtml(names[r.corridor] || r.corridor), people: fmt(r.people),
          km: fmt1(r.length_m / 1000),
        }))),
      });
    }
    return traces;
  }

  function corridorTrace(data) {
    const rows = data.corridors.filter((c) => c.lon !== null && c.lat !== null);
    return {
      type: "scatter", mode: "markers+text", name: t("corridors"), meta: "corridors",
      x: rows.map((c) => c.lon), y: rows.map((c) => c.lat), customdata: rows.map((c) => c.code),
      text: rows.map((c) => inPlot(t("corridor_label", {
        name: escapeHtml(c.name), pph: fmt(c.throughput_pph), queue: fmt(c.queue_est),
      }))),
      textposition: "top center", textfont: { size: 11, color: "#111" },
      marker: { symbol: "square", size: 16, line: { width: 2, color: "white" },
        color: rows.map((c) => STATUS_COLOURS[c.status] || UNKNOWN_COLOUR) },
      hoverinfo: "text",
      hovertext: rows.map((c) => inPlot(t("corridor_hover", {
        name: escapeHtml(c.name), code: escapeHtml(c.code), status: statusLabel(c.status),
        pph: fmt(c.throughput_pph), actual: fmt(c.actual_to_date), planned: fmt(c.plan_to_date),
        last: fmt(c.last_hour), queue: fmt(c.queue_est),
      }))),
    };
  }

  function mapTraces() {
    const map = state.map, data = state.data;
    const traces = [];
    if (map) {
      traces.push(...districtTraces(map, data));
      const streets = streetsImage(map);
      if (streets) {
        // the image is not part of the axes' autorange: two invisible corner points are
        traces.push({
          type: "scatter", mode: "markers", x: streets.corners.x, y: streets.corners.y,
          marker: { opacity: 0 }, hoverinfo: "skip", showlegend: false,
        });
      }
      if (map.closed_streets.lon.length) {
        traces.push({
          type: "scatter", mode: "lines", name: t("closed_streets"), x: map.closed_streets.lon,
          y: map.closed_streets.lat, line: { color: "#d73027", width: 1.2, dash: "dot" }, hoverinfo: "skip",
        });
      }
      map.hazards.forEach((h, i) => traces.push({
        type: "scatter", mode: "lines", fill: "toself", fillcolor: "rgba(215,48,39,0.25)",
        line: { color: "#d73027", width: 1 }, name: t("hazards"), legendgroup: "hazards", showlegend: i === 0,
        x: h.outline.lon, y: h.outline.lat, hoveron: "fills", hoverinfo: "text",
        hovertext: escapeHtml(h.name) + " (" + escapeHtml(h.effect) + ")",
      }));
      traces.push(...routeTraces(map, data));
      if (map.distribution_points.length) {
        traces.push({
          type: "scatter", mode: "markers", name: t("distribution_points"),
          x: map.distribution_points.map((p) => p.lon), y: map.distribution_points.map((p) => p.lat),
          marker: { symbol: "triangle-up", size: 9, color: "#1b7837", line: { width: 1, color: "white" } },
          hoverinfo: "name",
        });
      }
      const services = map.services.filter((s) => s.lon !== null && s.lat !== null);
      if (services.length) {
        traces.push({
          type: "scatter", mode: "markers", name: t("services"),
          x: services.map((s) => s.lon), y: services.map((s) => s.lat),
          marker: { symbol: services.map((s) => (s.kind === "medical_post" ? "cross" : "diamond")),
            size: 9, color: "#2c7bb6", line: { width: 1, color: "white" } },
          hoverinfo: "text", hovertext: services.map((s) => escapeHtml(s.name)),
        });
      }
    }
    const incidents = data.incidents.filter((i) => i.lon !== null && i.lat !== null);
    if (incidents.length) {
      traces.push({
        type: "scatter", mode: "markers", name: t("incidents"),
        x: incidents.map((i) => i.lon), y: incidents.map((i) => i.lat),
        marker: { symbol: "x", size: 11, color: incidents.map((i) => SEVERITY_COLOURS[i.severity] || "#d73027"),
          line: { width: 1, color: "white" } },
        hoverinfo: "text",
        hovertext: incidents.map((i) => inPlot(t("incident_hover", {
          time: i.time, type: escapeHtml(i.type), severity: t("severity_" + i.severity), place: escapeHtml(i.place),
        }))),
      });
    }
    traces.push(corridorTrace(data));
    return traces;
  }

  // The streets as one SVG image under the traces, not as a plotly trace: they never change,
  // and an image is drawn natively, where a trace of 25,000 vertices costs plotly a second on
  // a slow machine, at the first render and again at every live update.
  function streetsImage(map) {
    if (map._streets !== undefined) return map._streets;
    const { lon, lat } = map.streets;
    let west = Infinity, east = -Infinity, south = Infinity, north = -Infinity;
    for (let i = 0; i < lon.length; i++) {
      if (lon[i] === null) continue;
      west = Math.min(west, lon[i]); east = Math.max(east, lon[i]);
      south = Math.min(south, lat[i]); north = Math.max(north, lat[i]);
    }
    if (!(east > west && north > south)) { map._streets = null; return null; }
    const scale = 1e5; // units of 1e-5 degree (about 1 m), as the layers are rounded
    const parts = [];
    let pen = false;
    for (let i = 0; i < lon.length; i++) {
      if (lon[i] === null) { pen = false; continue; }
      const x = Math.round((lon[i] - west) * scale), y = Math.round((north - lat[i]) * scale);
      parts.push((pen ? "L" : "M") + x + " " + y);
      pen = true;
    }
    const width = Math.round((east - west) * scale), height = Math.round((north - south) * scale);
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + width + " " + height +
      '" preserveAspectRatio="none"><path fill="none" stroke="#8f8f8f" stroke-width="0.7" ' +
      'stroke-linejoin="round" vector-effect="non-scaling-stroke" d="' + parts.join("") + '"/></svg>';
    map._streets = {
      image: {
        source: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg),
        xref: "x", yref: "y", x: west, y: north, sizex: east - west, sizey: north - south,
        xanchor: "left", yanchor: "top", sizing: "stretch", layer: "below",
      },
      corners: { x: [west, east], y: [south, north] },
    };
    return map._streets;
  }

  function mapLayout() {
    const map = state.map;
    const streets = map ? streetsImage(map) : null;
    return {
      images: streets ? [streets.image] : [],
      font: { family: getComputedStyle(document.body).fontFamily },
      uirevision: state.operation,
      plot_bgcolor: "#fbfbf8", paper_bgcolor: "white", hovermode: "closest", dragmode: "pan",
      margin: { l: 4, r: 4, t: 4, b: 4 },
      legend: { orientation: "h", x: 0, y: -0.01, yanchor: "top", font: { size: 11 } },
      xaxis: { visible: false, scaleanchor: "y", scaleratio: map ? map.aspect : 1 },
      yaxis: { visible: false },
      annotations: [{
        text: t("attribution"), xref: "paper", yref: "paper", x: 1, y: 0, xanchor: "right", yanchor: "bottom",
        showarrow: false, font: { size: 10, color: "#333" }, bgcolor: "rgba(255,255,255,0.8)",
      }],
    };
  }

  // The corridor clicked: the point itself, or a corridor within a few pixels of the point
  // clicked (a service drawn at the checkpoint may be the point plotly reports).
  function clickedCorridor(div, points) {
    const direct = points.find((p) => p.data.meta === "corridors");
    if (direct) return direct.customdata;
    if (!points.length) return null;
    const xa = div._fullLayout.xaxis, ya = div._fullLayout.yaxis;
    const px = xa.l2p(points[0].x), py = ya.l2p(points[0].y);
    let best = null, bestDistance = 15;
    for (const c of state.data.corridors) {
      if (c.lon === null || c.lat === null) continue;
      const distance = Math.hypot(xa.l2p(c.lon) - px, ya.l2p(c.lat) - py);
      if (distance < bestDistance) { best = c.code; bestDistance = distance; }
    }
    return best;
  }

  function renderMap() {
    const div = $("sp-map");
    const done = Plotly.react(div, mapTraces(), mapLayout(), { ...config(), scrollZoom: true });
    return done.then(() => {
      if (!state.mapClickBound) {
        div.on("plotly_click", (event) => {
          const code = clickedCorridor(div, event.points || []);
          if (code) {
            state.selected = code;
            renderCorridorPanel();
          }
        });
        state.mapClickBound = true;
      }
    });
  }

  // --- charts ----------------------------------------------------------------------------

  function nowShape(data) {
    const x = data.hours[data.now_index];
    if (x === undefined) return [];
    return [{ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: { color: "#555", width: 1, dash: "dash" } }];
  }

  function chartLayout(data, extra) {
    return {
      font: { family: getComputedStyle(document.body).fontFamily, size: 11 },
      margin: { l: 56, r: 12, t: 8, b: 40 },
      hovermode: "x unified",
      legend: { orientation: "h", y: -0.18 },
      xaxis: { type: "date" },
      yaxis: { rangemode: "tozero", title: { text: t("people_per_hour") } },
      shapes: nowShape(data),
      uirevision: state.operation,
      ...extra,
    };
  }

  function renderCrossings() {
    const data = state.data;
    const traces = [];
    data.corridors.forEach((c, i) => {
      const colour = corridorColour(i);
      traces.push({
        type: "scatter", mode: "lines", name: t("recorded_series", { name: escapeHtml(c.name) }), legendgroup: c.code,
        x: data.hours, y: c.actual, line: { color: colour, width: 2 }, meta: c.code,
      });
      if (c.plan) {
        traces.push({
          type: "scatter", mode: "lines", name: t("plan_series", { name: escapeHtml(c.name) }), legendgroup: c.code,
          x: data.hours, y: c.plan, line: { color: colour, width: 1.5, dash: "dot" },
        });
      }
    });
    return Plotly.react($("sp-crossings"), traces, chartLayout(data, { legend: { orientation: "h", y: -0.25 } }), config());
  }

  function renderInside() {
    const data = state.data;
    const traces = [];
    if (data.inside.plan) {
      traces.push({ type: "scatter", mode: "lines", name: t("inside_plan"), x: data.hours, y: data.inside.plan,
        line: { color: "#0571b0", dash: "dot", width: 2 } });
    }
    if (data.inside.actual) {
      traces.push({ type: "scatter", mode: "lines", name: t("inside_actual"), x: data.hours, y: data.inside.actual,
        line: { color: "#ca0020", width: 2 } });
    }
    const layout = chartLayout(data, { yaxis: { rangemode: "tozero", title: { text: t("people") } } });
    return Plotly.react($("sp-inside"), traces, layout, config());
  }

  function renderStock() {
    const panels = state.data.stock;
    const div = $("sp-stock");
    const list = $("sp-cover");
    list.replaceChildren();
    if (!panels.length) {
      const item = document.createElement("li");
      item.textContent = t("no_stock");
      list.append(item);
      div.hidden = true;
      return Promise.resolve();
    }
    div.hidden = false;
    const columns = Math.min(panels.length, 4);
    const rows = Math.ceil(panels.length / columns);
    const traces = [];
    const layout = {
      font: { family: getComputedStyle(document.body).fontFamily, size: 10 },
      margin: { l: 50, r: 10, t: 22, b: 28 }, showlegend: false, height: Math.max(220, 200 * rows),
      grid: { rows, columns, pattern: "independent", ygap: 0.4, xgap: 0.12 }, annotations: [], hovermode: "x unified",
      uirevision: state.operation,
    };
    panels.forEach((p, i) => {
      const n = i === 0 ? "" : String(i + 1);
      const axes = { xaxis: "x" + n, yaxis: "y" + n };
      if (p.dates.length && p.p10 && p.p90) {
        traces.push({ type: "scatter", mode: "lines", x: p.dates, y: p.p10, line: { width: 0 }, hoverinfo: "skip", ...axes });
        traces.push({ type: "scatter", mode: "lines", x: p.dates, y: p.p90, line: { width: 0 }, fill: "tonexty",
          fillcolor: "rgba(5,113,176,0.2)", name: t("band"), hoverinfo: "skip", ...axes });
      }
      if (p.dates.length && p.p50) {
        traces.push({ type: "scatter", mode: "lines", x: p.dates, y: p.p50, name: t("median") + " (" + t("plan") + ")",
          line: { color: "#0571b0", width: 1.5 }, ...axes });
      }
      if (p.recorded) {
        traces.push({ type: "scatter", mode: "lines+markers", x: p.recorded.dates, y: p.recorded.balance,
          name: t("recorded"), line: { color: "#ca0020", width: 2 }, marker: { size: 4 }, ...axes });
      }
      layout["xaxis" + n] = { type: "date", tickfont: { size: 9 } };
      layout["yaxis" + n] = { rangemode: "tozero", tickfont: { size: 9 } };
      layout.annotations.push({
        text: "<b>" + escapeHtml(p.commodity) + "</b> (" + escapeHtml(p.unit) + ")", showarrow: false,
        xref: "x" + n + " domain", yref: "y" + n + " domain", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom",
        font: { size: 11 },
      });
      const item = document.createElement("li");
      item.textContent = t("cover", {
        commodity: p.commodity, unit: p.unit, plan: fmt1(p.plan_cover_days),
        recorded: fmt1(p.recorded ? p.recorded.cover_days : null),
      });
      list.append(item);
    });
    div.style.height = layout.height + "px";
    return Plotly.react(div, traces, layout, config());
  }

  function renderCorridorPanel() {
    const panel = $("sp-corridor-panel");
    const data = state.data;
    const corridor = data && data.corridors.find((c) => c.code === state.selected);
    if (!corridor) {
      panel.hidden = true;
      return Promise.resolve();
    }
    panel.hidden = false;
    $("sp-corridor-title").textContent = t("chart_corridor", { name: corridor.name }) + " · " + statusLabel(corridor.status);
    const i = data.corridors.indexOf(corridor);
    const traces = [{ type: "bar", name: t("recorded"), x: data.hours, y: corridor.actual,
      marker: { color: corridorColour(i) }, meta: corridor.code }];
    if (corridor.plan) {
      traces.push({ type: "scatter", mode: "lines", name: t("plan"), x: data.hours, y: corridor.plan,
        line: { color: "#222", dash: "dot", width: 1.5, shape: "hv" } });
    }
    return Plotly.react($("sp-corridor-chart"), traces, chartLayout(data, { bargap: 0.05 }), config());
  }

  function renderAlerts() {
    const list = $("sp-alerts");
    list.replaceChildren();
    if (!state.alerts.length) {
      const item = document.createElement("li");
      item.textContent = t("no_alerts");
      list.append(item);
      return;
    }
    for (const alert of state.alerts) {
      const item = document.createElement("li");
      item.dataset.kind = alert.kind;
      const head = document.createElement("strong");
      const kind = STRINGS[state.lang]["alert_" + alert.kind] ? t("alert_" + alert.kind) : alert.kind.replace(/_/g, " ");
      head.textContent = kind + ": " + alert.subject;
      const detail = document.createElement("span");
      detail.className = "sp-alert-detail";
      detail.lang = "en";
      detail.textContent = alert.message;  // the service words alerts in English
      item.append(head, detail);
      list.append(item);
    }
  }

  function kpi(label, value, note) {
    const box = document.createElement("div");
    box.className = "sp-kpi";
    const a = document.createElement("div"); a.className = "sp-kpi-label"; a.textContent = label;
    const b = document.createElement("div"); b.className = "sp-kpi-value"; b.textContent = value;
    box.append(a, b);
    if (note) { const c = document.createElement("div"); c.className = "sp-kpi-note"; c.textContent = note; box.append(c); }
    return box;
  }

  function renderKpis() {
    const data = state.data;
    const planned = data.corridors.reduce((sum, c) => sum + (c.plan_to_date || 0), 0);
    const open = data.corridors.filter((c) => c.status === "open").length;
    const boxes = [];
    if (data.population !== null) boxes.push(kpi(t("kpi_population"), fmt(data.population)));
    boxes.push(kpi(t("kpi_crossed"), fmt(data.crossed_to_date),
      data.plan ? t("kpi_crossed_plan", { value: fmt(planned) }) : ""));
    if (data.inside_now !== null) boxes.push(kpi(t("kpi_inside"), fmt(data.inside_now)));
    boxes.push(kpi(t("kpi_open"), fmt(open) + " / " + fmt(data.corridors.length)));
    boxes.push(kpi(t("kpi_alerts"), fmt(state.alerts.length)));
    $("sp-kpis").replaceChildren(...boxes);
    $("sp-asof").textContent = t("as_of") + " " + data.as_of + " (" + data.timezone + ")";
    const op = state.operations.find((o) => o.code === state.operation);
    $("sp-operation-name").textContent = op ? op.name : state.operation;
    const message = $("sp-message");
    message.hidden = Boolean(data.plan);
    message.textContent = data.plan ? "" : t("no_plan");
    $("sp-attribution").textContent = state.map ? state.map.attribution : "";
  }

  function renderAll() {
    renderKpis();
    renderAlerts();
    const t0 = performance.now();
    const map = renderMap().then(() => { status.timings.mapMs = performance.now() - t0; });
    return Promise.all([map, renderCrossings(), renderInside(), renderStock(), renderCorridorPanel()]);
  }

  // --- loading and live updates ----------------------------------------------------------

  async function fetchFigures() {
    const data = await api(opPath("/dashboard/data"));
    const alerts = await api(opPath("/alerts?at=" + encodeURIComponent(data.as_of_utc)));
    return { data, alerts };
  }

  function rendered(version) {
    status.renders += 1;
    status.version = version;
    status.lastRenderEpochMs = performance.timeOrigin + performance.now();
    document.body.dataset.version = version;
    window.dispatchEvent(new CustomEvent("safepassage:rendered", { detail: { version } }));
  }

  function setLive(ok) {
    const live = $("sp-live");
    live.dataset.state = ok ? "ok" : "error";
    live.textContent = ok ? t("live") : t("offline");
  }

  function stopPolling() {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    state.generation += 1; // a version request still waiting is ignored when it answers
  }

  function schedulePoll(delay) {
    stopPolling();
    const generation = state.generation;
    const wait = delay === undefined ? (document.hidden ? HIDDEN_POLL_MS : 0) : delay;
    state.timer = setTimeout(() => poll(generation), wait);
  }

  // A long poll: the server answers as soon as the record changes (or after WAIT_S seconds).
  async function poll(generation) {
    const current = () => generation === state.generation;
    let delay;
    try {
      const query = "?known=" + encodeURIComponent(state.version || "") + "&wait_s=" + WAIT_S;
      const { version } = await api(opPath("/dashboard/version" + query));
      if (!current()) return;
      if (version !== state.version) {
        const t0 = performance.now();
        const { data, alerts } = await fetchFigures();
        if (!current()) return;
        const t1 = performance.now();
        state.data = data;
        state.alerts = alerts;
        state.version = data.version;
        await renderAll();
        status.timings.updateFetchMs = t1 - t0;
        status.timings.updateDrawMs = performance.now() - t1;
        rendered(data.version);
      }
      setLive(true);
    } catch (error) {
      if (!current()) return;
      if (error instanceof Unauthorised) { showLogin(t("token_rejected")); return; }
      setLive(false);
      delay = RETRY_MS;
    }
    if (current()) schedulePoll(delay);
  }

  async function loadOperation(code) {
    stopPolling();
    state.operation = code;
    state.selected = null;
    try { localStorage.setItem(OP_KEY, code); } catch (e) { /* storage off */ }
    const t0 = performance.now();
    const [map, figures] = await Promise.all([
      api(opPath("/dashboard/map"), { allow404: true }),
      fetchFigures(),
    ]);
    if (code !== state.operation) return;
    await plotlyReady;
    const t1 = performance.now();
    state.map = map;
    state.data = figures.data;
    state.alerts = figures.alerts;
    state.version = figures.data.version;
    await renderAll();
    Object.assign(status.timings, { scriptStartMs: t0, fetchMs: t1 - t0, drawMs: performance.now() - t1 });
    if (status.firstRenderMs === null) status.firstRenderMs = performance.now();
    status.ready = true;
    rendered(state.version);
    setLive(true);
    schedulePoll();
  }

  async function start() {
    $("sp-login").hidden = true;
    $("sp-main").hidden = false;
    $("sp-signout").hidden = false;
    try {
      state.operations = await api("/operations");
    } catch (error) {
      if (error instanceof Unauthorised) showLogin(t("token_rejected"));
      else showLogin(String(error.message || error));
      return;
    }
    if (!state.operations.length) {
      const message = $("sp-message");
      message.hidden = false;
      message.textContent = t("no_operations");
      return;
    }
    const select = $("sp-operation");
    select.replaceChildren(...state.operations.map((o) => new Option(o.name + " (" + o.code + ")", o.code)));
    select.hidden = state.operations.length < 2;
    const params = new URLSearchParams(window.location.search);
    let wanted = params.get("op");
    try { wanted = wanted || localStorage.getItem(OP_KEY); } catch (e) { /* storage off */ }
    const code = state.operations.some((o) => o.code === wanted) ? wanted : state.operations[0].code;
    select.value = code;
    try {
      await loadOperation(code);
    } catch (error) {
      if (error instanceof Unauthorised) showLogin(t("token_rejected"));
      else { setLive(false); schedulePoll(); }
    }
  }

  function init() {
    const params = new URLSearchParams(window.location.search);
    let lang = params.get("lang");
    try { lang = lang || localStorage.getItem(LANG_KEY); } catch (e) { /* storage off */ }
    state.lang = lang === "ar" || (!lang && document.documentElement.lang === "ar") ? "ar" : "en";
    applyLanguage();
    $("sp-lang").addEventListener("click", () => setLanguage(state.lang === "ar" ? "en" : "ar"));
    $("sp-signout").addEventListener("click", () => showLogin(""));
    $("sp-corridor-close").addEventListener("click", () => { state.selected = null; renderCorridorPanel(); });
    $("sp-operation").addEventListener("change", (event) => {
      loadOperation(event.target.value).catch(() => setLive(false));
    });
    $("sp-login").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("sp-token").value.trim();
      if (!token) return;
      state.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("sp-token").value = "";
      start();
    });
    const fromFragment = tokenFromFragment();
    if (fromFragment) sessionStorage.setItem(TOKEN_KEY, fromFragment);
    state.token = sessionStorage.getItem(TOKEN_KEY);
    if (state.token) start();
    else showLogin("");
  }

  init();
})();
