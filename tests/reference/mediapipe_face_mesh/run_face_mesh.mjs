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
// Server and chromium: harness.mjs (env: FER_CACHE_DIR, CHROMIUM).
import { COORDINATES, runFaceMesh } from './harness.mjs';

const [imagesDir, outDir, mode] = process.argv.slice(2);
if (!imagesDir || !outDir || (mode !== undefined && mode !== '--geometry')) {
  console.error('usage: node run_face_mesh.mjs IMAGES_DIR OUT_DIR [--geometry]'); process.exit(2);
}
const geometry = mode === '--geometry';
const OPTIONS = geometry
  ? { refineLandmarks: false, enableFaceGeometry: true, useCpuInference: true, maxNumFaces: 1 }
  : { refineLandmarks: true, useCpuInference: true, maxNumFaces: 1 };
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

await runFaceMesh({ imagesDir, outDir, options: OPTIONS }, async (s) => {
  for (const im of s.manifest.images) {
    const r = await s.runImage(im);
    for (const g of r.geometry) g.mesh = g.mesh.map((p) => p.map(f32));
    const W = im.width, H = im.height;
    const faces = r.faces.map((lm) => ({ landmarks: lm.map(([x, y, z]) => [x * W, y * H, z * W]) }));
    if (geometry) {
      if (r.geometry.length !== r.faces.length) throw new Error(`${im.name}: ${r.geometry.length} geometries for ${r.faces.length} faces`);
      r.geometry.forEach((g, i) => { faces[i].pose_transform_matrix = g.matrix; faces[i].mesh = g.mesh; });
    }
    s.write(im.name, {
      image: s.image(im),
      generator: {
        tool: 'tests/reference/mediapipe_face_mesh/run_face_mesh.mjs' + (geometry ? ' --geometry' : ''),
        ...s.solution(), options: OPTIONS, ...s.browser(),
      },
      coordinates: COORDINATES,
      ...(geometry ? { geometry: GEOMETRY_NOTE } : {}),
      faces,
    });
    console.log(`${im.name}: ${r.faces.length} face(s)` + (r.faces.length ? `, ${r.faces[0].length} landmarks` : '')
      + (geometry && r.geometry.length ? `, pose ${JSON.stringify(r.geometry[0].matrix.row_major.map((v) => +v.toFixed(3)))}` : ''));
  }
});
