// The context cancellation matrix: {parent, child, third actor} x {cancel,
// error, abort} x {before started, while streaming, after the stream closed},
// over real processes. One test per party and kind; its three phases run as
// three concurrent dialogs with one child actor, so the whole matrix spawns
// a dozen processes and the rows run concurrently.
//
// What each party's cancel / error / abort means:
// - parent: `ctx.cancel()` (before started, when there is no ctx yet, the
//   parent's only cancel request is `portal.cancelActor()`); an error thrown
//   inside the `await using` block (before started: a failing sibling task,
//   i.e. the open's signal aborted with that error); aborting the AbortSignal
//   given to `openContext`.
// - child: its own `ctx.cancel()`; an error thrown by the endpoint; its
//   process dying (`process.exit`) mid-dialog.
// - third actor: another process that cancels the child with
//   `portal.cancelActor()` (it finds the child by name with `findActor`); a
//   sibling actor failing (the nursery's one-cancels-all); another process
//   SIGKILLing the child.
//
// Rules (SPEC, Context): a cancel this side requested is absorbed (no throw);
// one requested by anyone else is raised as ContextCancelled with .canceller;
// a child error is raised as RemoteActorError, before started by openContext;
// a parent error or abort cancels the child task, which never outlives the
// dialog; an error is delivered once; no process outlives the nursery block.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tractor from 'tractor-ts';
import { privateRegistry } from '../discovery-helpers.ts';
import { cancelPeer, type ChildAct, failOnMarker, killPid, type Phase, subject } from '../fixtures/ctx-matrix.ts';
import { isAlive, markerLines as marks, PROCESS_ONLY, START_METHOD, thrown, until } from '../helpers.ts';

const FIX = new URL('../fixtures/ctx-matrix.ts', import.meta.url).href;
const T = { timeout: 60_000 };
const PHASES: Phase[] = ['before', 'streaming', 'closed'];
const tmp = mkdtempSync(path.join(tmpdir(), 'tractor-ts-ctx-matrix-'));
let fileSeq = 0;

// ------------------------------------------------------------------ dialogs

interface Dialog {
  phase: Phase;
  file: string;
  opening: Promise<tractor.Context>;
  abort: AbortController;
  ctx?: tractor.Context;
  stream?: tractor.MsgStream;
}

/** Open a dialog with `subject` and walk it to `phase` (both sides agree it is there). */
async function enter(portal: tractor.Portal, phase: Phase, act?: ChildAct): Promise<Dialog> {
  const file = path.join(tmp, `${++fileSeq}-${phase}.log`);
  const abort = new AbortController();
  const opening = portal.openContext(subject, { file, phase, act }, { signal: abort.signal });
  const d: Dialog = { phase, file, opening, abort };
  if (phase === 'before') {
    opening.catch(() => {});
    await until(() => marks(file).includes('entered'), `the ${phase} child to start`);
    return d;
  }
  d.ctx = await opening;
  d.stream = await d.ctx.openStream();
  if (phase === 'streaming') {
    await d.stream.send('ping');
    assert.equal(await d.stream.receive(), 'ping');
  } else {
    for (let i = 0; i < 3; i++) assert.equal(await d.stream.receive(), i);
    await d.stream.close();
    await until(() => marks(file).includes('both-closed'), 'both sides to close the stream');
  }
  return d;
}

/** Where the end of the dialog is observed. */
type Where = 'openContext' | 'receive' | 'waitForResult' | 'disposal' | 'block';
type Seen = { value: unknown } | { error: unknown };

/** Start observing `d` at `where` (before the trigger, so the operation is pending when it fires). */
function observe(d: Dialog, where: Where, boom: Error): Promise<Seen> {
  const run = async (): Promise<unknown> => {
    switch (where) {
      case 'openContext': return d.opening;
      case 'receive': return d.stream!.receive();
      case 'waitForResult': return d.ctx!.waitForResult();
      case 'disposal':
        await until(() => d.ctx!.hasOutcome, 'the child outcome');
        return dispose(d, true);
      case 'block': {
        // The parent fails inside the `await using` block of the dialog.
        await using _ctx = d.ctx!;
        await using _stream = d.stream!;
        throw boom;
      }
    }
  };
  return run().then((value) => ({ value }), (error) => ({ error }));
}

async function dispose(d: Dialog, rethrow = false): Promise<unknown> {
  const err = await thrown(async () => {
    await d.stream?.[Symbol.asyncDispose]();
    await d.ctx?.[Symbol.asyncDispose]();
  });
  if (rethrow && err) throw err;
  return err;
}

// ------------------------------------------------------------------ the table

type Who = 'parent' | 'child' | 'third';
type Check = (err: unknown, env: Env) => void;

interface Cell {
  at: Where;
  /** The operation at `at` rejects (checked by this) ... */
  raises?: Check;
  /** ... or resolves with a value checked by this. */
  returns?: Check;
  /** Parent side state once the dialog ended (not for 'before': there is no ctx). */
  cancelCalled?: boolean;
  cancelAcked?: boolean;
  canceller?: Who | null;
}

/** The third-actor abort: another actor SIGKILLs the child's process. */
async function killChildPid({ b, c }: Env): Promise<void> {
  await c!.run(killPid, { pid: b.chan.aid!.pid });
}

interface Row {
  name: string;
  act?: Partial<Record<Phase, ChildAct>>;
  third?: 'daemon' | 'sibling';
  trigger(env: Env): Promise<void>;
  cells: Record<Phase, Cell>;
  /** What the child must have recorded before the dialog is over (the child never outlives it). */
  childSaw: string[];
  /** The child process dies: the nursery reports it once (ActorFailure), wherever it surfaced first. */
  childDies?: boolean;
}

interface Env {
  b: tractor.Portal;
  c: tractor.Portal | undefined;
  d: Record<Phase, Dialog>;
  uid: Record<Who, tractor.Uid>;
  boom: Error;
  siblingTrigger: string;
  siblingError?: unknown;
}

const uidOf = (p: tractor.Portal): tractor.Uid => [p.chan.aid!.name, p.chan.aid!.uuid];

function ctxc(who: Who): Check {
  return (err, env) => {
    assert.ok(err instanceof tractor.ContextCancelled, `expected ContextCancelled, got ${String(err)}`);
    assert.deepEqual(err.canceller, env.uid[who], `canceller should be the ${who}`);
  };
}

const childError: Check = (err, env) => {
  assert.ok(err instanceof tractor.RemoteActorError && !(err instanceof tractor.ContextCancelled), `expected RemoteActorError, got ${String(err)}`);
  assert.equal(err.boxedType, RangeError);
  assert.deepEqual(err.srcUid, env.uid.child);
};

const same = (pick: (env: Env) => unknown): Check => (err, env) => assert.equal(err, pick(env));

const lostChild: Check = (err) => {
  assert.ok(err instanceof tractor.TransportClosed || err instanceof tractor.ActorFailure, `expected TransportClosed or ActorFailure, got ${String(err)}`);
};

const rows: Row[] = [
  {
    name: 'parent cancel: ctx.cancel() is absorbed and waitForResult returns the ContextCancelled; before started portal.cancelActor() rejects openContext with it',
    trigger: async ({ b, d }) => {
      await Promise.all([d.streaming.ctx!.cancel(), d.closed.ctx!.cancel()]);
      assert.equal(await b.cancelActor(), true);
    },
    cells: {
      before: { at: 'openContext', raises: ctxc('parent') },
      streaming: { at: 'waitForResult', returns: ctxc('parent'), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
      closed: { at: 'waitForResult', returns: ctxc('parent'), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'parent error: the error leaves the block as itself (no SuppressedError) and the child task is cancelled',
    trigger: async ({ d, boom }) => d.before.abort.abort(boom),
    cells: {
      before: { at: 'openContext', raises: same((env) => env.boom) },
      streaming: { at: 'block', raises: same((env) => env.boom), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
      closed: { at: 'block', raises: same((env) => env.boom), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'parent abort: the pending operation rejects with the abort reason, the child task is cancelled, disposal absorbs it',
    trigger: async ({ d }) => {
      for (const p of PHASES) d[p].abort.abort();
    },
    cells: {
      before: { at: 'openContext', raises: same((env) => env.d.before.abort.signal.reason) },
      streaming: { at: 'receive', raises: same((env) => env.d.streaming.abort.signal.reason), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
      closed: { at: 'waitForResult', raises: same((env) => env.d.closed.abort.signal.reason), cancelCalled: true, cancelAcked: true, canceller: 'parent' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'child cancel: its own ctx.cancel() is raised in the parent (openContext, the stream, or disposal) as ContextCancelled with canceller = the child',
    act: { before: 'cancel', streaming: 'cancel', closed: 'cancel' },
    trigger: async ({ d }) => d.streaming.stream!.send('act'),
    cells: {
      before: { at: 'openContext', raises: ctxc('child') },
      streaming: { at: 'receive', raises: ctxc('child'), cancelCalled: false, cancelAcked: false, canceller: 'child' },
      closed: { at: 'disposal', raises: ctxc('child'), cancelCalled: false, cancelAcked: false, canceller: 'child' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'child error: raised as RemoteActorError by openContext, the stream, or at disposal when nothing received it',
    act: { before: 'error', streaming: 'error', closed: 'error' },
    trigger: async ({ d }) => d.streaming.stream!.send('act'),
    cells: {
      before: { at: 'openContext', raises: childError },
      streaming: { at: 'receive', raises: childError, cancelCalled: false, canceller: null },
      closed: { at: 'disposal', raises: childError, cancelCalled: false, canceller: null },
    },
    childSaw: ['finally'],
  },
  {
    name: 'child abort: the child process dying fails every phase of the dialog and the nursery reports it once',
    act: { streaming: 'exit' },
    trigger: async ({ d }) => d.streaming.stream!.send('act'),
    cells: {
      before: { at: 'openContext', raises: lostChild },
      streaming: { at: 'receive', raises: lostChild, canceller: null },
      closed: { at: 'waitForResult', raises: lostChild, canceller: null },
    },
    childSaw: [],
    childDies: true,
  },
  {
    name: 'third-actor cancel: another actor cancelling the child is raised as ContextCancelled with canceller = that actor',
    third: 'daemon',
    trigger: async ({ b, c }) => {
      assert.equal(await c!.run(cancelPeer, { name: b.chan.aid!.name }), true);
    },
    cells: {
      before: { at: 'openContext', raises: ctxc('third') },
      streaming: { at: 'receive', raises: ctxc('third'), cancelCalled: false, cancelAcked: false, canceller: 'third' },
      closed: { at: 'waitForResult', raises: ctxc('third'), cancelCalled: false, cancelAcked: false, canceller: 'third' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'third-actor error: a failing sibling cancels the dialog (one-cancels-all) and its error is raised once, where the parent waits',
    third: 'sibling',
    trigger: async ({ siblingTrigger }) => writeFileSync(siblingTrigger, 'fail'),
    cells: {
      before: { at: 'openContext', raises: same((env) => env.siblingError) },
      streaming: { at: 'receive', raises: same((env) => env.siblingError), cancelCalled: true, canceller: 'parent' },
      closed: { at: 'waitForResult', raises: same((env) => env.siblingError), cancelCalled: true, canceller: 'parent' },
    },
    childSaw: ['signal:Cancelled', 'finally'],
  },
  {
    name: 'third-actor abort: another actor killing the child fails every phase of the dialog and the nursery reports it once',
    third: 'daemon',
    trigger: killChildPid,
    cells: {
      before: { at: 'openContext', raises: lostChild },
      streaming: { at: 'receive', raises: lostChild, canceller: null },
      closed: { at: 'waitForResult', raises: lostChild, canceller: null },
    },
    childSaw: [],
    childDies: true,
  },
];

// ------------------------------------------------------------------ the runner

interface Outcome {
  env: Env;
  seen: Record<Phase, Seen>;
  disposed: Record<Phase, unknown>;
  /** The child's marker lines at the moment each dialog was over. */
  sawAtEnd: Record<Phase, string[]>;
  nurseryErr: unknown;
  /** What the trigger call raised (only ever the dead child's ActorFailure). */
  triggerErr: unknown;
  pids: number[];
}

async function runRow(row: Row): Promise<Outcome> {
  const pids: number[] = [];
  const seen = {} as Record<Phase, Seen>;
  const disposed = {} as Record<Phase, unknown>;
  const sawAtEnd = {} as Record<Phase, string[]>;
  let env: Env | undefined;
  let met: unknown;
  let bodyDone = false;
  const nurseryErr = await thrown(async () => {
    await using an = await tractor.openNursery({ enableModules: [FIX] });
    // A unique name: the third party finds this child through the registrar.
    const b = await an.startActor(`child-${++fileSeq}`);
    pids.push(b.chan.aid!.pid);
    const siblingTrigger = path.join(tmp, `${++fileSeq}-sibling.trigger`);
    let c: tractor.Portal | undefined;
    let sibling: Promise<unknown> | undefined;
    if (row.third === 'daemon') c = await an.startActor('third');
    if (row.third === 'sibling') {
      c = await an.runInActor(failOnMarker, { file: siblingTrigger }, { name: 'third' });
      sibling = c.waitForResult().then(() => undefined, (err) => err);
    }
    if (c) pids.push(c.chan.aid!.pid);
    const dialogs = await Promise.all(PHASES.map((p) => enter(b, p, row.act?.[p])));
    env = {
      b, c, boom: new Error('the parent failed inside the dialog'), siblingTrigger,
      d: { before: dialogs[0]!, streaming: dialogs[1]!, closed: dialogs[2]! },
      uid: { parent: tractor.currentActor().uid, child: uidOf(b), third: c ? uidOf(c) : ['', ''] },
    };
    const e = env;
    const observing = PHASES.map((p) => observe(e.d[p], row.cells[p].at, e.boom));
    // Where a child dies, the nursery's one-cancels-all may reach the trigger
    // call first: that is the body receiving the ActorFailure.
    const triggerErr = await thrown(() => row.trigger(e));
    if (triggerErr && !(row.childDies && triggerErr instanceof tractor.ActorFailure)) throw triggerErr;
    met = triggerErr;
    const results = await Promise.all(observing);
    if (sibling) e.siblingError = await sibling;
    for (const [i, p] of PHASES.entries()) {
      seen[p] = results[i]!;
      // Disposal after the error was delivered raises nothing more.
      if (!['disposal', 'block'].includes(row.cells[p].at)) disposed[p] = await dispose(e.d[p]);
      sawAtEnd[p] = marks(e.d[p].file);
    }
    bodyDone = true;
  });
  if (!bodyDone) throw nurseryErr;
  return { env: env!, seen, disposed, sawAtEnd, nurseryErr, triggerErr: met, pids };
}

/** What each phase raised where, the parent's view of the dialog, the child's side effects, and no process left. */
function checkDialogs(row: Row, out: Outcome): void {
  for (const p of PHASES) {
    const cell = row.cells[p];
    const s = out.seen[p];
    const where = `${p}: ${cell.at}`;
    if (cell.raises) {
      assert.ok('error' in s, `${where} should reject, it resolved with ${String((s as { value: unknown }).value)}`);
      assert.ok((s.error as Error)?.name !== 'SuppressedError', `${where}: the error is delivered once, not wrapped in a SuppressedError`);
      cell.raises(s.error, out.env);
    } else {
      assert.ok('value' in s, `${where} should resolve, it rejected with ${String((s as { error: unknown }).error)}`);
      cell.returns!(s.value, out.env);
    }
    assert.equal(out.disposed[p], undefined, `${p}: disposal raised ${String(out.disposed[p])} after the error was delivered`);
    const ctx = out.env.d[p].ctx;
    if (ctx) {
      if (cell.cancelCalled !== undefined) assert.equal(ctx.cancelCalled, cell.cancelCalled, `${p}: ctx.cancelCalled`);
      if (cell.cancelAcked !== undefined) assert.equal(ctx.cancelAcked, cell.cancelAcked, `${p}: ctx.cancelAcked`);
      if (cell.canceller !== undefined) assert.deepEqual(ctx.canceller, cell.canceller && out.env.uid[cell.canceller], `${p}: ctx.canceller`);
    }
    for (const line of row.childSaw) {
      assert.ok(out.sawAtEnd[p].includes(line),
        `${p}: the child should have recorded '${line}' by the end of the dialog; it recorded ${JSON.stringify(out.sawAtEnd[p])}`);
    }
  }
  // (A worker actor's pid is this process's: its end is its channel closing, checked with the dialogs.)
  if (START_METHOD !== 'worker') assert.deepEqual(out.pids.filter(isAlive), [], 'every actor process is gone after the nursery block');
}

/** The nursery block raises only what the body did not receive: a dead child once (ActorFailure), nothing else. */
function checkNursery(row: Row, out: Outcome): void {
  if (!row.childDies) {
    assert.equal(out.nurseryErr, undefined, `the nursery block raised ${String(out.nurseryErr)}`);
    return;
  }
  const met = [out.triggerErr, ...PHASES.map((p) => (out.seen[p] as { error?: unknown }).error)].some((e) => e instanceof tractor.ActorFailure);
  if (met) assert.equal(out.nurseryErr, undefined, 'the ActorFailure the body already received is not raised again');
  else assert.ok(out.nurseryErr instanceof tractor.ActorFailure, `the nursery should raise ActorFailure, got ${String(out.nurseryErr)}`);
}

describe('context cancellation matrix', { concurrency: true }, () => {
  let root: tractor.Root;
  before(async () => {
    // A registrar of its own: the third party finds the child by name, and a
    // registrar shared with other test files may exit under it.
    root = await tractor.openRoot({ registryAddrs: [await privateRegistry()] });
  });
  after(async () => {
    await root[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });
  for (const row of rows) {
    // Killing a worker actor's pid would kill this process.
    test(row.name, { ...T, skip: row.trigger === killChildPid && PROCESS_ONLY }, async () => {
      const out = await runRow(row);
      checkDialogs(row, out);
      checkNursery(row, out);
    });
  }
});
