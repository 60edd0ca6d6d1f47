// SPDX-License-Identifier: LGPL-2.1-or-later
// Load @litertjs/core (TFLite/LiteRT compiled to wasm, CPU = XNNPACK) in node.
// The package is written for browsers/workers: its loader calls
// importScripts() on the emscripten glue script and then reads
// self.ModuleFactory; the glue script, when it sees node, uses require() and
// __dirname. This shim supplies those four globals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';

const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
export const NODE_MODULES = path.join(CACHE, 'reference/node/node_modules');
const WASM_DIR = path.join(NODE_MODULES, '@litertjs/core/wasm');

export async function loadLiteRtNode() {
  globalThis.self = globalThis;
  globalThis.__dirname = WASM_DIR;
  globalThis.__filename = path.join(WASM_DIR, 'litert_wasm_compat_internal.js');
  globalThis.require = createRequire(globalThis.__filename);
  globalThis.importScripts = (url) => {
    const p = String(url).startsWith('file:') ? new URL(url).pathname : String(url);
    vm.runInThisContext(fs.readFileSync(p, 'utf8'), { filename: p }); // defines var ModuleFactory
  };
  const lrt = await import(path.join(NODE_MODULES, '@litertjs/core/dist/index.js'));
  // Always the 'compat' build (plain wasm SIMD128): the default build uses
  // relaxed SIMD, whose results may legitimately differ between CPUs, and it
  // is picked or not depending on the node version. (Measured: the two builds
  // differ by ~1e-6 relative on BlazeFace outputs.)
  await lrt.loadLiteRt(path.join(WASM_DIR, 'litert_wasm_compat_internal.js'));
  const version = JSON.parse(fs.readFileSync(path.join(NODE_MODULES, '@litertjs/core/package.json'), 'utf8')).version;
  const wasmFile = 'litert_wasm_compat_internal.wasm';
  return { lrt, version, wasmFile };
}
