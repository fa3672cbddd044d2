/**
 * Entry of a prewarmed spare (spawn/prewarm.ts; spawn/start.ts loads it):
 * everything an actor runs is imported and compiled and its TCP listener
 * bound before the spare is taken, so a spawn only pays for what depends on
 * who the actor is. Then it waits for the one line its parent writes on its
 * stdin, `{argv: [parentAddr, uuid, name], secrets?}`, and becomes that
 * actor (its spawn secrets handed over in memory, see ipc/auth.ts). The end
 * of stdin before that line (the parent is gone, or closed its pool) is a
 * clean exit.
 */
import '../index.ts'; // the library as the modules an actor serves import it
import { bindAhead } from '../ipc/server.ts';
import { runChild } from './child.ts';
import { rehearse } from './rehearse.ts';
import type { SpawnLine } from './prewarm.ts';

await bindAhead();
await rehearse();
const line = await spawnLine();
await runChild({ argv: line.argv, secrets: line.secrets });

/** The one line a spare is sent; exits if stdin ends first. */
function spawnLine(): Promise<SpawnLine> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData).off('end', onEnd);
      process.stdin.destroy();
      resolve(JSON.parse(buf.slice(0, nl)) as SpawnLine);
    };
    const onEnd = () => process.exit(0);
    process.stdin.on('data', onData).on('end', onEnd);
  });
}
