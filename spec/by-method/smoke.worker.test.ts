// The smoke suite (spec/smoke.test.ts) with every actor started by startMethod 'worker'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('smoke', 'worker');
