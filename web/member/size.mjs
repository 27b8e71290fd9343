// Prints the gzipped size of what the first load of /m/ fetches (the entry
// script, its preloaded chunks and CSS from dist/index.html), and of each
// lazily loaded page chunk.
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const html = readFileSync('dist/index.html', 'utf8')
const first = [...html.matchAll(/(?:src|href)="\/m\/(assets\/[^"]+)"/g)].map((m) => m[1])
const kb = (f) => gzipSync(readFileSync('dist/' + f)).length / 1024
let js = 0
let css = 0
for (const f of first) {
  const s = kb(f)
  if (f.endsWith('.js')) js += s
  else css += s
  console.log(`first load  ${f.padEnd(40)} ${s.toFixed(1)} KB gzip`)
}
console.log(`first load JavaScript: ${js.toFixed(1)} KB gzip (budget 200 KB); CSS: ${css.toFixed(1)} KB gzip`)
for (const f of readdirSync('dist/assets')) {
  if (f.endsWith('.js') && !first.includes('assets/' + f)) console.log(`on demand   assets/${f.padEnd(33)} ${kb('assets/' + f).toFixed(1)} KB gzip`)
}
