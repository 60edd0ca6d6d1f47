// SPDX-License-Identifier: LGPL-2.1-or-later
// Reference landmarks from Google's own MediaPipe face_mesh JS solution
// (@mediapipe/face_mesh@0.4.1657299874) in headless Debian chromium.
//
// usage: node run_face_mesh.mjs IMAGES_DIR OUT_DIR [--geometry]
//   IMAGES_DIR: output of decode_images.py (images.json + <name>.rgb)
//   OUT_DIR:    where <name>.json files go
//   --geometry: face geometry instead (enableFaceGeometry: true): the pose
//               transform matrix and canonical-space mesh with the 468
//               landmarks they were computed from. The solution cannot do
//               both: with refineLandmarks its geometry pipeline gets 478
//               points for a 468-vertex model and fails (mediapipe#3003,
//               #3280), so this mode runs without refinement.
// env: FER_CACHE_DIR (default ~/.cache/gst-fer), CHROMIUM (default /usr/bin/chromium)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
const NODE_DIR = path.join(CACHE, 'reference/node');
const MP_DIR = path.join(CACHE, 'reference/pkgs/mediapipe-face_mesh-0.4.1657299874/package');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const require = createRequire(path.join(NODE_DIR, 'x.js'));
const { chromium } = require('playwright-core');

const [imagesDir, outDir, mode] = process.argv.slice(2);
if (!imagesDir || !outDir || (mode !== undefined && mode !== '--geometry')) {
  console.error('usage: node run_face_mesh.mjs IMAGES_DIR OUT_DIR [--geometry]'); process.exit(2);
}
const geometry = mode === '--geometry';
const OPTIONS = geometry
  ? { refineLandmarks: false, enableFaceGeometry: true, useCpuInference: true, maxNumFaces: 1 }
  : { refineLandmarks: true, useCpuInference: true, maxNumFaces: 1 };
const manifest = JSON.parse(fs.readFileSync(path.join(imagesDir, 'images.json'), 'utf8'));
const mpVersion = JSON.parse(fs.readFileSync(path.join(MP_DIR, 'package.json'), 'utf8')).version;
const pwVersion = require('playwright-core/package.json').version;

const GEOMETRY_NOTE = 'pose_transform_matrix: MediaPipe\'s MatrixData as getPoseTransformMatrix() returns it (rows, cols, '
  + 'layout 0 = COLUMN_MAJOR, packed_data: 16 float32 values) and row_major: the same 4x4 matrix, rows in order; it maps '
  + 'the canonical face (cm) to the right-handed metric camera space (x right, y up, camera looking down -z). '
  + 'mesh: the x, y, z of getMesh().getVertexBufferList() (VERTEX_PT, so u, v dropped), i.e. the metric landmarks '
  + 'multiplied by the inverse pose matrix, in the canonical face\'s space (cm), printed with the fewest digits that '
  + 'give back the float32. Camera: the solution\'s defaults (vertical FOV 63 degrees, near 1, far 10000), origin '
  + 'top-left. The geometry pipeline saw exactly the 468 landmarks listed (refineLandmarks: false).';

// Shortest decimal that reads back as the same float32.
function f32(v) {
  for (let p = 1; p < 10; p++) { const s = Number(v.toPrecision(p)); if (Math.fround(s) === v) return s; }
  return v;
}

// --- tiny static server on 127.0.0.1 -------------------------------------
const served = new Set();
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html',
  '.data': 'application/octet-stream', '.binarypb': 'application/octet-stream', '.rgb': 'application/octet-stream' };
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  let file = null;
  if (u.pathname === '/' || u.pathname === '/page.html') file = path.join(HERE, 'page.html');
  else if (u.pathname.startsWith('/mp/')) file = path.join(MP_DIR, path.basename(u.pathname));
  else if (u.pathname.startsWith('/img/')) file = path.join(imagesDir, path.basename(u.pathname));
  if (!file || !fs.existsSync(file)) { if (process.env.VERBOSE) console.error('404', u.pathname); res.writeHead(404); res.end(); return; }
  served.add(u.pathname);
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
    'Cache-Control': 'no-store' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

// --- chromium ---------------------------------------------------------------
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gstfer-chromium-'));
const chromiumVersion = execFileSync(CHROMIUM, ['--version']).toString().trim();
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 120000,
});
let exitCode = 0;
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  // the exact command line chromium ran with (FLAGS plus playwright-core's own defaults)
  await page.goto('chrome://version');
  const cmdline = (await page.textContent('#command_line')).trim()
    .replace(profile, '<fresh mkdtemp profile>');
  page.on('console', (m) => { if (process.env.VERBOSE) console.error('[page]', m.text()); });
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  await page.goto(base + '/page.html');
  page.setDefaultTimeout(300000);
  const setupInfo = await page.evaluate((o) => window.setup(o), OPTIONS);
  fs.mkdirSync(outDir, { recursive: true });
  for (const im of manifest.images) {
    const r = await page.evaluate(([n, w, h]) => window.runImage(n, w, h), [im.name, im.width, im.height]);
    for (const g of r.geometry) g.mesh = g.mesh.map((p) => p.map(f32));
    if (r.canvasRgbaSha !== r.inputRgbaSha) throw new Error(`${im.name}: canvas does not hold the exact bytes`);
    const W = im.width, H = im.height;
    const faces = r.faces.map((lm) => ({ landmarks: lm.map(([x, y, z]) => [x * W, y * H, z * W]) }));
    if (geometry) {
      if (r.geometry.length !== r.faces.length) throw new Error(`${im.name}: ${r.geometry.length} geometries for ${r.faces.length} faces`);
      r.geometry.forEach((g, i) => { faces[i].pose_transform_matrix = g.matrix; faces[i].mesh = g.mesh; });
    }
    const out = {
      image: { source: im.source, sha256: im.file_sha256, rgb_sha256: im.rgb_sha256,
        width: W, height: H,
        decoder: manifest.decoder.name + ', OpenCV ' + manifest.decoder.opencv + ' (Debian python3-opencv)' },
      generator: {
        tool: 'tests/reference/mediapipe_face_mesh/run_face_mesh.mjs' + (geometry ? ' --geometry' : ''),
        mediapipe_face_mesh: mpVersion, solution_VERSION: setupInfo.version, webgl_renderer: setupInfo.webgl_renderer,
        files_served: [...served].filter((p) => p.startsWith('/mp/')).map((p) => p.slice(4)).sort(),
        options: OPTIONS,
        reset_before_send: true, input: 'exact RGBA via canvas putImageData (alpha 255)',
        chromium: chromiumVersion, chromium_flags: FLAGS, chromium_command_line: cmdline, playwright_core: pwVersion, node: process.version,
      },
      coordinates: 'landmarks[i] = [x*width, y*height, z*width] with x,y,z the NormalizedLandmark MediaPipe returns '
        + '(float32 values; the products are exact, so dividing by width/height recovers them). x,y: pixels, '
        + 'origin top-left corner of the image, (0,0) = corner of the first pixel (MediaPipe normalised coords); '
        + 'z: MediaPipe depth relative to the face centre, smaller = closer to camera, on the x pixel scale.',
      ...(geometry ? { geometry: GEOMETRY_NOTE } : {}),
      faces,
    };
    fs.writeFileSync(path.join(outDir, im.name + '.json'), JSON.stringify(out) + '\n');
    console.log(`${im.name}: ${r.faces.length} face(s)` + (r.faces.length ? `, ${r.faces[0].length} landmarks` : '')
      + (geometry && r.geometry.length ? `, pose ${JSON.stringify(r.geometry[0].matrix.row_major.map((v) => +v.toFixed(3)))}` : ''));
  }
} catch (e) {
  console.error(e); exitCode = 1;
} finally {
  await ctx.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
