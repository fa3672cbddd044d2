// A nested actor tree whose every actor listens on a Unix domain socket
// instead of TCP: `enableTransports: ['uds']`, given to the root, is inherited
// down the tree. Each actor reports its addresses; the socket files live in
// the per-user runtime dir ($XDG_RUNTIME_DIR or the temp dir, in
// tractor-ts-<uid>/) and are removed when the actor exits. The root, being the
// registrar, also listens on the registry address (TCP unless
// TRACTOR_TS_REGISTRY_ADDRS or registryAddrs names a uds:// one).
//
//   npx tsx examples/uds_actor_tree.ts
import { existsSync } from 'node:fs';
import * as tractor from 'tractor-ts';

interface Where { name: string; addrs: string[]; socketFiles: boolean }

const socketFile = (addr: string) => addr.slice('uds://'.length);

/** This actor's name and addresses, and whether its socket files exist (seen from inside it). */
export async function whereAmI(): Promise<Where> {
  const { name, addrs } = tractor.currentActor();
  const files = addrs.filter((a) => a.startsWith('uds://')).map(socketFile);
  return { name, addrs: [...addrs], socketFiles: files.length > 0 && files.every(existsSync) };
}

/** A mid-tier actor: spawns a leaf of its own (over UDS too) and reports both. */
export async function branch(): Promise<Where[]> {
  await using an = await tractor.openNursery();
  const leaf = await an.runInActor(whereAmI, {}, { name: 'leaf' });
  return [await whereAmI(), await leaf.waitForResult()];
}

async function main(): Promise<void> {
  const tree = [await whereAmI()];
  {
    await using an = await tractor.openNursery({ enableModules: [import.meta.url] });
    const portal = await an.runInActor(branch, {}, { name: 'branch' });
    tree.push(...(await portal.waitForResult()));
    for (const w of tree) console.log(`${w.name} listens on ${w.addrs.join(', ')} (socket file present: ${w.socketFiles})`);
  }
  // branch and leaf have exited: their socket files are gone; ours goes when the root closes
  const children = tree.slice(1).flatMap((w) => w.addrs.map(socketFile));
  console.log(`children exited, their socket files removed: ${!children.some(existsSync)}`);
}

// Transports are chosen when the root boots: here, by `run`.
if (tractor.isMain(import.meta)) tractor.run(main, { enableTransports: ['uds'] });
