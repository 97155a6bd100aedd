import type { Scenario } from './define-scenario.js'

type ScenarioModule = { default: Scenario<any, any> }

/** The scenarios racebench ships, by the name users type. Imported lazily: `list` loads them all, `run` one. */
export const BUILTIN_SCENARIOS: Readonly<Record<string, () => Promise<ScenarioModule>>> = {
  'double-booking': () => import('../../scenarios/double-booking.js'),
  'double-payment': () => import('../../scenarios/double-payment.js'),
  'duplicate-chunk-insert': () => import('../../scenarios/duplicate-chunk-insert.js'),
  'hold-confirm-release': () => import('../../scenarios/hold-confirm-release.js'),
  'lost-update': () => import('../../scenarios/lost-update.js'),
  'payment-saga': () => import('../../scenarios/payment-saga.js'),
  'position-sync': () => import('../../scenarios/position-sync.js'),
  'status-transition': () => import('../../scenarios/status-transition.js'),
}
