// SPDX-License-Identifier: LGPL-2.1-or-later
// Raw outputs of the BlazeFace .tflite models from @litertjs/core in node.
// usage: node run_blazeface.mjs WORKDIR OUT_DIR
//   WORKDIR: output of make_inputs.py (inputs.json + <model>_input.f32)
// Writes OUT_DIR/<model>_outputs.f32 (raw little-endian float32: regressors
// then scores) and OUT_DIR/<model>_outputs.json (header describing it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLiteRtNode } from '../litert_node.mjs';

const [work, outDir] = process.argv.slice(2);
if (!work || !outDir) { console.error('usage: node run_blazeface.mjs WORKDIR OUT_DIR'); process.exit(2); }
const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
const PKG = 'mediapipe-face_detection-0.4.1657300184';
const PKG_DIR = path.join(CACHE, 'reference/pkgs', PKG, 'package');
const inputs = JSON.parse(fs.readFileSync(path.join(work, 'inputs.json'), 'utf8'));
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

const { lrt, version, wasmFile } = await loadLiteRtNode();
fs.mkdirSync(outDir, { recursive: true });
for (const [model, inp] of Object.entries(inputs)) {
  const bytes = fs.readFileSync(path.join(PKG_DIR, model + '.tflite'));
  const m = await lrt.loadAndCompile(new Uint8Array(bytes), { accelerator: 'wasm' });
  const inDet = m.getInputDetails(), outDet = m.getOutputDetails();
  const shapeOf = (d) => Object.values(d.shape);
  if (JSON.stringify(shapeOf(inDet[0])) !== JSON.stringify(inp.shape)) throw new Error('input shape mismatch');
  const raw = fs.readFileSync(path.join(work, model + '_input.f32'));
  if (sha(raw) !== inp.tensor_sha256) throw new Error('input tensor sha mismatch');
  const x = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice();
  const outs = await m.run([new lrt.Tensor(x, inp.shape)]);
  const parts = [], header = [];
  let offset = 0;
  outs.forEach((t, i) => {
    const a = Float32Array.from(t.toTypedArray());
    const shape = shapeOf(outDet[i]);
    if (a.length !== shape.reduce((p, q) => p * q, 1)) throw new Error('output size mismatch');
    header.push({ name: outDet[i].name, shape, dtype: 'float32', offset_bytes: offset, count: a.length });
    parts.push(Buffer.from(a.buffer)); offset += a.byteLength;
  });
  const blob = Buffer.concat(parts); // little-endian (wasm and x86 are LE)
  const scores = new Float32Array(blob.buffer, blob.byteOffset + header[1].offset_bytes, header[1].count);
  let best = 0; for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  const out = {
    model: { file: model + '.tflite', package: '@mediapipe/face_detection@0.4.1657300184',
      package_tgz_sha256: 'a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419',
      sha256: sha(bytes) },
    input: inp,
    outputs_file: model + '_outputs.f32',
    outputs_sha256: sha(blob),
    outputs: header,
    note: 'outputs_file is the outputs concatenated in this order, raw little-endian float32, row-major. '
      + 'regressors: per anchor [dx, dy, w, h, then 6 keypoints x,y] in input pixels relative to the anchor; '
      + 'classificators: raw logits (apply sigmoid).',
    summary: { best_anchor: best, best_logit: scores[best], best_regressors: Array.from(new Float32Array(blob.buffer, blob.byteOffset + best * 16 * 4, 16)) },
    generator: { tool: 'tests/reference/blazeface/run_blazeface.mjs', litertjs_core: version,
      litertjs_wasm: wasmFile, accelerator: 'wasm (XNNPACK CPU delegate, 1 thread)', node: process.version },
  };
  fs.writeFileSync(path.join(outDir, model + '_outputs.f32'), blob);
  fs.writeFileSync(path.join(outDir, model + '_outputs.json'), JSON.stringify(out, null, 1) + '\n');
  console.log(`${model}: in ${JSON.stringify(inp.shape)} -> ${header.map((h) => h.name + JSON.stringify(h.shape)).join(' ')}; best anchor ${best} logit ${scores[best]}`);
  m.delete();
}
process.exit(0);
