// The zombies suite (spec/runtime/zombies.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('runtime/zombies', 'prewarm');
