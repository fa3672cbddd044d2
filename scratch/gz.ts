import zlib from 'node:zlib';
import * as tractor from 'tractor-ts';
import { BRIDGES, gzipService } from '../spec/fixtures/bridges.ts';
async function main() {
  await using an = await tractor.openNursery();
  const p = await an.startActor('gz', { enableModules: [BRIDGES] });
  await using ctx = await p.openContext(gzipService);
  await using stream = await ctx.openStream();
  const input = Buffer.from('hello legacy world\n'.repeat(Number(process.argv[2])));
  const out: Buffer[] = [];
  const reading = (async () => { for await (const c of stream) out.push(Buffer.from(c as Uint8Array)); })();
  for (let i = 0; i < input.length; i += 8192) await stream.send(input.subarray(i, i + 8192));
  await stream.close();
  await reading;
  const all = Buffer.concat(out);
  const local = zlib.gzipSync(input);
  console.log('chunks', out.length, 'bytes', all.length, 'local gzip', local.length, out.map(b=>b.length).join(','));
  try { console.log(zlib.gunzipSync(all).length, input.length); } catch (e) { console.log('ERR', (e as Error).message); }
}
tractor.run(main);
