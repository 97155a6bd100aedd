import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run if any test left a racebench schema, database or Redis key behind.
    globalSetup: ['test/support/leak-check.ts'],
    // Real servers, an embedded PostgreSQL start, spawned CLIs: generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: at most two test files at once, each in its own process.
    pool: 'forks',
    maxWorkers: 2,
    // Each fork keeps its modules from one test file to the next instead of transforming and importing
    // src/ again per file (34 s of the suite's CPU on 2 cores, 9 s without). Tests share no mutable state
    // through modules: every run makes its own namespace, server and connections.
    isolate: false,
  },
})
