// The smoke suite (spec/smoke.test.ts) with every actor started by startMethod
// 'worker' (TRACTOR_TS_START_METHOD: each test file runs in its own process).
process.env.TRACTOR_TS_START_METHOD = 'worker';
await import('../smoke.test.ts');
