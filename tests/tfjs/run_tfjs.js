// Runs Strata's TensorFlow.js exports in @tensorflow/tfjs 4.22 (pure JavaScript, CPU backend) for
// the tfjs tests. argv[2]: a JSON manifest, a list of {name, dir, feeds: [{name, dtype, shape,
// file}], outputs: [{name, file}]}: each model is read from DIR/model.json and the weights files
// its manifest names (fs + tf.io.fromMemory, as plain Node has no file:// loader without
// tfjs-node); inputs are raw little-endian float32/int64 files (int64 ids are fed as int32, the
// dtype the export declares); each requested output is written as raw float32. One line per case:
// "CASE <name> OK" or "CASE <name> FAILED <message>".
'use strict';
const fs = require('fs');
const path = require('path');

// tfjs greets Node users on the console at require time; keep the report readable.
const log = console.log;
console.log = () => {};
const tf = require('@tensorflow/tfjs');
console.warn = () => {};

function readRaw(file) {
  const buf = fs.readFileSync(file);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
}

function readTensor(f) {
  const bytes = readRaw(f.file);
  if (f.dtype === 'int64') {
    const ids = new BigInt64Array(bytes);
    return tf.tensor(Int32Array.from(ids, (v) => Number(v)), f.shape, 'int32');
  }
  return tf.tensor(new Float32Array(bytes), f.shape, 'float32');
}

async function loadModel(dir) {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(Buffer.from(readRaw(path.join(dir, p))));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  return tf.loadLayersModel(
      tf.io.fromMemory({modelTopology: modelJson.modelTopology, weightSpecs, weightData}));
}

async function runCase(c) {
  const model = await loadModel(c.dir);
  const byName = {};
  for (const f of c.feeds) byName[f.name] = f;
  const inputs = model.inputNames.map((n) => {
    if (!byName[n]) throw new Error('no input file for model input ' + n);
    return readTensor(byName[n]);
  });
  let out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  if (!Array.isArray(out)) out = [out];
  const results = {};
  model.outputNames.forEach((n, i) => { results[n] = out[i]; });
  for (const o of c.outputs) {
    // A graph without Output nodes has one output: the loss input, named by its layer.
    const t = results[o.name] || (out.length === 1 && c.outputs.length === 1 ? out[0] : null);
    if (!t) {
      throw new Error('model has no output ' + o.name + ' (it has ' + model.outputNames + ')');
    }
    const data = await t.data();
    fs.writeFileSync(o.file, Buffer.from(new Float32Array(data).buffer));
  }
  tf.dispose([...inputs, ...out]);
  model.dispose();
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let failed = 0;
  for (const c of cases) {
    try {
      await runCase(c);
      log('CASE ' + c.name + ' OK');
    } catch (e) {
      failed++;
      log('CASE ' + c.name + ' FAILED ' + String(e.message).split('\n')[0]);
    }
  }
  log('tfjs ' + tf.version.tfjs + ' backend ' + tf.getBackend() + ': ' + (cases.length - failed) +
      ' of ' + cases.length + ' models ran');
  process.exit(0);
}
main().catch((e) => {
  log('RUNNER FAILED ' + e.message);
  process.exit(1);
});
