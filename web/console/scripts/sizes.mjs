// Prints each built JavaScript and CSS file with its gzipped size, and the
// JavaScript the login page (the entry and what index.html preloads) needs.
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const dir = new URL('../dist/', import.meta.url).pathname
const assets = join(dir, 'assets')
const kb = (n) => (n / 1024).toFixed(1) + ' KB'
const rows = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f)).map((f) => {
  const b = readFileSync(join(assets, f))
  return { f, raw: b.length, gz: gzipSync(b, { level: 9 }).length }
}).sort((a, b) => b.gz - a.gz)
for (const r of rows) console.log(`${r.f.padEnd(48)} ${kb(r.raw).padStart(10)}  gzip ${kb(r.gz).padStart(9)}`)
const html = readFileSync(join(dir, 'index.html'), 'utf8')
const first = [...html.matchAll(/assets\/([^"]+\.js)/g)].map((m) => m[1])
const firstGz = rows.filter((r) => first.includes(r.f)).reduce((s, r) => s + r.gz, 0)
const totalGz = rows.filter((r) => r.f.endsWith('.js')).reduce((s, r) => s + r.gz, 0)
console.log(`\nfirst page JavaScript (${first.length} files): gzip ${kb(firstGz)} (limit 500 KB)`)
console.log(`all JavaScript: gzip ${kb(totalGz)}`)
if (firstGz > 500 * 1024) { console.error('first page JavaScript over 500 KB gzipped'); process.exit(1) }
