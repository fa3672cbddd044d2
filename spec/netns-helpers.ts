// Test helpers of the multi-host specs (not endpoints): two network namespaces
// joined by a veth pair stand in for two machines (needs root and iproute2).
// Traffic goes only to loopback and to the namespaces' own 10.77.0.0/24.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const HOST1 = '10.77.0.1';
export const HOST2 = '10.77.0.2';

export function ip(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

function must(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')} failed: ${r.out}`);
}

/** Why namespaces cannot be made here (not root, no iproute2...), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  const probe = `trt-probe-${randomBytes(4).toString('hex')}`;
  const r = ip('netns', 'add', probe);
  if (!r.ok) return `cannot create network namespaces (needs root and iproute2): ip netns add: ${r.out || 'failed'}`;
  ip('netns', 'del', probe);
  return undefined;
}

/** Two namespaces (two "hosts") joined by a veth pair; `close()` deletes them. */
export function makeHosts(): { ns1: string; ns2: string; close: () => void } {
  const id = randomBytes(3).toString('hex');
  const ns1 = `trt-h1-${id}`;
  const ns2 = `trt-h2-${id}`;
  const [va, vb] = [`trta${id}`, `trtb${id}`]; // interface names: at most 15 characters
  const close = () => {
    ip('netns', 'del', ns1); // deleting a namespace deletes its end of the veth pair, and with it the pair
    ip('netns', 'del', ns2);
  };
  try {
    must('netns', 'add', ns1);
    must('netns', 'add', ns2);
    must('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
    must('link', 'set', va, 'netns', ns1);
    must('link', 'set', vb, 'netns', ns2);
    must('-n', ns1, 'addr', 'add', `${HOST1}/24`, 'dev', va);
    must('-n', ns2, 'addr', 'add', `${HOST2}/24`, 'dev', vb);
    for (const [ns, dev] of [[ns1, va], [ns2, vb]] as const) {
      must('-n', ns, 'link', 'set', 'lo', 'up');
      must('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    close();
    throw err;
  }
  return { ns1, ns2, close };
}

/** True once something listens on `host:port` inside namespace `ns` (its own /proc/net/tcp). */
export function listening(ns: string, host: string, port: number): boolean {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/tcp'], { encoding: 'utf8' });
  const hexHost = host.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).reverse().join('').toUpperCase();
  const hexPort = port.toString(16).padStart(4, '0').toUpperCase();
  return (r.stdout ?? '').split('\n').some((l) => l.includes(` ${hexHost}:${hexPort} 00000000:0000 0A `));
}

