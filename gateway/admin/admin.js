// wsgw admin page: polls /admin/api/state every POLL_MS and updates the
// server-rendered tables in place, and draws the small charts (SVG) from
// the snapshots it has seen. It writes text with textContent only, never
// markup, so names that come from the configuration or from clients
// (topics, sequence identifiers) cannot inject any.
"use strict";

(() => {
  const POLL_MS = 2000;
  const HISTORY = 90; // points per chart: three minutes
  const SVG = "http://www.w3.org/2000/svg";

  const api = document.body.dataset.api;
  const status = document.getElementById("status");

  const byData = (attr) => {
    const m = new Map();
    for (const el of document.querySelectorAll("[data-" + attr + "]")) m.set(el.dataset[attr], el);
    return m;
  };
  const tables = byData("table");
  const empties = byData("empty");
  const mores = byData("more");
  const charts = new Map();
  for (const [id, fig] of byData("chart")) {
    charts.set(id, {
      svg: fig.querySelector("svg"),
      legend: Array.from(fig.querySelectorAll(".legend b")),
      prev: null,
      points: [],
    });
  }

  // syncTable makes the rows of table id those of data, by key: rows
  // kept are updated cell by cell, new ones inserted in order, gone ones
  // removed.
  function syncTable(id, data) {
    const table = tables.get(id);
    if (!table) return;
    const tbody = table.tBodies[0];
    const old = new Map();
    for (const tr of Array.from(tbody.rows)) old.set(tr.dataset.k, tr);
    data.rows.forEach((row, i) => {
      let tr = old.get(row.k);
      if (tr) {
        old.delete(row.k);
      } else {
        tr = document.createElement("tr");
        tr.dataset.k = row.k;
      }
      while (tr.cells.length < row.c.length) tr.insertCell();
      while (tr.cells.length > row.c.length) tr.deleteCell(-1);
      row.c.forEach((cell, j) => {
        const td = tr.cells[j];
        const cls = cell.s || "";
        if (td.textContent !== cell.t) td.textContent = cell.t;
        if (td.className !== cls) td.className = cls;
      });
      if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
    });
    for (const tr of old.values()) tr.remove();
    const empty = empties.get(id);
    if (empty) empty.hidden = data.rows.length > 0;
    const more = mores.get(id);
    if (more) {
      more.hidden = !data.more;
      if (data.more) more.textContent = "and " + data.more + " more not shown";
    }
  }

  // quantile estimates quantile q of what histogram b observed since a
  // (cumulative buckets), interpolating linearly within the bucket it
  // falls in, as Prometheus's histogram_quantile does; null when nothing
  // was observed.
  function quantile(a, b, q) {
    const n = b.n - a.n;
    if (!(n > 0)) return null;
    const rank = q * n;
    let below = 0;
    let lower = 0;
    for (let i = 0; i < b.le.length; i++) {
      const c = b.c[i] - (a.c[i] || 0);
      if (c >= rank) {
        const inBucket = c - below;
        return inBucket > 0 ? lower + (b.le[i] - lower) * (rank - below) / inBucket : b.le[i];
      }
      below = c;
      lower = b.le[i];
    }
    return lower; // beyond the last bound: at least that
  }

  // sample adds the point that snapshot data (taken at t) gives chart c.
  function sample(c, data, t) {
    let vals = null;
    if (data.kind === "gauge") {
      vals = data.v;
    } else if (c.prev && t > c.prev.t) {
      const dt = (t - c.prev.t) / 1000;
      const p = c.prev.data;
      if (data.kind === "rate") {
        vals = data.v.map((v, i) => Math.max(0, v - (p.v[i] || 0)) / dt);
      } else if (data.kind === "latency" && p.h && data.h) {
        vals = [quantile(p.h, data.h, 0.5), quantile(p.h, data.h, 0.95)];
      }
    }
    c.prev = { t: t, data: data };
    if (!vals) return;
    c.points.push(vals);
    if (c.points.length > HISTORY) c.points.shift();
  }

  function format(v, data) {
    if (v === null || v === undefined) return "–";
    if (v === 0) return data.kind === "rate" ? "0/s" : "0";
    if (data.unit === "s") {
      if (v < 1) return (v * 1000).toFixed(v < 0.01 ? 2 : v < 0.1 ? 1 : 0) + " ms";
      return v.toFixed(v < 10 ? 2 : 0) + " s";
    }
    if (data.kind === "gauge") return Number.isInteger(v) ? String(v) : v.toFixed(1);
    return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + "/s";
  }

  // niceMax rounds the top of the scale up to 1, 2 or 5 times a power of ten.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }

  // draw redraws chart c: a line per series over the last HISTORY points,
  // the newest at the right edge, the scale's top written at the top left.
  function draw(c, data) {
    const svg = c.svg;
    const w = Math.max(svg.clientWidth, 120);
    const h = Math.max(svg.clientHeight, 48);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    while (svg.firstChild) svg.firstChild.remove();
    const top = 14;
    let max = 0;
    for (const p of c.points) for (const v of p) if (v !== null && v > max) max = v;
    max = niceMax(max);
    const y = (v) => h - 1 - (h - 1 - top) * v / max;
    el("line", { x1: 0, x2: w, y1: y(max), y2: y(max), class: "grid" }, svg);
    el("line", { x1: 0, x2: w, y1: y(max / 2), y2: y(max / 2), class: "grid" }, svg);
    el("line", { x1: 0, x2: w, y1: y(0), y2: y(0), class: "axis" }, svg);
    el("text", { x: 2, y: top - 3, class: "scale" }, svg).textContent = format(max, data);
    const x = (i) => w - 1 - (w - 2) * (c.points.length - 1 - i) / (HISTORY - 1);
    const series = data.names.length;
    for (let s = 0; s < series; s++) {
      let d = "";
      let pen = "M";
      c.points.forEach((p, i) => {
        if (p[s] === null || p[s] === undefined) {
          pen = "M";
          return;
        }
        d += pen + x(i).toFixed(1) + " " + y(p[s]).toFixed(1) + " ";
        pen = "L";
      });
      if (d) el("path", { d: d, class: "line s" + s }, svg);
    }
    const last = c.points[c.points.length - 1] || [];
    c.legend.forEach((b, s) => {
      b.textContent = format(last[s], data);
    });
  }

  function update(state) {
    for (const id in state.tables) syncTable(id, state.tables[id]);
    for (const id in state.charts) {
      const c = charts.get(id);
      if (!c) continue;
      sample(c, state.charts[id], state.time);
      draw(c, state.charts[id]);
    }
  }

  function setStatus(text, cls) {
    status.textContent = text;
    status.className = "status " + cls;
  }

  async function poll() {
    if (!document.hidden) {
      try {
        const resp = await fetch(api, { cache: "no-store", headers: { Accept: "application/json" } });
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        const state = await resp.json();
        update(state);
        setStatus("live, " + new Date(state.time).toLocaleTimeString(), "ok");
      } catch (e) {
        setStatus("not updating: " + e.message, "bad");
      }
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
