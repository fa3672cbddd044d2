/**
 * TLS for TCP: a root given `tls: { cert, key, ca }` makes every TCP listener
 * and connection of its tree TLS (node:tls), both sides verified against the
 * tree's CA. UDS stays plain: it never leaves the host, and its socket files
 * live in a directory only their user can open.
 *
 * Verification is membership: a peer is accepted when its certificate chains
 * to the tree's CA, whatever host name it was reached by (actors find each
 * other by registry addresses, IPs and ports). So the CA must be the tree's
 * own, never a public one. Cookie authentication (`auth.ts`) runs on top, its
 * proofs bound to the TLS session.
 */
import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { crypto, tls } from '../builtins.ts';
import { AuthenticationError, InvalidArgument } from '../errors.ts';
import { boxError } from '../msg/box.ts';
import { getLogger } from '../log.ts';
import type { Uid } from '../msg/types.ts';
import type { ParsedAddress } from './addr.ts';
import { encodeShared } from '../msg/codec.ts';
import { CLOSE_FLUSH_GRACE_MS } from '../runtime/timing.ts';

const log = getLogger('ipc');


/** A tree's TLS identity: its certificate and key (PEM), and the CA that signs every member's certificate. */
export interface TlsOptions { cert: string | Buffer; key: string | Buffer; ca: string | Buffer }

let config: TlsOptions | undefined;

/**
 * Check `opts` and make them this process's TLS identity (undefined: plain
 * TCP). An unreadable certificate or key, a key that is not the
 * certificate's, or a certificate that has expired or is not valid yet is a
 * `InvalidArgument`/`AuthenticationError` here, at boot, not on the first connection.
 */
export function setTls(opts: TlsOptions | undefined): void {
  if (opts === undefined) {
    config = undefined;
    return;
  }
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgument('tls must be { cert, key, ca } (PEM strings or Buffers)');
  for (const f of ['cert', 'key', 'ca'] as const) {
    const v = opts[f];
    if (!(typeof v === 'string' || Buffer.isBuffer(v)) || !v.length) throw new InvalidArgument(`tls.${f} must be a non-empty PEM string or Buffer`);
  }
  let cert: X509Certificate;
  try {
    cert = new (crypto().X509Certificate)(opts.cert);
  } catch (err) {
    throw new InvalidArgument(`tls.cert is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    if (!cert.checkPrivateKey(crypto().createPrivateKey(opts.key))) throw new Error('it belongs to another certificate');
  } catch (err) {
    throw new InvalidArgument(`tls.key is not the private key of tls.cert: ${(err as Error).message}`);
  }
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) throw new AuthenticationError(`tls.cert expired on ${cert.validTo}: renew it (every member's certificate must be valid)`);
  if (Date.parse(cert.validFrom) > now) throw new AuthenticationError(`tls.cert is not valid before ${cert.validFrom}: check the clock, or issue it again`);
  tls().createSecureContext({ cert: opts.cert, key: opts.key, ca: opts.ca }); // a bad CA bundle fails here, at boot
  config = { cert: String(opts.cert), key: String(opts.key), ca: String(opts.ca) };
}

/** This process's TLS identity, if any (handed to children privately, see `auth.ts`). */
export function getTls(): TlsOptions | undefined {
  return config;
}

/** Open a socket to `a`: TLS for TCP when this tree uses it; `ready` is the event after which it can carry frames. */
export function connectSocket(a: ParsedAddress): { socket: net.Socket; ready: 'connect' | 'secureConnect' } {
  if (a.proto === 'uds') return { socket: net.connect(a.path), ready: 'connect' };
  if (!config) return { socket: net.connect(a.port, a.host), ready: 'connect' };
  const socket = tls().connect({
    host: a.host, port: a.port, ...config,
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined, // membership is the CA's signature (see the header)
  });
  return { socket, ready: 'secureConnect' };
}

/**
 * A listener for `target`: TLS (client certificates required) for TCP when
 * this tree uses it, the TLS handshake bounded by `handshakeTimeoutMs`. A client whose certificate does not verify is told why
 * (an `Error` frame over the TLS session it opened: TLS 1.3 gives a client no
 * other way to learn it), the refusal is logged, and nothing it sends is read.
 */
export function createListener(target: ParsedAddress, onSocket: (socket: net.Socket) => void, self: Uid, handshakeTimeoutMs: number): net.Server {
  if (target.proto === 'uds' || !config) return net.createServer(onSocket);
  const server = tls().createServer({ ...config, requestCert: true, rejectUnauthorized: false, handshakeTimeout: handshakeTimeoutMs }, (socket) => {
    if (socket.authorized) return onSocket(socket);
    const who = `tcp://${socket.remoteAddress}:${socket.remotePort}`;
    const reason = socket.authorizationError ?? 'PEER_DID_NOT_RETURN_A_CERTIFICATE';
    const why = EXPIRED.test(String(reason))
      ? 'it has expired or is not valid yet: renew it'
      : "it is not signed by this tree's CA: give every root of the tree a certificate from the same CA";
    const err = new AuthenticationError(`the TLS certificate of this connection was refused (${String(reason)}): ${why}`);
    log.warning('refused a TLS connection from %s: %s: %s', who, err.name, err.message);
    const body = encodeShared(boxError(err, self, null));
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(body.length);
    socket.on('error', () => {});
    socket.end(Buffer.concat([head, body]));
    setTimeout(() => socket.destroy(), CLOSE_FLUSH_GRACE_MS).unref(); // the refusal is flushed, unless the peer never reads
  });
  server.on('tlsClientError', (err, socket) => {
    const who = socket.remoteAddress ? `tcp://${socket.remoteAddress}:${socket.remotePort}` : 'a peer';
    log.warning('refused a TLS connection from %s: %s: %s', who, 'AuthenticationError', `TLS handshake failed (${brief(err)}): not a member of this tree, or not TLS`);
  });
  return server;
}

/** OpenSSL's reason ('wrong version number') rather than its multi-line message. */
function brief(err: Error): string {
  return (err as { reason?: string }).reason ?? err.message.split('\n')[0]!;
}

/** Verification failures on either side, as OpenSSL and node:tls name them. */
const EXPIRED = /CERT_HAS_EXPIRED|CERTIFICATE_EXPIRED|CERT_NOT_YET_VALID/;
const UNTRUSTED = /UNABLE_TO_VERIFY|SELF_SIGNED|UNKNOWN_CA|CERT_SIGNATURE_FAILURE|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_REJECTED|PEER_DID_NOT_RETURN_A_CERTIFICATE|NO_CERTIFICATE/;
const NOT_TLS = /WRONG_VERSION_NUMBER|HTTP_REQUEST|UNKNOWN_PROTOCOL|ECONNRESET|disconnected before secure TLS/;

/**
 * The `AuthenticationError` a TLS failure with `peer` amounts to, naming its
 * cause and what to do; undefined when `err` is not about TLS. A reset is
 * one only while `connecting` (later it is a peer that went away).
 */
export function tlsFailure(err: Error, peer: string, connecting = false): AuthenticationError | undefined {
  if (!config) return undefined;
  const code = `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`;
  if (EXPIRED.test(code)) {
    return new AuthenticationError(`TLS with ${peer} failed: a certificate has expired or is not valid yet (${brief(err)}): renew it`, { cause: err });
  }
  if (UNTRUSTED.test(code)) {
    return new AuthenticationError(`TLS with ${peer} failed: its certificate is not signed by this tree's CA, or ours is not by its CA (${brief(err)}): ` +
      'give every root of the tree a certificate from the same CA', { cause: err });
  }
  if (config && connecting && NOT_TLS.test(code)) {
    return new AuthenticationError(`TLS with ${peer} failed (${brief(err)}): the peer may not use TLS, or refused this tree's certificate; ` +
      'every root of a tree needs the same tls settings', { cause: err });
  }
  return undefined;
}
