// The nursery suite (spec/runtime/nursery.test.ts) with every actor started by startMethod 'worker'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('runtime/nursery', 'worker');
