import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import * as tractor from 'tractor-ts';
// local: pipe gzip with a fake target
const input = Buffer.from('hello legacy world\n'.repeat(20000));
const out: Buffer[] = [];
async function* src() { for (let i = 0; i < input.length; i += 8192) yield input.subarray(i, i + 8192); }
const target = {
  async send(c: unknown) { out.push(Buffer.from(c as Uint8Array)); },
  async close() { console.log('closed'); },
  [Symbol.asyncIterator]: () => src()[Symbol.asyncIterator](),
};
await tractor.toPromise.pipe(zlib.createGzip(), target as any);
console.log(out.length, zlib.gunzipSync(Buffer.concat(out)).length);
