// The dashboard's one stylesheet, served from /dashboard/assets/dashboard.css (no CDN, no web font).
// Colours come from custom properties so that the dark scheme only swaps values; every pair
// below keeps at least 4.5:1 contrast.
export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #4d5560; --line: #d0d7de; --panel: #f6f8fa;
  --link: #0550ae; --accent: #0a5c36; --danger: #a40e26; --focus: #bf3989;
  --st-completed: #1a7f37; --st-accepted: #0969da; --st-incomplete: #9a6700; --st-assigned: #8250df;
  --st-blocked: #cf222e; --st-rejected: #57606a; --st-none: #d0d7de;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
    --link: #58a6ff; --accent: #3fb950; --danger: #ff7b72; --focus: #f778ba;
    --st-completed: #3fb950; --st-accepted: #58a6ff; --st-incomplete: #d29922; --st-assigned: #a371f7;
    --st-blocked: #f85149; --st-rejected: #8b949e; --st-none: #30363d;
  }
}
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; }
header.site { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.site nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.site .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; color: var(--muted); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.crumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; margin: 0; }
.crumbs li + li::before { content: "/"; margin-right: .25rem; color: var(--muted); }
.table-wrap { position: relative; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.na { color: var(--muted); }
.tag { display: inline-block; font-size: .8rem; padding: 0 .4rem; border: 1px solid var(--line); border-radius: 1rem; color: var(--muted); }
.cards { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); padding: 0; list-style: none; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; background: var(--panel); }
.card h2 { margin: 0 0 .25rem; font-size: 1.05rem; }
svg.bar { display: block; width: 100%; height: .75rem; border-radius: 4px; background: var(--st-none); }
.legend { display: flex; flex-wrap: wrap; gap: .25rem .75rem; list-style: none; padding: 0; margin: .5rem 0 0; font-size: .9rem; }
.swatch { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin-right: .3rem; vertical-align: middle; }
.st-completed { fill: var(--st-completed); background: var(--st-completed); }
.st-accepted { fill: var(--st-accepted); background: var(--st-accepted); }
.st-incomplete { fill: var(--st-incomplete); background: var(--st-incomplete); }
.st-assigned { fill: var(--st-assigned); background: var(--st-assigned); }
.st-blocked { fill: var(--st-blocked); background: var(--st-blocked); }
.st-rejected { fill: var(--st-rejected); background: var(--st-rejected); }
.st-none { fill: var(--st-none); background: var(--st-none); }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
label { display: block; font-weight: 600; }
input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--muted); border-radius: 4px; padding: .3rem .5rem; max-width: 100%; }
button { cursor: pointer; background: var(--panel); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
@media (prefers-color-scheme: dark) { button.primary, button.danger { color: #0d1117; } }
button.link { border: none; background: none; color: var(--link); text-decoration: underline; padding: 0; }
.notice { border: 1px solid var(--accent); border-radius: 6px; padding: .75rem; margin: 1rem 0; background: var(--panel); }
.error { border-color: var(--danger); }
code.secret { display: block; overflow-wrap: anywhere; padding: .5rem; border: 1px dashed var(--line); margin: .5rem 0; }
ul.plain { list-style: none; padding: 0; margin: 0; }
.req { border-bottom: 1px solid var(--line); padding: .75rem 0; }
.req h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
.req ul.refs { margin: .25rem 0; padding-left: 1.25rem; overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
