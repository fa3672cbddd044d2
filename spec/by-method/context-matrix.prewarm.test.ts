// The context-matrix suite (spec/context-matrix.test.ts) with every actor started by startMethod
// 'prewarm' (TRACTOR_TS_START_METHOD: each test file runs in its own process).
process.env.TRACTOR_TS_START_METHOD = 'prewarm';
await import('../context-matrix.test.ts');
