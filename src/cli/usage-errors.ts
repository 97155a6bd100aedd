import type { Command } from 'commander'

/**
 * Makes every command-line error commander finds one line on stderr, `racebench: …`, that says what
 * would have been valid: commander's closest match (showSuggestionAfterError), then the options of
 * the command at fault, the commands, or the command's usage. Call it after every command is added
 * and before parsing, so each command (one added later too) gets it.
 *
 * `argumentHints` names the valid values of an argument, by its name: shown when it is missing.
 */
export function explainUsageErrors(program: Command, argumentHints: Readonly<Record<string, string>> = {}): void {
  for (const command of [program, ...program.commands]) {
    command.configureOutput({ outputError: (text, write) => write(`racebench: ${usageErrorLine(text, command, argumentHints)}\n`) })
  }
}

/**
 * commander's error text as one line with the valid choices:
 * `error: unknown option '--wokers'\n(Did you mean --workers?)` →
 * `unknown option '--wokers' (did you mean --workers?); options of run: --strategy, --db, …`
 */
export function usageErrorLine(text: string, command: Command, argumentHints: Readonly<Record<string, string>> = {}): string {
  const [message = '', ...notes] = text.replace(/^error: /, '').trim().split('\n')
  const suggestion = notes.map((note) => note.replace(/^\(Did you (.*)\)$/, 'did you $1')).join(' ')
  const line = [`${message.replace(/\.$/, '')}${suggestion ? ` (${suggestion})` : ''}`]
  if (message.startsWith('unknown option')) {
    line.push(`${command.parent ? `options of ${command.name()}` : 'options'}: ${optionsOf(command)}`)
    if (!command.parent) line.push(`commands: ${commandsOf(command)}`)
  } else if (message.startsWith('unknown command')) {
    line.push(`commands: ${commandsOf(command)}`)
  } else if (message.startsWith('missing required argument') || message.startsWith('too many arguments')) {
    line.push(`usage: ${usageOf(command)}`)
    const missing = /'([^']+)'/.exec(message)?.[1]
    if (message.startsWith('missing') && missing && argumentHints[missing]) line.push(argumentHints[missing])
  }
  return line.join('; ')
}

/** `--strategy, --db, …, --help`: the long flags a command takes, as its help lists them. */
function optionsOf(command: Command): string {
  return command
    .createHelp()
    .visibleOptions(command)
    .map((option) => option.long ?? option.short)
    .join(', ')
}

function commandsOf(command: Command): string {
  return command
    .createHelp()
    .visibleCommands(command)
    .map((sub) => sub.name())
    .join(', ')
}

/** `racebench run [options] <scenario>` */
function usageOf(command: Command): string {
  const names: string[] = []
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name())
  return `${names.join(' ')} ${command.usage()}`
}
