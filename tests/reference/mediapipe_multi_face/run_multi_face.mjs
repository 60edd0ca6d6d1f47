// SPDX-License-Identifier: LGPL-2.1-or-later
// Reference faces of Google's own MediaPipe face_mesh JS solution
// (@mediapipe/face_mesh@0.4.1657299874) on multi-face stills, in headless
// Debian chromium: every face it returns (maxNumFaces 8), 478 landmarks each.
// Same server, chromium setup and page as ../mediapipe_face_mesh (A), through
// its harness.mjs: the page is ../mediapipe_face_mesh/page.html, served unchanged,
// which puts the exact RGB bytes into a canvas, calls reset() and send()s the
// canvas once per image.
//
// usage: node run_multi_face.mjs IMAGES_DIR OUT_DIR
//   IMAGES_DIR: output of decode_images.py here (images.json + <name>.rgb)
//   OUT_DIR:    where <name>.json files go
// env: as ../mediapipe_face_mesh/harness.mjs (FER_CACHE_DIR, CHROMIUM)
import { COORDINATES, runFaceMesh } from '../mediapipe_face_mesh/harness.mjs';

const [imagesDir, outDir] = process.argv.slice(2);
if (!imagesDir || !outDir || process.argv.length !== 4) {
  console.error('usage: node run_multi_face.mjs IMAGES_DIR OUT_DIR'); process.exit(2);
}
// Passed to setOptions() exactly. Everything else keeps the solution's
// defaults: selfieMode false; minDetectionConfidence and minTrackingConfidence
// unset (setting minDetectionConfidence aborts inside the wasm, see page.html),
// so the compiled graph's values apply, 0.5 each (UNSET_DEFAULTS below).
const OPTIONS = { refineLandmarks: true, useCpuInference: true, maxNumFaces: 8 };
const UNSET_DEFAULTS = {
  selfieMode: false,
  minDetectionConfidence: 0.5,
  minTrackingConfidence: 0.5,
  note: 'not passed to setOptions(); the values the compiled graph in face_mesh_solution_simd_wasm_bin.wasm holds: '
    + 'FaceDetectionShortRange min_score_thresh 0.5 (float), FaceLandmarkGpu ThresholdingCalculator threshold 0.5 '
    + '(on the landmark model\'s face presence score; this is what minTrackingConfidence sets)',
};
const IRIS_A = 468, IRIS_B = 473;

// Per face: bounding box of all 478 landmarks (x, y) and the distance between
// the two iris centres, sqrt(dx*dx + dy*dy) in double (no Math.hypot, so C++
// gets the same bits).
function describe(lm, mediapipeIndex) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of lm) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  const dx = lm[IRIS_B][0] - lm[IRIS_A][0], dy = lm[IRIS_B][1] - lm[IRIS_A][1];
  return { mediapipe_index: mediapipeIndex,
    bbox: { x_min: x0, y_min: y0, x_max: x1, y_max: y1 },
    interocular_px: Math.sqrt(dx * dx + dy * dy),
    landmarks: lm };
}
function iou(a, b) {
  const w = Math.min(a.x_max, b.x_max) - Math.max(a.x_min, b.x_min);
  const h = Math.min(a.y_max, b.y_max) - Math.max(a.y_min, b.y_min);
  if (w <= 0 || h <= 0) return 0;
  const area = (r) => (r.x_max - r.x_min) * (r.y_max - r.y_min);
  return w * h / (area(a) + area(b) - w * h);
}

await runFaceMesh({ imagesDir, outDir, options: OPTIONS }, async (s) => {
  for (const im of s.manifest.images) {
    const t0 = Date.now();
    const r = await s.runImage(im);
    const W = im.width, H = im.height;
    const faces = r.faces.map((lm, k) => {
      if (lm.length !== 478) throw new Error(`${im.name}: face ${k} has ${lm.length} landmarks`);
      return describe(lm.map(([x, y, z]) => [x * W, y * H, z * W]), k);
    });
    // stable order: left edge of the landmarks' box, then top edge, then MediaPipe's order
    faces.sort((a, b) => a.bbox.x_min - b.bbox.x_min || a.bbox.y_min - b.bbox.y_min
      || a.mediapipe_index - b.mediapipe_index);
    let maxIou = 0;
    for (let i = 0; i < faces.length; i++)
      for (let j = i + 1; j < faces.length; j++) maxIou = Math.max(maxIou, iou(faces[i].bbox, faces[j].bbox));
    s.write(im.name, {
      image: s.image(im),
      generator: {
        tool: 'tests/reference/mediapipe_multi_face/run_multi_face.mjs',
        page: 'tests/reference/mediapipe_face_mesh/page.html',
        ...s.solution(),
        options: OPTIONS, options_left_unset: UNSET_DEFAULTS,
        still_images: 'one reset() before each send(): every image starts from a fresh graph state, so face '
          + 'detection runs on the whole image and no landmarks are carried over from another image (the JS '
          + 'solution has no staticImageMode option)',
        ...s.browser(),
      },
      coordinates: COORDINATES,
      faces_order: 'sorted by bbox.x_min, then bbox.y_min, then mediapipe_index (the face\'s position in '
        + 'MediaPipe\'s multiFaceLandmarks)',
      bbox: 'x_min, y_min, x_max, y_max over the x, y of all 478 landmarks (pixels, as landmarks)',
      interocular_px: `distance between the iris centres, landmarks ${IRIS_A} (subject's right, FACEMESH_RIGHT_IRIS) `
        + `and ${IRIS_B} (subject's left, FACEMESH_LEFT_IRIS): sqrt(dx*dx + dy*dy) in double of the x, y pixel values`,
      num_faces: faces.length,
      max_num_faces_reached: faces.length === OPTIONS.maxNumFaces,
      faces,
    });
    console.log(`${im.name} ${W}x${H}: ${faces.length} face(s) [`
      + faces.map((f) => `x ${f.bbox.x_min.toFixed(0)}-${f.bbox.x_max.toFixed(0)} y ${f.bbox.y_min.toFixed(0)}-${f.bbox.y_max.toFixed(0)} iod ${f.interocular_px.toFixed(1)}`).join('; ')
      + `], max pairwise IoU ${maxIou.toFixed(3)}` + (process.env.VERBOSE ? `, ${Date.now() - t0} ms` : ''));
  }
});
