import { html, trusted, type Html } from './html.js'

/**
 * Nothing on the page may reach the network: the policy forbids every fetch (scripts, fonts,
 * images, frames, even a favicon), so a report opened from a CI artifact or a mail attachment makes
 * no request, and a string that slipped past escaping still could not load or run anything.
 */
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

/** The whole document: one file, its style sheet inline, system fonts, no script. */
export function htmlPage(title: string, body: Html): string {
  return (
    html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="racebench">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`.text + '\n'
  )
}

const STYLE = trusted(`
:root { color-scheme: light dark; --fg: #1d2328; --muted: #5f6b76; --line: #d5dbe0; --soft: #f3f5f7; --bg: #fff;
  --good: #2e7d32; --bad: #c62828; --warn: #9a6400; --good-bg: #e8f5e9; --bad-bg: #fdecea; --warn-bg: #fff6e0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e8ec; --muted: #9aa7b2; --line: #3a434b; --soft: #1f262c; --bg: #14191e;
    --good: #66bb6a; --bad: #ef5350; --warn: #f0b43c; --good-bg: #17301a; --bad-bg: #3a1717; --warn-bg: #3a2e10; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.02rem; margin: 20px 0 8px; }
p { margin: 6px 0; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
.sub { color: var(--muted); margin: 0 0 16px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 12px 0; border-left: 5px solid; }
.banner.good { background: var(--good-bg); border-color: var(--good); }
.banner.bad { background: var(--bad-bg); border-color: var(--bad); }
.banner.warn { background: var(--warn-bg); border-color: var(--warn); }
.banner .note { font-weight: 400; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
dl.settings dt { color: var(--muted); }
dl.settings dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 12em; }
tr.unexpected td { background: var(--bad-bg); }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; }
tr.total td { font-weight: 600; }
.scroll { overflow-x: auto; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
ul.verdicts { list-style: none; padding: 0; margin: 6px 0; }
ul.verdicts li { margin: 4px 0; overflow-wrap: anywhere; }
ul.keys { margin: 2px 0 6px 22px; padding: 0; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 500px), 1fr)); gap: 12px 20px; align-items: start; }
figure { margin: 0; }
figcaption { font-size: 0.9rem; color: var(--muted); margin: 2px 0 4px; }
svg.chart { display: block; max-width: 100%; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--fg); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .tick, svg.chart .axis-label { fill: var(--muted); }
svg.chart .value { fill: var(--fg); }
pre.timeline { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; line-height: 1.35; }
details { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; margin: 10px 0; }
details > summary { cursor: pointer; font-weight: 600; }
details[open] > summary { margin-bottom: 6px; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85rem; }
`)
