import * as tractor from 'tractor-ts';
import { STRAY, feedWithFloatingSleeps } from '../spec/fixtures/stray.ts';
async function main() {
  await using an = await tractor.openNursery();
  const p = await an.startActor('feeder', { enableModules: [STRAY] });
  if (process.argv[2] === 'idle') {
    const ctx = await p.openContext(feedWithFloatingSleeps, { msg: 'boom' });
    await tractor.sleep(2000);
    console.log('body done');
  } else {
  await using ctx = await p.openContext(feedWithFloatingSleeps, { msg: 'boom' });
  await using stream = await ctx.openStream();
  for await (const x of stream) if ((x as number) % 10 === 0) console.log('got', x);
  }
  console.log('stream ended cleanly');
}
tractor.run(main).then(() => console.log('main done'), (e) => console.log('main err', e?.constructor?.name, e?.message));
