// Runs ONNX models in onnxruntime-node for the ONNX tests. argv[2]: a JSON manifest, a list of
// {model, feeds: [{name, dtype, shape, file}], outputs: [{name, file}]}; inputs are raw
// little-endian float32/int64 files, each requested output is written as raw float32.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readTensor(f) {
  const buf = fs.readFileSync(f.file);
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const data = f.dtype === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
  return new ort.Tensor(f.dtype === 'int64' ? 'int64' : 'float32', data, f.shape);
}

async function main() {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let failed = 0;
  for (const c of cases) {
    try {
      const session = await ort.InferenceSession.create(c.model);
      const feeds = {};
      for (const f of c.feeds) feeds[f.name] = readTensor(f);
      const results = await session.run(feeds);
      for (const o of c.outputs) {
        const t = results[o.name];
        fs.writeFileSync(o.file, Buffer.from(new Float32Array(t.data).buffer));
      }
    } catch (e) {
      failed++;
      console.log('ORT FAILED ' + c.model + ': ' + e.message);
    }
  }
  process.exit(failed ? 1 : 0);
}
main();
