import * as tractor from 'tractor-ts';
import { STRAY, feedWithFloatingCall, feedWithGrandchild } from '../spec/fixtures/stray.ts';
async function main() {
  await using an = await tractor.openNursery();
  const p = await an.startActor('feeder', { enableModules: [STRAY] });
  const mode = process.argv[2];
  if (mode === 'float') {
    await using ctx = await p.openContext(feedWithFloatingCall, { msg: 'boom' });
    await using stream = await ctx.openStream();
    for await (const x of stream) if ((x as number) % 10 === 0) console.log('got', x);
  } else {
    // the parent is not in a dialog with the child when it fails
    const ctx = await p.openContext(feedWithGrandchild, { kind: 'rejection', msg: 'boom' });
    await tractor.sleep(2000);
    console.log('body done');
  }
  console.log('stream ended cleanly');
}
tractor.run(main).then(() => console.log('main done'), (e) => console.log('main err', e?.constructor?.name, e?.message));
