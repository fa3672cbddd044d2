import * as tractor from 'tractor-ts';
import { STRAY, feedWithGrandchild } from '../spec/fixtures/stray.ts';
async function main() {
  await using an = await tractor.openNursery();
  const p = await an.startActor('feeder', { enableModules: [STRAY] });
  await using ctx = await p.openContext(feedWithGrandchild, { kind: process.argv[2] as any, msg: 'boom' });
  await using stream = await ctx.openStream();
  for await (const x of stream) if ((x as number) % 10 === 0) console.log('got', x);
  console.log('stream ended cleanly');
}
tractor.run(main).then(() => console.log('main done'), (e) => console.log('main err', e?.constructor?.name, e?.message));
