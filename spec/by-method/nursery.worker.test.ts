// The nursery suite (spec/nursery.test.ts) with every actor started by startMethod 'worker'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('nursery', 'worker');
