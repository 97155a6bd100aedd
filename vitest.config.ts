import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run if any test left a racebench schema, database or Redis key behind.
    globalSetup: ['test/support/leak-check.ts'],
    // Real servers, an embedded PostgreSQL start, spawned CLIs: generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores, but most tests wait on servers, locks and think time: three test files at once, each in
    // its own process (measured on this 2-core VM: the whole suite in 159 s with three, 201 s with two).
    pool: 'forks',
    maxWorkers: 3,
    // Each fork keeps its modules from one test file to the next instead of transforming and importing
    // src/ again per file (34 s of the suite's CPU on 2 cores, 9 s without). Tests share no mutable state
    // through modules: every run makes its own namespace, server and connections.
    isolate: false,
  },
})
