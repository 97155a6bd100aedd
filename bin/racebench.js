#!/usr/bin/env node
// The installed command: a thin shim over the compiled CLI (built by `npm install` via `prepare`).
import('../dist/src/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    console.error('racebench: not built yet; run `npm install` (or `npm run build`) in the racebench folder')
    process.exit(4)
  }
  throw error
})
