// A Python tractor actor, written in TypeScript: a test fixture (run as its
// own process) that speaks Python tractor's dialect of the wire exactly as
// shared/interop/PYTHON-WIRE.md describes it (goodboy/tractor at 3690e43; the
// `tractor/...:N` references below are into that source, each checked there).
// It shares no code with lib/: its framing, codec, strict schema and runtime
// rules are written from the Python source, so a tractor-ts deviation from
// Python's dialect fails here as it would against Python.
//
// Usage: node --import tsx spec/interop/python-peer.ts --name pyd --registry 127.0.0.1:PORT [--never-registrar]
// It prints one JSON line `{"ready": true, ...}`, then takes JSON commands on
// stdin (`{"id": 1, "op": "run_from_ns", ...}`) and answers each with one line
// `{"id": 1, "ok": true, "value": ...}` or `{"id": 1, "ok": false, "error": {type, message}}`.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decode, encode } from '@msgpack/msgpack';

type Uid = [string, string];
/** `UnwrappedAddress` of TCP: `(host, port)` (discovery/_addr.py:72). */
type Addr = [string, number];
type Msg = Record<string, unknown> & { msg_type: string };

const { values: opt } = parseArgs({
  options: {
    name: { type: 'string', default: 'pyd' },
    registry: { type: 'string', default: '127.0.0.1:1616' },
    'never-registrar': { type: 'boolean', default: false },
  },
});
const [regHost, regPort] = [opt.registry!.slice(0, opt.registry!.lastIndexOf(':')), Number(opt.registry!.slice(opt.registry!.lastIndexOf(':') + 1))];
const REG_ADDR: Addr = [regHost, regPort];
const NAME = opt.name!;
const UUID = randomUUID();
const UID: Uid = [NAME, UUID];
let isRegistrar = false;

/** Every incoming message that failed the strict schema, as msgspec reported it (a test asks for them). */
const rejected: string[] = [];
const log = (...a: unknown[]) => process.stderr.write(`[python-peer ${NAME}] ${a.map(String).join(' ')}\n`);

// ------------------------------------------------------------------ codec + strict schema
//
// msgspec decodes into `Union[all msg structs]` tagged by `msg_type` (msg/_codec.py:626):
// a missing required field, a wrong type or a null in a non-optional field is a
// ValidationError; unknown extra keys are ignored (msgspec's default).

class ValidationError extends Error {}
type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const int: Check = (v) => typeof v === 'number' && Number.isInteger(v);
const bool: Check = (v) => typeof v === 'boolean';
const uid: Check = (v) => Array.isArray(v) && v.length === 2 && v.every(str);
const dict: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const any: Check = () => true;
const orNone = (c: Check): Check => (v) => v === null || c(v);
const oneOf = (...xs: string[]): Check => (v) => xs.includes(v as string);
const listOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
/** [required?, check] per field, in declaration order (msg/types.py). */
const SCHEMA: Record<string, Record<string, [boolean, Check, string]>> = {
  Aid: { name: [true, str, 'str'], uuid: [true, str, 'str'], pid: [false, orNone(int), 'int | None'], is_registrar: [false, orNone(bool), 'bool | None'], is_probe: [false, bool, 'bool'] },
  SpawnSpec: {},
  // `pld_spec: str = str(Any)` (types.py:335): omitted is fine, null is not.
  Start: { cid: [true, str, 'str'], ns: [true, str, 'str'], func: [true, str, 'str'], kwargs: [true, dict, 'dict'], uid: [true, uid, 'array'], pld_spec: [false, str, 'str'] },
  StartAck: { cid: [true, str, 'str'], functype: [true, oneOf('asyncfunc', 'asyncgen', 'context'), "'asyncfunc' | 'asyncgen' | 'context'"] },
  Started: { cid: [true, str, 'str'], pld: [true, any, 'any'] },
  Yield: { cid: [true, str, 'str'], pld: [true, any, 'any'] },
  Stop: { cid: [true, str, 'str'] },
  Return: { cid: [true, str, 'str'], pld: [true, any, 'any'] },
  CancelAck: { cid: [true, str, 'str'], pld: [true, bool, 'bool'] },
  Error: {
    src_uid: [true, uid, 'array'], src_type_str: [true, str, 'str'], boxed_type_str: [true, str, 'str'], relay_path: [true, listOf(uid), 'array'],
    message: [false, orNone(str), 'str | None'], tb_str: [false, str, 'str'], canceller: [false, orNone(uid), 'array | None'],
    sender: [false, orNone(uid), 'array | None'], cid: [false, orNone(str), 'str | None'],
  },
};

function validate(v: unknown): Msg {
  if (!dict(v)) throw new ValidationError(`Expected \`object\`, got \`${typeof v}\``);
  const tag = (v as Msg).msg_type;
  const schema = typeof tag === 'string' ? SCHEMA[tag] : undefined;
  if (!schema) throw new ValidationError(`Invalid value ${JSON.stringify(tag)} - at \`$.msg_type\``);
  for (const [field, [required, check, want]] of Object.entries(schema)) {
    const has = Object.hasOwn(v as object, field);
    if (!has) {
      if (required) throw new ValidationError(`Object missing required field \`${field}\``);
      continue;
    }
    const x = (v as Record<string, unknown>)[field];
    if (!check(x)) throw new ValidationError(`Expected \`${want}\`, got \`${x === null ? 'None' : typeof x}\` - at \`$.${field}\``);
  }
  return v as Msg;
}

/** Messages as Python encodes them: a map with every field, in declaration order, tag first (vectors). */
const M = {
  aid: (probe = false): Msg => ({ msg_type: 'Aid', name: probe ? 'registry-probe' : NAME, uuid: probe ? randomUUID() : UUID, pid: process.pid, is_registrar: probe ? null : isRegistrar || null, is_probe: probe }),
  start: (cid: string, ns: string, func: string, kwargs: object): Msg => ({ msg_type: 'Start', cid, ns, func, kwargs, uid: UID, pld_spec: 'typing.Any' }),
  startAck: (cid: string, functype: string): Msg => ({ msg_type: 'StartAck', cid, functype }),
  pld: (msg_type: string, cid: string, pld: unknown): Msg => ({ msg_type, cid, pld }),
  stop: (cid: string): Msg => ({ msg_type: 'Stop', cid }),
  /** `pack_error` (_exceptions.py:1183-1277): `message = getattr(exc, 'message', '')` is '' for builtins. */
  error: (cid: string | null, type: string, text: string, canceller: Uid | null = null, message = ''): Msg => ({
    msg_type: 'Error', src_uid: UID, src_type_str: type, boxed_type_str: type, relay_path: [UID], message,
    tb_str: `Traceback (most recent call last):\n  File "pyfuncs.py", line 1, in ${type}\n${type}: ${text}\n`,
    canceller, sender: null, cid, _bad_msg: null, _bad_msg_as_dict: null,
  }),
};

// ------------------------------------------------------------------ channel

/** One connection: `<I` length-prefixed frames (ipc/_transport.py:499, :286-373), no size cap. */
class Chan {
  aid: Msg | undefined;
  closed = false;
  readonly #inbox: Msg[] = [];
  #waiter: ((m: Msg | undefined) => void) | undefined;
  #buf = Buffer.alloc(0);
  #undecodable = 0;
  onMsg: ((m: Msg) => void) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => this.#data(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#waiter?.(undefined);
      this.#waiter = undefined;
      for (const h of this.closeHandlers) h();
    });
  }

  closeHandlers: (() => void)[] = [];

  /** Hand every message from now on to `handler`, those that came with the handshake first. */
  serve(handler: (m: Msg) => void): void {
    this.onMsg = handler;
    for (const m of this.#inbox.splice(0)) handler(m);
  }

  static connect(a: Addr): Promise<Chan> {
    return new Promise((resolve, reject) => {
      const s = net.connect(a[1], a[0]);
      s.once('connect', () => resolve(new Chan(s)));
      s.once('error', reject);
    });
  }

  #data(c: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, c]);
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32LE(0);
      if (this.#buf.length < 4 + len) return;
      const body = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      let value: unknown;
      try {
        value = decode(body);
      } catch {
        // A body that is not msgpack is logged and skipped, up to 4 times (_transport.py:413-434).
        log('undecodable frame skipped');
        if (++this.#undecodable > 4) this.socket.destroy();
        continue;
      }
      let msg: Msg;
      try {
        msg = validate(value);
      } catch (err) {
        // A body failing validation is a MsgTypeError yielded into the msg stream (_transport.py:402-411),
        // which the runtime logs and drops: "Ignoring invalid IPC msg!?" (_runtime.py:658). No reply.
        rejected.push(`${(value as Msg)?.msg_type}: ValidationError: ${(err as Error).message}`);
        log('Ignoring invalid IPC msg!?', (err as Error).message);
        continue;
      }
      if (this.onMsg) this.onMsg(msg);
      else if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w(msg);
      } else this.#inbox.push(msg);
    }
  }

  send(m: Msg): void {
    if (this.closed) throw new Error('TransportClosed');
    const body = encode(m);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    this.socket.write(Buffer.concat([head, body]));
  }

  recv(timeoutMs = 10_000): Promise<Msg> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.reject(new Error('TransportClosed'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('handshake timeout')), timeoutMs);
      this.#waiter = (x) => {
        clearTimeout(t);
        if (x) resolve(x);
        else reject(new Error('TransportClosed'));
      };
    });
  }

  /** Each side sends its Aid, then reads the peer's, in both roles (ipc/_chan.py:496-537). */
  async handshake(probe = false): Promise<Msg> {
    this.send(M.aid(probe));
    const peer = await this.recv();
    if (peer.msg_type !== 'Aid') throw new Error(`expected Aid, got ${peer.msg_type}`);
    this.aid = peer;
    return peer;
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 200).unref();
  }
}

// ------------------------------------------------------------------ the callee side (RPC loop)

interface Task { chan: Chan; cid: string; abort: AbortController; done: Promise<void>; deliver?: (m: Msg) => void; requester?: Uid }
/** `_rpc_tasks`, keyed by (channel, cid): a cancel request only reaches tasks of its own channel (_runtime.py:1266). */
const tasks = new Map<string, Task>();
const key = (chan: Chan, cid: string) => `${chans.indexOf(chan)}:${cid}`;
const chans: Chan[] = [];

class Cancelled extends Error {}
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal.aborted) return reject(new Cancelled());
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => {
    clearTimeout(t);
    reject(new Cancelled());
  }, { once: true });
});

/** A Python error raised by a served function. */
class PyError extends Error {
  constructor(readonly type: string, text: string) {
    super(text);
  }
}

interface Ctx { started(v: unknown): void; recv(): Promise<Msg>; send(v: unknown): void; stop(): void }
type Fn = { kind: 'asyncfunc'; fn: (kw: Record<string, unknown>, s: AbortSignal) => Promise<unknown> }
  | { kind: 'asyncgen'; fn: (kw: Record<string, unknown>, s: AbortSignal) => AsyncGenerator<unknown> }
  | { kind: 'context'; fn: (ctx: Ctx, kw: Record<string, unknown>, s: AbortSignal) => Promise<unknown> };

/** The one module this actor enables (`enable_modules=['pyfuncs']`); functions take `**kwargs` (_rpc.py:623). */
const MODS: Record<string, Record<string, Fn>> = {
  pyfuncs: {
    add: { kind: 'asyncfunc', fn: async (kw) => (kw.x as number) + (kw.y as number) },
    whoami: { kind: 'asyncfunc', fn: async () => ({ name: NAME, uid: UID }) },
    boom: { kind: 'asyncfunc', fn: async () => { throw new PyError('ValueError', 'boom'); } },
    sleep_forever: { kind: 'asyncfunc', fn: async (_kw, s) => { await sleep(3_600_000, s); } },
    ticks: { kind: 'asyncgen', async *fn(kw, s) { for (let i = 0; i < (kw.n as number); i++) { await sleep(5, s); yield i; } } },
    echo: {
      kind: 'context',
      fn: async (ctx, kw, s) => {
        ctx.started(`started:${kw.greeting as string}`);
        let n = 0;
        for (;;) {
          const m = await Promise.race([ctx.recv(), sleep(3_600_000, s).then(() => undefined as never)]);
          if (m.msg_type === 'Stop') break;
          if (m.msg_type === 'Yield') {
            n++;
            ctx.send(m.pld);
          }
        }
        ctx.stop();
        return `echoed ${n}`;
      },
    },
    ctx_forever: { kind: 'context', fn: async (ctx, _kw, s) => { ctx.started('up'); await sleep(3_600_000, s); } },
  },
};

/** `process_messages` (_rpc.py from :999) for one channel. */
function serveChan(chan: Chan): void {
  chans.push(chan);
  let loopDone = false;
  chan.serve((msg) => {
    if (loopDone) return;
    if (msg.msg_type === 'Start') {
      if (msg.ns === 'self' && msg.func === 'cancel') {
        loopDone = true; // `loop_cs.cancel(); break` after serving it (_rpc.py:1101-1135)
      }
      void serveStart(chan, msg);
      return;
    }
    const dialog = callerDialogs.get(chan)?.get(msg.cid as string);
    if (dialog) return dialog(msg);
    const task = tasks.get(key(chan, msg.cid as string));
    if (task?.deliver) return task.deliver(msg);
    log('Ignoring invalid IPC msg!? Ctx seems to not/no-longer exist??', msg.msg_type);
  });
}

async function serveStart(chan: Chan, msg: Msg): Promise<void> {
  const cid = msg.cid as string;
  const kw = msg.kwargs as Record<string, unknown>;
  if (msg.ns === 'self') {
    if (msg.func === 'cancel') {
      // Invoked with return_msg_type=CancelAck: StartAck, then CancelAck(True) (_rpc.py:1101; _invoke :240-291).
      chan.send(M.startAck(cid, 'asyncfunc'));
      await actorCancel();
      chan.send(M.pld('CancelAck', cid, true));
      return;
    }
    if (msg.func === '_cancel_task') {
      chan.send(M.startAck(cid, 'asyncfunc'));
      const t = tasks.get(key(chan, kw.cid as string));
      // An unknown cid "likely already completed": True (_runtime.py:1266-1300).
      if (t) {
        t.requester = chan.aid ? [chan.aid.name as string, chan.aid.uuid as string] : undefined;
        t.abort.abort();
        await t.done;
      }
      chan.send(M.pld('CancelAck', cid, true));
      return;
    }
  }
  // `Start.uid` must be the channel's `Aid.uid`, or the loop raises RuntimeError (_rpc.py:1183).
  const aidUid = [chan.aid?.name, chan.aid?.uuid];
  if (!uid(msg.uid) || (msg.uid as Uid)[0] !== aidUid[0] || (msg.uid as Uid)[1] !== aidUid[1]) {
    rejected.push(`Start: RuntimeError: IPC <Start> msg <-> chan.aid mismatch!? ${JSON.stringify(msg.uid)} vs ${JSON.stringify(aidUid)}`);
    chan.socket.destroy();
    return;
  }
  if (msg.ns === 'self') {
    const method = isRegistrar ? REGISTRAR[msg.func as string] : undefined;
    if (!method) {
      // `getattr(actor, funcname)` without a guard (_rpc.py:1215): the whole actor dies.
      log(`AttributeError: '${isRegistrar ? 'Registrar' : 'Actor'}' object has no attribute '${msg.func as string}'`);
      console.log(JSON.stringify({ crashed: `AttributeError: no attribute '${msg.func as string}'` }));
      process.exit(3);
    }
    return invoke(chan, cid, { kind: 'asyncfunc', fn: (k, s) => method(k, s, chan) }, kw);
  }
  const fn = MODS[msg.ns as string]?.[msg.func as string];
  if (!fn) {
    // `_get_rpc_func` miss: an Error(ModuleNotExposed) reply, no StartAck (_runtime.py:603-630).
    chan.send(M.error(cid, 'ModuleNotExposed', `module ${msg.ns as string} is not exposed by actor ${NAME}`));
    return;
  }
  return invoke(chan, cid, fn, kw);
}

/** `_invoke` (_rpc.py): StartAck first, then the function's messages. */
async function invoke(chan: Chan, cid: string, f: Fn, kw: Record<string, unknown>): Promise<void> {
  const abort = new AbortController();
  let finish!: () => void;
  const task: Task = { chan, cid, abort, done: new Promise<void>((r) => (finish = r)) };
  tasks.set(key(chan, cid), task);
  const send = (m: Msg) => { if (!chan.closed) chan.send(m); };
  try {
    send(M.startAck(cid, f.kind));
    if (f.kind === 'asyncfunc') {
      send(M.pld('Return', cid, await f.fn(kw, abort.signal)));
    } else if (f.kind === 'asyncgen') {
      for await (const v of f.fn(kw, abort.signal)) send(M.pld('Yield', cid, v));
      send(M.stop(cid));
    } else {
      const inbox: Msg[] = [];
      let wake: (() => void) | undefined;
      task.deliver = (m) => { inbox.push(m); wake?.(); };
      const ctx: Ctx = {
        started: (v) => send(M.pld('Started', cid, v)),
        send: (v) => send(M.pld('Yield', cid, v)),
        stop: () => send(M.stop(cid)),
        recv: async () => {
          while (!inbox.length) await new Promise<void>((r) => (wake = r));
          return inbox.shift()!;
        },
      };
      send(M.pld('Return', cid, await f.fn(ctx, kw, abort.signal)));
    }
  } catch (err) {
    if (err instanceof Cancelled) {
      // A cancelled context task reports ContextCancelled naming its canceller (_rpc.py:824-829); a cancelled
      // asyncfunc sends nothing more (its cancel scope absorbs it, :245-291); an async generator's Stop is sent
      // after its cancel scope, so a cancelled one still ends with Stop (:158-201).
      if (f.kind === 'asyncgen') send(M.stop(cid));
      else if (f.kind === 'context') send(M.error(cid, 'ContextCancelled', "'child'-side task was cancelled by its 'parent'-side peer", task.requester ?? null, "'child'-side task was cancelled by its 'parent'-side peer"));
    } else if (err instanceof PyError) send(M.error(cid, err.type, err.message));
    else send(M.error(cid, 'RuntimeError', String(err)));
  } finally {
    tasks.delete(key(chan, cid));
    finish();
  }
}

let server: net.Server | undefined;
let myAddr: Addr | undefined;

/** `Actor.cancel()` (_runtime.py:1154-1264): cancel the RPC tasks and the IPC server; a root stays alive, not listening. */
async function actorCancel(): Promise<void> {
  const running = [...tasks.values()];
  for (const t of running) t.abort.abort();
  await Promise.all(running.map((t) => t.done));
  server?.close();
  cancelled = true;
}
let cancelled = false;

// ------------------------------------------------------------------ the registrar (discovery/_registry.py)

/** `_registry: dict[uid, list[addr]]`, in insertion order. */
const registry = new Map<string, { uid: Uid; addrs: Addr[] }>();
const waiters = new Map<string, ((() => void) | Uid)[]>();
const ukey = (u: Uid) => `${u[0]}\u0000${u[1]}`;
const sameAddr = (a: Addr, b: Addr) => a[0] === b[0] && a[1] === b[1];

const REGISTRAR: Record<string, (kw: Record<string, unknown>, s: AbortSignal, chan: Chan) => Promise<unknown>> = {
  /** `find_actor(name)` (:100): the first entry with `name in uid` (a name or a uuid), its addrs or None. */
  find_actor: async (kw) => {
    for (const e of registry.values()) if (e.uid.includes(kw.name as string)) return e.addrs.length ? e.addrs : null;
    return null;
  },
  /** `get_registry()` (:112): `{'name.uuid': [addr, ...]}`. */
  get_registry: async () => Object.fromEntries([...registry.values()].map((e) => [e.uid.join('.'), e.addrs])),
  /** `wait_for_actor(name)` (:132): every addr of that name; blocks until one registers. */
  wait_for_actor: async (kw, s) => {
    const name = kw.name as string;
    const addrs = [...registry.values()].filter((e) => e.uid[0] === name).flatMap((e) => e.addrs);
    if (addrs.length) return addrs;
    await new Promise<void>((resolve, reject) => {
      const list = waiters.get(name) ?? [];
      list.push(resolve);
      waiters.set(name, list);
      s.addEventListener('abort', () => reject(new Cancelled()), { once: true });
    });
    return (waiters.get(name) ?? []).filter((x): x is Uid => Array.isArray(x)).flatMap((u) => registry.get(ukey(u))?.addrs ?? []);
  },
  /** `register_actor(uid, addr)` (:173): ONE addr per call; the same addr under another uid moves. Returns None. */
  register_actor: async (kw) => {
    if (!uid(kw.uid) || !Array.isArray(kw.addr) || kw.addr.length !== 2) {
      throw new PyError('TypeError', `Registrar.register_actor() got unexpected arguments ${JSON.stringify(Object.keys(kw))}`);
    }
    const u: Uid = [String((kw.uid as Uid)[0]), String((kw.uid as Uid)[1])];
    const addr = kw.addr as Addr;
    for (const [k, e] of registry) {
      if (k !== ukey(u) && e.addrs.some((a) => sameAddr(a, addr))) {
        e.addrs = e.addrs.filter((a) => !sameAddr(a, addr));
        if (!e.addrs.length) registry.delete(k);
        break;
      }
    }
    const entry = registry.get(ukey(u)) ?? { uid: u, addrs: [] };
    registry.set(ukey(u), entry);
    if (!entry.addrs.some((a) => sameAddr(a, addr))) entry.addrs.push(addr);
    const events = waiters.get(u[0]) ?? [];
    waiters.set(u[0], [u]);
    for (const e of events) if (typeof e === 'function') e();
    return null;
  },
  /** `unregister_actor(uid)` (:217). */
  unregister_actor: async (kw) => {
    if (!uid(kw.uid)) throw new PyError('TypeError', `Registrar.unregister_actor() got unexpected arguments ${JSON.stringify(Object.keys(kw))}`);
    registry.delete(ukey(kw.uid as Uid));
    return null;
  },
  /** `delete_addr(addr)` (:232): the uid that held it, or None. */
  delete_addr: async (kw) => {
    const addr = kw.addr as Addr;
    for (const [k, e] of registry) {
      if (e.addrs.some((a) => sameAddr(a, addr))) {
        e.addrs = e.addrs.filter((a) => !sameAddr(a, addr));
        if (!e.addrs.length) registry.delete(k);
        return e.uid;
      }
    }
    return null;
  },
};

// ------------------------------------------------------------------ the caller side

const callerDialogs = new Map<Chan, Map<string, (m: Msg) => void>>();

/** A dialog opened by `start_remote_task` (_runtime.py:756-843): cid = str(uuid4()), Start(uid=self.aid.uid). */
function openDialog(chan: Chan, nsf: string, kwargs: object): { cid: string; next: () => Promise<Msg> } {
  // `ns, _, func = nsf.partition(':')` (:801): split at the FIRST colon.
  const at = nsf.indexOf(':');
  const [ns, func] = at < 0 ? [nsf, ''] : [nsf.slice(0, at), nsf.slice(at + 1)];
  const cid = randomUUID();
  const inbox: Msg[] = [];
  let wake: (() => void) | undefined;
  let map = callerDialogs.get(chan);
  if (!map) callerDialogs.set(chan, (map = new Map()));
  map.set(cid, (m) => { inbox.push(m); wake?.(); });
  chan.closeHandlers.push(() => wake?.());
  chan.send(M.start(cid, ns, func, kwargs));
  const next = async () => {
    while (!inbox.length) {
      if (chan.closed) throw new Error('TransportClosed');
      await new Promise<void>((r) => (wake = r));
    }
    return inbox.shift()!;
  };
  return { cid, next };
}

/** A boxed remote error, as `unpack_error` raises it. */
class RemoteActorError extends Error {
  constructor(readonly msg: Msg) {
    super((msg.message as string) || '');
  }
}

/** The first reply must be a StartAck; anything else goes to `raise unpack_error(...)`, `raise None` for a non-Error (:829-831). */
async function expectStartAck(d: { next: () => Promise<Msg> }): Promise<Msg> {
  const first = await d.next();
  if (first.msg_type === 'StartAck') return first;
  if (first.msg_type === 'Error') throw new RemoteActorError(first);
  throw new TypeError(`exceptions must derive from BaseException (first reply was ${first.msg_type}, not StartAck)`);
}

/** `Portal.run_from_ns(ns, func, **kw)` (_portal.py:384): StartAck, then Return or Error. */
async function runFromNs(chan: Chan, ns: string, func: string, kwargs: object): Promise<unknown> {
  const d = openDialog(chan, `${ns}:${func}`, kwargs);
  await expectStartAck(d);
  const m = await d.next();
  if (m.msg_type === 'Return' || m.msg_type === 'CancelAck') return m.pld;
  if (m.msg_type === 'Error') throw new RemoteActorError(m);
  throw new Error(`unexpected ${m.msg_type}`);
}

/** Connect and handshake: `_connect_chan` + `_do_handshake`. */
async function connect(a: Addr): Promise<Chan> {
  const chan = await Chan.connect(a);
  await chan.handshake();
  serveChan(chan);
  return chan;
}

/** `get_registry(addr)` portal calls, each over a connection of its own (closed after). */
async function registryCall(func: string, kwargs: object): Promise<unknown> {
  const chan = await connect(REG_ADDR);
  try {
    return await runFromNs(chan, 'self', func, kwargs);
  } finally {
    chan.close();
  }
}

/** `find_actor` -> `query_actor` -> `self.find_actor`, then the LAST local TCP addr is preferred (_api.py:219-259). */
async function findActor(name: string): Promise<Chan | null> {
  const addrs = (await registryCall('find_actor', { name })) as Addr[] | null;
  if (!addrs) return null;
  return connect(addrs.at(-1)!);
}

// ------------------------------------------------------------------ boot: probe, registrar or registration

/** `_probe_registry` (_api.py:69-130): an is_probe Aid; `is_registrar is not False` counts as a registrar. */
async function probe(a: Addr): Promise<'absent' | 'occupied' | 'registrar'> {
  let chan: Chan;
  try {
    chan = await Chan.connect(a);
  } catch {
    return 'absent';
  }
  try {
    const peer = await chan.handshake(true);
    return peer.is_registrar !== false ? 'registrar' : 'occupied';
  } catch {
    return 'occupied';
  } finally {
    chan.close();
  }
}

function listen(host: string, port: number): Promise<Addr> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((socket) => void accept(socket));
    s.once('error', reject);
    s.listen(port, host, () => {
      server = s;
      const a = s.address() as net.AddressInfo;
      resolve([a.address, a.port]);
    });
  });
}

/** The acceptor: Aid exchange within 10 s (ipc/_server.py:77,:337-339); a probe is dropped after it (:368). */
async function accept(socket: net.Socket): Promise<void> {
  const chan = new Chan(socket);
  try {
    const peer = await chan.handshake();
    if (peer.is_probe === true) return chan.close();
    serveChan(chan);
  } catch (err) {
    log('handshake failed', (err as Error).message);
    socket.destroy();
  }
}

async function boot(): Promise<void> {
  const state = await probe(REG_ADDR);
  if (state === 'absent' && !opt['never-registrar']) {
    isRegistrar = true;
    myAddr = await listen(REG_ADDR[0], REG_ADDR[1]);
    // The registrar registers itself too: its boot runs the same registration, through a local portal.
    registry.set(ukey(UID), { uid: UID, addrs: [myAddr] });
    return;
  }
  if (state === 'occupied') {
    throw new Error(`registry address ${REG_ADDR.join(':')} is occupied but did not answer as Tractor registrars`);
  }
  myAddr = await listen('127.0.0.1', 0);
  if (state === 'registrar') {
    // One register_actor per accept address over a get_registry() connection that is then closed (_runtime.py:1740-1762).
    const chan = await connect(REG_ADDR);
    try {
      await runFromNs(chan, 'self', 'register_actor', { uid: UID, addr: myAddr });
    } finally {
      chan.close();
    }
  }
}

/** At exit: `unregister_actor(uid)` over a fresh connection, bounded at 0.5 s (_runtime.py:1944-1968). */
async function unregister(): Promise<void> {
  if (isRegistrar) return;
  await Promise.race([registryCall('unregister_actor', { uid: UID }).catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
}

// ------------------------------------------------------------------ commands from the test

type Cmd = Record<string, unknown> & { id: number; op: string };
const peers = new Map<string, Chan>();

function describe(err: unknown): { type: string; message: string; src_type_str?: string; boxed_type_str?: string; canceller?: unknown; tb_str?: string } {
  if (err instanceof RemoteActorError) {
    return {
      type: 'RemoteActorError', message: err.message, src_type_str: err.msg.src_type_str as string,
      boxed_type_str: err.msg.boxed_type_str as string, canceller: err.msg.canceller, tb_str: err.msg.tb_str as string,
    };
  }
  return { type: (err as Error)?.constructor?.name ?? 'Error', message: (err as Error)?.message ?? String(err) };
}

async function peer(name: string): Promise<Chan> {
  const held = peers.get(name);
  if (held && !held.closed) return held;
  const chan = await findActor(name);
  if (!chan) throw new Error(`no actor named ${name} is registered`);
  peers.set(name, chan);
  return chan;
}

const OPS: Record<string, (c: Cmd) => Promise<unknown>> = {
  rejected: async () => rejected,
  registry: async () => Object.fromEntries([...registry.values()].map((e) => [e.uid.join('.'), e.addrs])),
  find_actor: async (c) => registryCall('find_actor', { name: c.name }),
  wait_for_actor: async (c) => registryCall('wait_for_actor', { name: c.name }),
  get_registry: async () => registryCall('get_registry', {}),
  delete_addr: async (c) => registryCall('delete_addr', { addr: c.addr }),
  /** `query_actor(name, regaddr)`: the addr that `find_actor` would connect to. */
  query_actor: async (c) => ((await registryCall('find_actor', { name: c.name })) as Addr[] | null)?.at(-1) ?? null,
  run_from_ns: async (c) => runFromNs(await peer(c.peer as string), c.ns as string, c.func as string, (c.kwargs as object) ?? {}),
  /** `open_stream_from(fn)`: StartAck(asyncgen), then Yield... Stop. */
  open_stream_from: async (c) => {
    const d = openDialog(await peer(c.peer as string), c.nsf as string, (c.kwargs as object) ?? {});
    await expectStartAck(d);
    const out: unknown[] = [];
    for (;;) {
      const m = await d.next();
      if (m.msg_type === 'Yield') out.push(m.pld);
      else if (m.msg_type === 'Stop') return out;
      else if (m.msg_type === 'Error') throw new RemoteActorError(m);
    }
  },
  /** `open_context(fn, **kw)` + `ctx.open_stream()`: send each item, collect the echoes, close, wait for the result. */
  open_context: async (c) => {
    const chan = await peer(c.peer as string);
    const d = openDialog(chan, c.nsf as string, (c.kwargs as object) ?? {});
    await expectStartAck(d);
    const started = await d.next();
    if (started.msg_type === 'Error') throw new RemoteActorError(started);
    const echoes: unknown[] = [];
    for (const item of (c.send as unknown[]) ?? []) {
      chan.send(M.pld('Yield', d.cid, item));
      const m = await d.next();
      if (m.msg_type === 'Error') throw new RemoteActorError(m);
      echoes.push(m.pld);
    }
    chan.send(M.stop(d.cid));
    for (;;) {
      const m = await d.next();
      if (m.msg_type === 'Return') return { first: started.pld, echoes, result: m.pld };
      if (m.msg_type === 'Error') throw new RemoteActorError(m);
    }
  },
  /** `ctx.cancel()` (_context.py:1111-1115): `_cancel_task` for the context's cid, then the ContextCancelled it raises. */
  ctx_cancel: async (c) => {
    const chan = await peer(c.peer as string);
    const d = openDialog(chan, c.nsf as string, (c.kwargs as object) ?? {});
    await expectStartAck(d);
    const started = await d.next();
    if (started.msg_type === 'Error') throw new RemoteActorError(started);
    const ack = await runFromNs(chan, 'self', '_cancel_task', { cid: d.cid });
    for (;;) {
      const m = await d.next();
      if (m.msg_type === 'Error') return { ack, first: started.pld, error: describe(new RemoteActorError(m)) };
      if (m.msg_type === 'Return') return { ack, first: started.pld, result: m.pld };
    }
  },
  /** `Portal.cancel_actor()` (_portal.py:269-346): Start(self, cancel), StartAck + CancelAck(True), waited 0.5 s by default. */
  cancel_actor: async (c) => {
    const chan = await peer(c.peer as string);
    return Promise.race([runFromNs(chan, 'self', 'cancel', {}), new Promise((r) => setTimeout(() => r('timeout'), (c.timeout as number) ?? 500))]);
  },
  /** Any `self` method by name (e.g. one a Python actor lacks). */
  run_self: async (c) => runFromNs(await peer(c.peer as string), 'self', c.func as string, (c.kwargs as object) ?? {}),
  /** A portal to the actor at `addr` (as `get_registry(addr)` / `_connect_chan` give one), kept under `as`. */
  connect: async (c) => {
    const chan = await connect(c.addr as Addr);
    peers.set(c.as as string, chan);
    return { name: chan.aid?.name, is_registrar: chan.aid?.is_registrar ?? null };
  },
  /** `_probe_registry(addr)`, and whether the peer then closed the probe connection itself. */
  probe: async (c) => {
    const chan = await Chan.connect(c.addr as Addr);
    const peerAid = await chan.handshake(true);
    const closedByPeer = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), (c.waitMs as number) ?? 3000);
      chan.closeHandlers.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
    chan.socket.destroy();
    return { state: peerAid.is_registrar !== false ? 'registrar' : 'occupied', closedByPeer, aid: peerAid };
  },
  status: async () => ({ cancelled, listening: server?.listening ?? false, tasks: tasks.size }),
  exit: async () => {
    setImmediate(() => void shutdown());
    return true;
  },
};

async function shutdown(): Promise<never> {
  await unregister();
  server?.close();
  for (const c of chans) c.socket.destroy();
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

await boot().catch((err: Error) => {
  console.log(JSON.stringify({ ready: false, error: err.message }));
  process.exit(2);
});
console.log(JSON.stringify({ ready: true, uid: UID, addr: myAddr, registrar: isRegistrar }));

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line) as Cmd;
  const op = OPS[cmd.op];
  void (async () => {
    try {
      if (!op) throw new Error(`unknown op ${cmd.op}`);
      console.log(JSON.stringify({ id: cmd.id, ok: true, value: await op(cmd) }));
    } catch (err) {
      console.log(JSON.stringify({ id: cmd.id, ok: false, error: describe(err) }));
    }
  })();
}).on('close', () => void shutdown());
