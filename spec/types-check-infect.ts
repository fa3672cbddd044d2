// Type-level spec (checked by `npm run typecheck`, never run): types flow
// through toPromise, the task nursery and cluster.run / cluster.map.
// Every `@ts-expect-error` line must be an error.
import * as tractor from 'tractor-ts';
import { add } from './fixtures/core.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

export async function infectTypes(cluster: tractor.ActorCluster): Promise<void> {
  const n = await tractor.toPromise.runTask((a: { x: number }) => Promise.resolve(a.x * 2), { x: 1 });
  assertType<Equal<typeof n, number>>();
  // @ts-expect-error the legacy function's argument type is checked
  await tractor.toPromise.runTask((a: { x: number }) => a.x, { x: 'one' });

  await using chan = await tractor.toPromise.openChannelFrom<string, number>((toSc, fromSc) => {
    toSc.send('ready');
    void fromSc.receive().then((v: number) => toSc.send(String(v)));
  });
  assertType<Equal<typeof chan.first, string>>();
  await chan.send(1);
  // @ts-expect-error the SC side sends what the legacy side receives
  await chan.send('1');

  await using tn = tractor.openTaskNursery();
  const v = await tn.startSoon(async () => 'x');
  assertType<Equal<typeof v, string>>();
  const port = await tn.start<number>(async (_signal, started) => started(1));
  assertType<Equal<typeof port, number>>();

  const sum = await cluster.run(add, { a: 1, b: 2 });
  assertType<Equal<typeof sum, number>>();
  for await (const r of cluster.map(add, [{ a: 1, b: 2 }])) assertType<Equal<typeof r, number>>();
  // @ts-expect-error map items are the function's arguments
  cluster.map(add, [{ a: 1 }]);
}
