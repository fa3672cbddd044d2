/**
 * Who may talk to this tree: the handshake of every connection, and the
 * tree's cookie (Erlang's distribution cookie, as an HMAC key).
 *
 * Without a cookie the handshake is tractor's: the connector sends its `Aid`,
 * the acceptor answers with its own. With one, both `Aid`s carry an `auth`
 * extension (Python tractor ignores it) and a third message ends it:
 *
 *   connector -> acceptor  Aid{..., auth: {v: 1, key: 'cookie', nonce: Nc}}
 *   acceptor -> connector  Aid{..., auth: {v: 1, nonce: Na, mac: P('accept')}}
 *   connector -> acceptor  Auth{mac: P('connect')}
 *
 * P(role) = HMAC-SHA256(key, role, Nc, Na, connector uuid, acceptor uuid,
 * TLS binding), each part length-prefixed; key = SHA-256 of the cookie. Both
 * nonces are 32 fresh random bytes, so a recorded transcript is worthless on
 * a new connection; the roles differ, so the acceptor's proof is never a
 * connector's; the TLS exporter binds the proofs to their TLS session. Each
 * side checks the other's proof in constant time (`timingSafeEqual`) before
 * it decodes anything else from it (the channel holds the bytes undecoded).
 * The cookie itself never crosses the wire. The connector waits one round
 * trip, as without a cookie.
 *
 * A peer that skips, fails or stalls the handshake (bounded by the caller's
 * timeout) is refused with an `AuthenticationError`: logged by the acceptor,
 * and sent to the peer as an `Error` when it spoke tractor's wire (its first
 * frame was an `Aid`). A tree with a cookie and one without refuse each other
 * the same way, saying so.
 *
 * A spawned child connects back before it can know the cookie: it proves a
 * one-time spawn token instead (`key: 'spawn'`), 32 random bytes its parent
 * made for that child alone and handed it privately, never in argv or the
 * environment (see {@link spawnSecrets}): a process down a pipe only the two
 * share (fd 3; a prewarmed spare, in the spawn line on its stdin pipe), a
 * worker thread in its `workerData` (memory of the same process). The token is good for
 * one connection of that child, and the tree's key then comes over the
 * authenticated channel, in the `SpawnSpec`, sealed with a pad made from the
 * token (so it is never on the wire in the clear).
 */
import net from 'node:net';
import { crypto } from '../builtins.ts';
import { AuthenticationError, InvalidArgument } from '../errors.ts';
import { boxError } from '../msg/box.ts';
import type { AidAuth, AidMsg, Msg } from '../msg/types.ts';
import { withTimeout } from '../runtime/timing.ts';
import { type Aid, aidMsg, type Channel, peerAid } from './channel.ts';
import { getTls, setTls, type TlsOptions } from './tls.ts';

/** The environment variable a root reads its cookie from when `RootOptions.cookie` is not given. */
export const COOKIE_ENV = 'TRACTOR_TS_COOKIE';
const VERSION = 1;
const NONCE_BYTES = 32;
const HOW_TO_SET = 'RootOptions.cookie, the TRACTOR_TS_COOKIE environment variable, or --cookie-file for the tractor-ts command';

/** This process's key (derived from the tree's cookie), or undefined: no authentication. */
let treeKey: Buffer | undefined;

/** Set (or clear) the tree's cookie in this process; an empty cookie is an `InvalidArgument`. */
export function setCookie(cookie: string | undefined): void {
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie.length === 0)) {
    throw new InvalidArgument(`cookie must be a non-empty string, got ${typeof cookie === 'string' ? 'an empty one' : typeof cookie}; e.g. the output of \`openssl rand -hex 32\``);
  }
  treeKey = cookie === undefined ? undefined : crypto().createHash('sha256').update('tractor-ts cookie v1\0').update(cookie).digest();
}

/** The cookie a root uses: `opts.cookie`, else `TRACTOR_TS_COOKIE` when set and non-empty. */
export function rootCookie(given: string | undefined): string | undefined {
  return given ?? (process.env[COOKIE_ENV] || undefined);
}

/** True when every connection of this process must authenticate. */
export function hasCookie(): boolean {
  return treeKey !== undefined;
}

/**
 * The tree key for the `SpawnSpec` of the child `uuid` that proved `token`:
 * sealed with a pad only that child can make (HMAC of its one-time token),
 * so the key is never on the wire in the clear, even on a plain connection.
 */
export function authKeyForChild(token: Buffer | undefined, uuid: string): string | undefined {
  return treeKey && token ? xor(treeKey, pad(token, uuid)).toString('hex') : undefined;
}

/** Install the tree key a child received (sealed) in its `SpawnSpec`. */
export function setAuthKey(sealed: string | undefined, token: Buffer | undefined, uuid: string): void {
  treeKey = sealed && token ? xor(Buffer.from(sealed, 'hex'), pad(token, uuid)) : undefined;
}

function pad(token: Buffer, uuid: string): Buffer {
  return crypto().createHmac('sha256', token).update(`tractor-ts spawn key v${VERSION}\0${uuid}`).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

function proof(key: Buffer, role: 'accept' | 'connect', nc: Uint8Array, na: Uint8Array, connector: string, acceptor: string, binding: Buffer): Buffer {
  const h = crypto().createHmac('sha256', key);
  for (const part of [`tractor-ts auth v${VERSION}`, role, nc, na, connector, acceptor, binding]) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  }
  return h.digest();
}

function matches(expected: Buffer, got: unknown): boolean {
  return got instanceof Uint8Array && got.length === expected.length && crypto().timingSafeEqual(expected, got);
}

function isNonce(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length === NONCE_BYTES;
}

// ------------------------------------------------------------------ connector

export interface GreetOptions {
  /** Bound of the wait for the peer's answer. */
  timeoutMs: number;
  /** The error when it does not come in time. */
  onTimeout?: () => Error;
  /** A spawned child's one-time token, proved instead of the cookie on its connection back to its parent. */
  spawnToken?: Buffer;
}

/**
 * The connector's handshake on a fresh channel: our `Aid`, the peer's, and
 * with a cookie the proofs both ways. Resolves with the peer's `Aid` (also in
 * `chan.aid`); on failure the channel is aborted and the error thrown (an
 * `AuthenticationError` when the peer is not of this tree or refused us).
 */
export async function greet(chan: Channel, self: Aid, opts: GreetOptions): Promise<AidMsg> {
  const key = opts.spawnToken ?? treeKey;
  const nc = key ? crypto().randomBytes(NONCE_BYTES) : undefined;
  const auth: AidAuth | undefined = nc && { v: VERSION, key: opts.spawnToken ? 'spawn' : 'cookie', nonce: nc };
  chan.send(auth ? { ...aidMsg(self), auth } : aidMsg(self));
  const peer = await chan.recvAid(opts.timeoutMs, opts.onTimeout);
  if (key) {
    try {
      const a = peer.auth;
      const who = `actor ${chan.raddr}`;
      if (!a) throw new AuthenticationError(`${who} does not use a cookie, and this tree has one: a tree with a cookie and one without cannot talk; give both the same cookie (${HOW_TO_SET}), or neither`);
      const binding = chan.channelBinding();
      if (!isNonce(a.nonce) || !matches(proof(key, 'accept', nc!, a.nonce, self.uuid, peer.uuid, binding), a.mac)) {
        throw new AuthenticationError(`${who} does not know this tree's cookie (its proof does not match): it belongs to another tree; give both the same cookie`);
      }
      chan.send({ msg_type: 'Auth', mac: proof(key, 'connect', nc!, a.nonce, self.uuid, peer.uuid, binding) });
    } catch (err) {
      chan.abort(err as Error);
      throw err;
    }
  }
  chan.trust();
  return peer;
}

// ------------------------------------------------------------------ acceptor

/** The acceptor's view of a finished handshake. */
export interface Answered {
  aid: AidMsg;
  /** True when the peer proved a spawn token (it is the child that token was made for). */
  viaSpawnToken: boolean;
}

/**
 * The acceptor's handshake on an accepted channel, bounded by `timeoutMs` as
 * a whole. `tokenFor(uuid)` is the spawn token made for the child `uuid`, if
 * one is expected. A refused peer gets the `AuthenticationError` (when it
 * spoke tractor's wire), the channel is closed, and the error thrown.
 */
export async function answer(chan: Channel, self: Aid, timeoutMs: number, tokenFor: (uuid: string) => Buffer | undefined): Promise<Answered> {
  const state = { spoke: false };
  const steps = answerSteps(chan, self, timeoutMs, tokenFor, state);
  // Without a cookie the one wait is recvAid's own bound (a TransportClosed, as ever).
  const bounded = !treeKey ? steps : withTimeout(steps, timeoutMs, (): never => {
    throw new AuthenticationError(`the peer at ${chan.raddr} did not complete authentication within ${timeoutMs} ms`);
  });
  steps.catch(() => {}); // after a timeout, its rejection (the aborted channel) is nobody's
  try {
    return await bounded;
  } catch (caught) {
    let err = caught as Error;
    // With a cookie, a peer that began and then broke off the handshake failed it.
    if (treeKey && state.spoke && !(err instanceof AuthenticationError)) {
      err = new AuthenticationError(`the peer at ${chan.raddr} broke off authentication (${err.message})`, { cause: err });
    }
    if (err instanceof AuthenticationError && state.spoke && !chan.closed) {
      chan.send(boxError(err, [self.name, self.uuid], null));
      chan.close(err);
    } else chan.abort(err);
    throw err;
  }
}

async function answerSteps(chan: Channel, self: Aid, timeoutMs: number, tokenFor: (uuid: string) => Buffer | undefined, state: { spoke: boolean }): Promise<Answered> {
  const peer = treeKey ? await firstAid(chan, state) : await chan.recvAid(timeoutMs);
  state.spoke = true;
  const a = peer.auth;
  if (!treeKey) {
    if (a) throw new AuthenticationError(`actor '${self.name}' has no cookie, and this connection uses one: a tree with a cookie and one without cannot talk; give both the same cookie, or neither`);
    chan.send(aidMsg(self));
    chan.trust();
    return { aid: peer, viaSpawnToken: false };
  }
  if (!a) {
    throw new AuthenticationError(`actor '${self.name}' requires cookie authentication, and this connection sent none ` +
      `(a tree without a cookie, or not tractor-ts): give it the tree's cookie (${HOW_TO_SET})`);
  }
  if (typeof a !== 'object' || a.v !== VERSION || !isNonce(a.nonce)) {
    throw new AuthenticationError(`actor '${self.name}' cannot read this connection's authentication (version ${String((a as AidAuth)?.v)}; it speaks version ${VERSION})`);
  }
  const viaSpawnToken = a.key === 'spawn';
  const key = viaSpawnToken ? tokenFor(peer.uuid) : treeKey;
  if (!key) throw new AuthenticationError(`no spawn is waiting for actor ${peer.uuid}: a spawn token is good for one connection of the child it was made for`);
  const na = crypto().randomBytes(NONCE_BYTES);
  const binding = chan.channelBinding();
  chan.send({ ...aidMsg(self), auth: { v: VERSION, nonce: na, mac: proof(key, 'accept', a.nonce, na, peer.uuid, self.uuid, binding) } });
  const reply: Msg = await chan.recv();
  if (reply.msg_type !== 'Auth') throw new AuthenticationError(`expected this connection's Auth proof, got ${reply.msg_type}: it skipped authentication`);
  if (!matches(proof(key, 'connect', a.nonce, na, peer.uuid, self.uuid, binding), reply.mac)) {
    throw new AuthenticationError(viaSpawnToken
      ? `the proof of this connection does not match the spawn token of actor ${peer.uuid}`
      : `the proof of this connection does not match: it does not know this tree's cookie (${HOW_TO_SET})`);
  }
  chan.trust();
  return { aid: peer, viaSpawnToken };
}

/**
 * With a cookie: the peer's first message, which must be its `Aid` (the
 * caller bounds the wait). Anything else is an `AuthenticationError`, but for
 * a peer that just went away before saying anything (a port probe).
 */
async function firstAid(chan: Channel, state: { spoke: boolean }): Promise<AidMsg> {
  let first: Msg;
  try {
    first = await chan.recv();
  } catch (err) {
    if (chan.closedByPeer) throw err;
    throw new AuthenticationError(`the peer at ${chan.raddr} sent no valid handshake (${(err as Error).message}): refused`, { cause: err });
  }
  state.spoke = true; // it speaks tractor's wire: it is told why it is refused
  if (first.msg_type !== 'Aid') throw new AuthenticationError(`expected an Aid from the peer at ${chan.raddr}, got ${first.msg_type}: it skipped authentication`);
  chan.aid = peerAid(first);
  return first;
}

// ------------------------------------------------------------------ spawning

/** What a child needs before it can connect back: its one-time token and, with TLS, the tree's TLS identity. */
interface SpawnSecrets { token?: string; tls?: TlsOptions }

/** The argv flag telling a child its spawn secrets wait on fd 3 (the flag is not secret; the pipe is private to the two processes). */
export const SECRETS_FLAG = '--tractor-secrets-fd=3';

/**
 * The secrets of one spawn, or undefined when the tree has neither a cookie
 * nor TLS (the spawn is then as without them). `token` is what the parent
 * checks the child's connection against; `payload` goes down the pipe.
 */
export function spawnSecrets(): { token: Buffer | undefined; payload: string } | undefined {
  const tls = getTls();
  if (!treeKey && !tls) return undefined;
  const token = treeKey ? crypto().randomBytes(32) : undefined;
  const secrets: SpawnSecrets = { token: token?.toString('hex'), tls };
  return { token, payload: JSON.stringify(secrets) };
}

/** The environment of a child: this one without the cookie (a child gets it over its parent channel). */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[COOKIE_ENV];
  return env;
}

/**
 * In a child: its spawn secrets, `inMemory` (a worker's, from its
 * `workerData`; a prewarmed spare's, from its spawn line), else read from
 * fd 3 when `argv` has {@link SECRETS_FLAG}; installs its TLS identity,
 * returns its spawn token (undefined without secrets).
 */
export async function readSpawnSecrets(argv: readonly string[], inMemory?: string): Promise<Buffer | undefined> {
  const payload = inMemory ?? (argv.includes(SECRETS_FLAG) ? await readFd3() : undefined);
  if (payload === undefined) return undefined;
  const secrets = JSON.parse(payload) as SpawnSecrets;
  setTls(secrets.tls);
  return secrets.token ? Buffer.from(secrets.token, 'hex') : undefined;
}

async function readFd3(): Promise<string> {
  const pipe = new net.Socket({ fd: 3, readable: true, writable: false });
  const chunks: Buffer[] = [];
  for await (const c of pipe) chunks.push(c as Buffer);
  pipe.destroy();
  return Buffer.concat(chunks).toString('utf8');
}
