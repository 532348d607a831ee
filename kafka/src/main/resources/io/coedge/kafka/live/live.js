// The live page: polls /api/state once a second and draws it. No framework, no build step:
// the page is served from the jar on 127.0.0.1 and must work without any network.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#0a7ea4', '#bf3989', '#57606a'];
const FIELDS = ['frames', 'ok', 'late', 'dropped', 'error', 'dmr', 'p50Ms', 'p95Ms', 'p99Ms', 'fps', 'batch'];

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, s, attrs) {
  const t = el('text', Object.assign({x, y}, attrs || {}), parent);
  t.textContent = s;
  return t;
}

function colour(index) {
  return PALETTE[index % PALETTE.length];
}

function cell(row, field, value) {
  const td = document.createElement('td');
  td.dataset.field = field;
  td.textContent = value;
  row.appendChild(td);
}

function renderTasks(rows) {
  const body = document.querySelector('#tasks tbody');
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.task = r.task;
    if (r.task === 'ALL') tr.className = 'all';
    cell(tr, 'task', r.task);
    const values = {
      frames: r.frames, ok: r.ok, late: r.late, dropped: r.dropped, error: r.error,
      dmr: (r.missRate * 100).toFixed(2), p50Ms: r.p50Ms, p95Ms: r.p95Ms, p99Ms: r.p99Ms,
      fps: r.throughputFps.toFixed(1), batch: r.meanBatch.toFixed(2),
    };
    for (const f of FIELDS) cell(tr, f, values[f]);
    body.appendChild(tr);
  }
}

function timeRange(series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const points of Object.values(series)) {
    for (const p of points) {
      lo = Math.min(lo, p.t);
      hi = Math.max(hi, p.t + 1000);
    }
  }
  return lo === Infinity ? null : [lo, Math.max(hi, lo + 10000)];
}

function lineChart(svg, series, value, range, unit) {
  svg.replaceChildren();
  const W = 640, H = 220, L = 44, R = 150, T = 10, B = 24;
  if (!range) {
    text(svg, W / 2, H / 2, 'waiting for results', {'text-anchor': 'middle', fill: '#57606a'});
    return;
  }
  let top = 0;
  for (const points of Object.values(series)) for (const p of points) top = Math.max(top, value(p));
  top = top <= 0 ? 1 : top * 1.1;
  const x = t => L + (t - range[0]) / (range[1] - range[0]) * (W - L - R);
  const y = v => H - B - v / top * (H - T - B);
  el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#8c959f'}, svg);
  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#8c959f'}, svg);
  for (let i = 0; i <= 4; i++) {
    const v = top * i / 4;
    el('line', {x1: L, y1: y(v), x2: W - R, y2: y(v), stroke: '#eaeef2'}, svg);
    text(svg, L - 4, y(v) + 4, v >= 10 ? v.toFixed(0) : v.toFixed(1), {'text-anchor': 'end'});
  }
  const seconds = (range[1] - range[0]) / 1000;
  text(svg, L, H - 6, '0 s', {});
  text(svg, W - R, H - 6, seconds.toFixed(0) + ' s', {'text-anchor': 'end'});
  text(svg, (L + W - R) / 2, H - 6, unit, {'text-anchor': 'middle', fill: '#57606a'});
  Object.keys(series).forEach((task, i) => {
    const pts = series[task].map(p => x(p.t + 500).toFixed(1) + ',' + y(value(p)).toFixed(1));
    el('polyline', {points: pts.join(' '), fill: 'none', stroke: colour(i), 'stroke-width': 1.8,
      'data-task': task}, svg);
    el('rect', {x: W - R + 8, y: T + i * 16, width: 10, height: 10, fill: colour(i)}, svg);
    text(svg, W - R + 22, T + i * 16 + 9, task, {});
  });
}

function renderAssignment(svg, assignment, moves, range) {
  svg.replaceChildren();
  const tasks = Object.keys(assignment);
  const nodes = [...new Set(tasks.flatMap(t => assignment[t].map(s => s.node)))].sort();
  const W = 1300, L = 230, R = 20, ROW = 26, T = 6;
  const H = T + Math.max(1, tasks.length) * ROW + 26;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.style.height = H + 'px';
  if (!range || tasks.length === 0) {
    text(svg, W / 2, 24, 'waiting for results', {'text-anchor': 'middle', fill: '#57606a'});
    return;
  }
  const x = t => L + (t - range[0]) / (range[1] - range[0]) * (W - L - R);
  tasks.forEach((task, i) => {
    const yy = T + i * ROW;
    const label = text(svg, 4, yy + 16, `${task} (${moves[task]} move${moves[task] === 1 ? '' : 's'})`, {});
    label.dataset.task = task;
    for (const s of assignment[task]) {
      const r = el('rect', {x: x(s.from), y: yy + 2, width: Math.max(1, x(s.to) - x(s.from)),
        height: ROW - 6, fill: colour(nodes.indexOf(s.node)), 'data-node': s.node}, svg);
      const title = el('title', {}, r);
      title.textContent = `${task} on ${s.node}`;
    }
  });
  nodes.forEach((n, i) => {
    const lx = L + i * 130;
    el('rect', {x: lx, y: H - 18, width: 10, height: 10, fill: colour(i)}, svg);
    text(svg, lx + 14, H - 9, n, {});
  });
}

function renderNodes(nodes) {
  const body = document.querySelector('#nodes tbody');
  body.replaceChildren();
  for (const n of nodes) {
    const tr = document.createElement('tr');
    tr.dataset.node = n.node;
    cell(tr, 'node', n.node);
    cell(tr, 'state', n.healthy ? 'healthy' : 'unhealthy: ' + n.reason);
    cell(tr, 'device', n.device || '');
    const td = document.createElement('td');
    td.dataset.field = 'load';
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = Math.round(Math.min(1, Math.max(0, n.load)) * 100) + '%';
    bar.appendChild(fill);
    td.append(bar, ' ' + (n.load * 100).toFixed(0) + '%');
    tr.appendChild(td);
    cell(tr, 'queued', n.queued);
    body.appendChild(tr);
  }
}

const cards = new Map();

function drawBoxes(card, view) {
  const img = card.img;
  if (!img.naturalWidth) return;
  const svg = card.overlay;
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
  const size = Math.max(12, img.naturalWidth / 50);
  (view.detections || []).forEach(d => {
    const c = colour(d.classId);
    el('rect', {x: d.x1, y: d.y1, width: Math.max(1, d.x2 - d.x1), height: Math.max(1, d.y2 - d.y1),
      fill: 'none', stroke: c, 'stroke-width': Math.max(2, size / 6), 'data-label': d.label}, svg);
    const label = `${d.label} ${(d.score * 100).toFixed(0)}%`;
    el('rect', {x: d.x1, y: Math.max(0, d.y1 - size * 1.2), width: label.length * size * 0.6,
      height: size * 1.2, fill: c}, svg);
    text(svg, d.x1 + 2, Math.max(size, d.y1 - size * 0.25), label,
      {fill: '#fff', 'font-size': size});
  });
}

function renderCameras(views) {
  const root = document.getElementById('cameras');
  for (const v of views) {
    let card = cards.get(v.camera);
    if (!card) {
      const div = document.createElement('div');
      div.className = 'camera';
      div.dataset.camera = v.camera;
      const frame = document.createElement('div');
      frame.className = 'frame';
      const img = document.createElement('img');
      img.alt = 'latest frame of ' + v.camera;
      const overlay = el('svg', {preserveAspectRatio: 'none'});
      frame.append(img, overlay);
      const caption = document.createElement('div');
      caption.className = 'caption';
      div.append(frame, caption);
      root.appendChild(div);
      card = {div, img, overlay, caption, frameId: null, view: null};
      img.addEventListener('load', () => drawBoxes(card, card.view));
      cards.set(v.camera, card);
    }
    if (card.frameId !== v.frameId) {
      card.frameId = v.frameId;
      card.view = v;
      card.div.dataset.frameId = v.frameId;
      card.img.src = '/api/frame?camera=' + encodeURIComponent(v.camera) + '&v=' + encodeURIComponent(v.frameId);
      const classes = (v.classes || []).map(c => `${c.label} ${(c.score * 100).toFixed(0)}%`).join(', ');
      const objects = (v.detections || []).length;
      card.caption.replaceChildren();
      const status = document.createElement('span');
      status.className = v.status.toLowerCase();
      status.textContent = v.status;
      card.caption.append(`${v.camera} · ${v.task} · ${v.node || '-'} · `, status,
        classes ? ' · ' + classes : ` · ${objects} object${objects === 1 ? '' : 's'}`);
    }
  }
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/api/state', {cache: 'no-store'});
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const s = await response.json();
    const range = timeRange(s.series);
    renderTasks(s.tasks);
    lineChart(document.getElementById('dmr-chart'), s.series, p => p.missRate * 100, range, 'capture time');
    lineChart(document.getElementById('latency-chart'), s.series, p => p.p50Ms, range, 'capture time');
    renderAssignment(document.getElementById('assignment'), s.assignment, s.moves, range);
    renderNodes(s.nodes);
    renderCameras(s.cameras);
    const frames = s.tasks.length === 0 ? 0 : s.tasks[s.tasks.length - 1].frames;
    status.textContent = `${frames} results · updated ${new Date(s.nowTs).toLocaleTimeString()}`;
    status.dataset.updated = String(s.nowTs);
  } catch (e) {
    status.textContent = 'not connected (' + e.message + '); retrying';
  }
}

refresh();
setInterval(refresh, 1000);
