// Test helpers of the TLS specs (not endpoints): certificates made for the
// test with the openssl command: the tree's CA and a member certificate,
// another CA's certificate, and an expired member certificate.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why certificates cannot be made here (no openssl), or undefined when they can. */
export function opensslUnavailable(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `the openssl command is not available (apt-get install openssl): ${r.error?.message ?? r.stderr}`;
}

function openssl(cwd: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

export interface TlsFiles { cert: string; key: string; ca: string }

/** A directory of TLS identities; `close()` removes it. Each identity is a directory with cert.pem, key.pem, ca.pem. */
export interface Certs {
  dir: string;
  /** Signed by the tree's CA, trusting it: a member. */
  member: string;
  /** Signed by another CA, trusting the tree's CA: its certificate must be refused. */
  outsider: string;
  /** Signed by the tree's CA, but expired. */
  expired: string;
  read(identity: string): TlsFiles;
  close(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=tractor-ts test ${name}`);
}

function makeLeaf(dir: string, ca: string, trust: string, out: string, days: string, ips: string[]): void {
  const leaf = path.join(dir, out);
  mkdirSync(leaf);
  writeFileSync(path.join(dir, `${out}.ext`), `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(dir, 'req', ...EC, '-keyout', `${out}/key.pem`, '-out', `${out}.csr`, '-subj', `/CN=${out}`);
  openssl(dir, 'x509', '-req', '-in', `${out}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${out}/cert.pem`, '-days', days, '-extfile', `${out}.ext`);
  writeFileSync(path.join(leaf, 'ca.pem'), readFileSync(path.join(dir, `${trust}.pem`)));
}

/** Make the test's certificates (valid for the given IPs). */
export function makeCerts(ips: string[] = ['127.0.0.1']): Certs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trt-tls-'));
  makeCa(dir, 'ca1');
  makeCa(dir, 'ca2');
  makeLeaf(dir, 'ca1', 'ca1', 'member', '2', ips);
  makeLeaf(dir, 'ca2', 'ca1', 'outsider', '2', ips);
  makeLeaf(dir, 'ca1', 'ca1', 'expired', '-1', ips); // not after < not before: expired from the start
  const read = (identity: string): TlsFiles => {
    const f = (n: string) => readFileSync(path.join(identity, n), 'utf8');
    return { cert: f('cert.pem'), key: f('key.pem'), ca: f('ca.pem') };
  };
  return {
    dir, member: path.join(dir, 'member'), outsider: path.join(dir, 'outsider'), expired: path.join(dir, 'expired'),
    read, close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
