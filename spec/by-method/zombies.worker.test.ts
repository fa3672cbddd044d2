// The zombies suite (spec/zombies.test.ts) with every actor started by startMethod 'worker'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('zombies', 'worker');
