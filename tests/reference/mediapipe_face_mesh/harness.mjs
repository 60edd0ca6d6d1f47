// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared by run_face_mesh.mjs (A, A2) and ../mediapipe_multi_face/run_multi_face.mjs
// (E): a static server on 127.0.0.1 for page.html, the @mediapipe/face_mesh
// files and the decoded images, and headless Debian chromium driven by
// playwright-core.
// env: FER_CACHE_DIR (default ~/.cache/gst-fer), CHROMIUM (default /usr/bin/chromium)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAGE = path.join(HERE, 'page.html');
const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
const NODE_DIR = path.join(CACHE, 'reference/node');
const MP_DIR = path.join(CACHE, 'reference/pkgs/mediapipe-face_mesh-0.4.1657299874/package');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const require = createRequire(path.join(NODE_DIR, 'x.js'));
const { chromium } = require('playwright-core');

export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const COORDINATES = 'landmarks[i] = [x*width, y*height, z*width] with x,y,z the NormalizedLandmark MediaPipe returns '
  + '(float32 values; the products are exact, so dividing by width/height recovers them). x,y: pixels, '
  + 'origin top-left corner of the image, (0,0) = corner of the first pixel (MediaPipe normalised coords); '
  + 'z: MediaPipe depth relative to the face centre, smaller = closer to camera, on the x pixel scale.';

// Serves page.html, starts chromium, calls the page's setup(options), then
// body(session); closes everything and exits (1 if anything threw).
// session: manifest (IMAGES_DIR/images.json), runImage(im), image(im),
// solution(), browser(), write(name, out).
export async function runFaceMesh({ imagesDir, outDir, options }, body) {
  const manifest = JSON.parse(fs.readFileSync(path.join(imagesDir, 'images.json'), 'utf8'));
  const mpVersion = JSON.parse(fs.readFileSync(path.join(MP_DIR, 'package.json'), 'utf8')).version;
  const pwVersion = require('playwright-core/package.json').version;

  // --- tiny static server on 127.0.0.1 -------------------------------------
  const served = new Set();
  const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html',
    '.data': 'application/octet-stream', '.binarypb': 'application/octet-stream', '.rgb': 'application/octet-stream' };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    let file = null;
    if (u.pathname === '/' || u.pathname === '/page.html') file = PAGE;
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
    const setupInfo = await page.evaluate((o) => window.setup(o), options);
    fs.mkdirSync(outDir, { recursive: true });
    await body({
      manifest,
      // page.html's runImage(): {faces, geometry} of one reset() + send()
      async runImage(im) {
        const r = await page.evaluate(([n, w, h]) => window.runImage(n, w, h), [im.name, im.width, im.height]);
        if (r.canvasRgbaSha !== r.inputRgbaSha) throw new Error(`${im.name}: canvas does not hold the exact bytes`);
        return r;
      },
      image: (im) => ({ source: im.source, sha256: im.file_sha256, rgb_sha256: im.rgb_sha256,
        width: im.width, height: im.height,
        decoder: manifest.decoder.name + ', OpenCV ' + manifest.decoder.opencv + ' (Debian python3-opencv)' }),
      // generator fields before and after the options
      solution: () => ({
        mediapipe_face_mesh: mpVersion, solution_VERSION: setupInfo.version, webgl_renderer: setupInfo.webgl_renderer,
        files_served: [...served].filter((p) => p.startsWith('/mp/')).map((p) => p.slice(4)).sort(),
      }),
      browser: () => ({
        reset_before_send: true, input: 'exact RGBA via canvas putImageData (alpha 255)',
        chromium: chromiumVersion, chromium_flags: FLAGS, chromium_command_line: cmdline, playwright_core: pwVersion, node: process.version,
      }),
      write: (name, out) => fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(out) + '\n'),
    });
  } catch (e) {
    console.error(e); exitCode = 1;
  } finally {
    await ctx.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(exitCode);
}
