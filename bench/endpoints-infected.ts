/**
 * Endpoints of the infected-actor and pool benches (children import this
 * module; it must not import bench code).
 */
import { createHash } from 'node:crypto';
import * as tractor from 'tractor-ts';

/** Echo through a legacy task (infected.runTask). */
export async function legacyEcho(args: { x: number }): Promise<{ x: number }> {
  return tractor.toPromise.runTask((a: { x: number }) => a, args);
}

/** Some CPU work per item (cluster.map): `rounds` sha256 over 4 KiB. */
export async function crunch(args: { i: number; rounds: number }): Promise<number> {
  return crunchSync(args);
}

const BLOCK = Buffer.alloc(4096, 7);

export function crunchSync(args: { i: number; rounds: number }): number {
  let d: Buffer = Buffer.from([args.i & 255]);
  for (let r = 0; r < args.rounds; r++) d = createHash('sha256').update(d).update(BLOCK).digest();
  return d[0]!;
}
