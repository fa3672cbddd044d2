// The zombies suite (spec/runtime/zombies.test.ts) with every actor started by startMethod 'worker'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('runtime/zombies', 'worker');
