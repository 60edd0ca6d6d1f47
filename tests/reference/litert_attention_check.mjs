// SPDX-License-Identifier: LGPL-2.1-or-later
// Part C check: can @litertjs/core run face_landmark_with_attention.tflite
// (bytes [0, 2495952) of face_mesh_solution_packed_assets.data)?
// usage: node litert_attention_check.mjs      (prints the verdict; exit 0 either way)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLiteRtNode } from './litert_node.mjs';

const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
const data = fs.readFileSync(path.join(CACHE,
  'reference/pkgs/mediapipe-face_mesh-0.4.1657299874/package/face_mesh_solution_packed_assets.data'));
const model = new Uint8Array(data.subarray(0, 2495952));
const { lrt, version } = await loadLiteRtNode();
// LiteRT reports op-resolution failures straight on stderr
// ("ERROR: Encountered unresolved custom op: ..."), not as an exception.
let verdict;
try {
  const m = await lrt.loadAndCompile(model, { accelerator: 'wasm' });
  const shape = Object.values(m.getInputDetails()[0].shape);
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
  const outs = await m.run([new lrt.Tensor(x, shape)]);
  const mesh = outs[0].toTypedArray();
  const maxAbs = mesh.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  verdict = `loadAndCompile() and run() did not throw; run() returned ${outs.length} tensors, `
    + `but the mesh output is not computed (max |mesh| = ${maxAbs}, expected ~10..200 px): see the ERROR lines on stderr`;
} catch (e) {
  verdict = 'threw: ' + (e && e.message || e);
}
console.log(`@litertjs/core ${version}: ${verdict}`);
