/**
 * Transport addresses as strings: `tcp://host:port` and `uds:///abs/path`.
 * Parsing happens once, at the boundary, with an error that shows the forms.
 */
import { InvalidAddress } from '../errors.ts';

/**
 * An actor address: `tcp://host:port` or `uds:///absolute/path.sock`.
 */
export type Address = string;
/**
 * A transport an actor can listen on.
 */
export type TransportName = 'tcp' | 'uds';
export type ParsedAddress =
  | { proto: 'tcp'; host: string; port: number }
  | { proto: 'uds'; path: string };

const FORMS = "use 'tcp://host:port' (e.g. 'tcp://127.0.0.1:1616') or 'uds:///absolute/path.sock'";

/** Parse an address string; throws `InvalidAddress` naming the accepted forms. */
export function parseAddress(addr: Address): ParsedAddress {
  if (typeof addr !== 'string') throw new InvalidAddress(`address must be a string, got ${typeof addr}; ${FORMS}`);
  if (addr.startsWith('uds://')) {
    const path = addr.slice('uds://'.length);
    if (!path.startsWith('/')) throw new InvalidAddress(`bad UDS address ${JSON.stringify(addr)}: the path must be absolute; ${FORMS}`);
    return { proto: 'uds', path };
  }
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(addr);
  if (!m) throw new InvalidAddress(`bad address ${JSON.stringify(addr)}; ${FORMS}`);
  const port = Number(m[2]);
  if (port > 65535) throw new InvalidAddress(`bad port in ${JSON.stringify(addr)}: ${port} > 65535`);
  return { proto: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function formatAddress(a: ParsedAddress): Address {
  return a.proto === 'uds' ? `uds://${a.path}` : `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
