/** The HTML shell Vigil's pages share: one stylesheet, readable on a phone, refreshing itself. */

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60em;padding:0 .8em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em}
ul{padding:0;list-style:none}li{margin:.4em 0;padding:.5em .7em;border-radius:6px;background:#f4f4f4}
li.firing{border-left:5px solid #c62828}li.pending{border-left:5px solid #ef8f00}
.since{color:#555;margin-left:.5em}.labels code{background:#e6e6e6;padding:0 .3em;border-radius:3px;font-size:.85em;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .5em;border-bottom:1px solid #e3e3e3;vertical-align:top}
tr.firing td:first-child{border-left:5px solid #c62828}tr.resolved td:first-child{border-left:5px solid #2e7d32}
.desc{color:#555;font-size:.9em}.none{color:#777}small{color:#666}
.h-err{color:#c62828}.h-ok::marker{color:#2e7d32}summary{cursor:pointer;padding:.3em 0}`;

/** The document up to and including `<body>`; `title` must already be HTML-escaped. */
export function pageHead(title: string, refreshSeconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refreshSeconds}">
<title>${title}</title>
<style>
${STYLE}
</style></head><body>`;
}
