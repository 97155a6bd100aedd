import { ISOLATION_LEVELS } from '../config.js'
import { ExitCode } from '../errors.js'
import { expectationOf } from '../scenario/define-scenario.js'
import { renderJson } from '../report/json.js'
import { renderExplanation, renderScenarioList } from '../report/scenario-list.js'
import { styleFor } from '../report/style.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'
import { loadScenario } from '../scenario/load-scenario.js'

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
        expect: Object.fromEntries(ISOLATION_LEVELS.map((isolation) => [isolation, expectationOf(strategy, { dialect: 'postgres', isolation: strategy.isolation ?? isolation })])),
      })),
      invariants: Object.keys(s.invariants),
    }))
    process.stdout.write(renderJson(described))
  } else {
    process.stdout.write(renderScenarioList(scenarios, styleFor(process.stdout)))
  }
  return ExitCode.Ok
}

/** `racebench explain <scenario>` */
export async function explainCommand(ref: string): Promise<number> {
  const { scenario } = await loadScenario(ref)
  process.stdout.write(renderExplanation(scenario, styleFor(process.stdout)))
  return ExitCode.Ok
}
