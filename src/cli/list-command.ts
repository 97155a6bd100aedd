import { ExitCode } from '../errors.js'
import { expectationsOf } from '../scenario/expectations.js'
import { DIALECTS } from '../engines/session.js'
import { renderJson } from '../report/json.js'
import { lackingEngines } from '../report/scenario-list.js'
import { renderScenarioList } from '../report/scenario-list.js'
import { styleFor } from '../report/style.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'

/** `racebench list [--json]` */
export async function listCommand(options: { json?: boolean }): Promise<number> {
  const scenarios = await Promise.all(Object.values(BUILTIN_SCENARIOS).map(async (load) => (await load()).default))
  if (options.json) {
    const described = scenarios.map((s) => ({
      name: s.name,
      summary: s.summary,
      params: s.params,
      strategies: Object.entries(s.strategies).map(([name, strategy]) => ({
        name,
        summary: strategy.summary,
        requires: strategy.requires ?? [],
        unsupportedOn: strategy.unsupportedOn ?? {},
        // Unsafe across the nodes of a multi-primary cluster whose locks bind one node (Galera).
        serverLocks: strategy.serverLocks === true,
        // Distributed SQL engines that lack what it needs, by name, with the reason (not run here: from their docs).
        unsupportedOnEngines: Object.fromEntries(lackingEngines(strategy)),
        // { postgres: { 'read-committed': 'safe', … }, mysql: { … } }
        expect: Object.fromEntries(
          DIALECTS.map((dialect) => [dialect, Object.fromEntries(expectationsOf(strategy).filter((e) => e.env.dialect === dialect).map((e) => [e.env.isolation, e.expect]))]),
        ),
      })),
      invariants: Object.keys(s.invariants),
    }))
    process.stdout.write(renderJson(described))
  } else {
    process.stdout.write(renderScenarioList(scenarios, styleFor(process.stdout)))
  }
  return ExitCode.Ok
}
