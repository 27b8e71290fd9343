// Pure shaping for the effect tab, the funnel and the cohort pages: labels,
// interval texts and ECharts options from the API's JSON, testable without a
// browser.
import type { Cohorts, Effect, EffectGroup, Funnel, FunnelStep, Interval, Winback, WinbackState } from '../api/insights'
import { palette, type Option } from './options'

/** Rate measures of an effect report, in the order shown, with their names. */
export const rateMeasures: { key: string; name: string; count: keyof EffectGroup }[] = [
  { key: 'order_rate', name: '下单率', count: 'ordered' },
  { key: 'checkin_rate', name: '签到率', count: 'checked_in' },
  { key: 'redeem_rate', name: '积分兑换率', count: 'redeemed' },
  { key: 'coupon_use_rate', name: '用券率', count: 'used_coupon' },
  { key: 'unfollow_rate', name: '取关率', count: 'unfollowed' },
  { key: 'guide_deleted_rate', name: '删导购率', count: 'deleted_guide' },
]
/** Measures where a rise is bad news (shown in red when significant). */
export const badWhenUp = new Set(['unfollow_rate', 'guide_deleted_rate'])
export const REVENUE = 'revenue_per_member_fen'

const signed = (v: number, digits: number) => (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v).toFixed(digits)

/** pp shows a difference of two rates in percentage points: +1.5 个百分点. */
export function pp(diff: number, digits = 1): string {
  return `${signed(diff * 100, digits)} 个百分点`
}

/** yuanDiff shows a difference in fen as yuan: +¥1.23. */
export function yuanDiff(fen: number): string {
  const s = signed(fen / 100, 2)
  return s[0] + '¥' + s.slice(1)
}

/** ciText is an uplift with its 95 % interval, or why there is none. */
export function ciText(iv: Interval | undefined, measure: string): string {
  if (!iv) return '—'
  if (iv.too_small) return iv.note || '样本太小，无法判断'
  const f = measure === REVENUE ? yuanDiff : (v: number) => signed(v * 100, 1)
  const unit = measure === REVENUE ? '' : ' 个百分点'
  return `${f(iv.diff)}${unit}（95% 置信区间 ${f(iv.ci_low)} ~ ${f(iv.ci_high)}）`
}

export type Verdict = 'up' | 'down' | 'flat' | 'unknown'

/** verdict: significant up, significant down, no clear difference, or too small to tell. */
export function verdict(iv: Interval | undefined): Verdict {
  if (!iv || iv.too_small) return 'unknown'
  if (iv.ci_low > 0) return 'up'
  if (iv.ci_high < 0) return 'down'
  return 'flat'
}

/** verdictTag is the label and Element Plus tag type of a verdict for a measure. */
export function verdictTag(iv: Interval | undefined, measure: string): { label: string; type: 'success' | 'danger' | 'info' | 'warning' } {
  const v = verdict(iv)
  if (v === 'unknown') return { label: '样本太小', type: 'warning' }
  if (v === 'flat') return { label: '差异不显著', type: 'info' }
  const good = (v === 'up') !== badWhenUp.has(measure)
  return { label: v === 'up' ? '显著上升' : '显著下降', type: good ? 'success' : 'danger' }
}

/** The measures a report has, rates first then revenue (coupon use only for coupon pushes). */
export function measuresOf(e: Pick<Effect, 'uplift' | 'kind'>): { key: string; name: string }[] {
  const rates = rateMeasures.filter((m) => m.key !== 'coupon_use_rate' || e.kind === 'coupon' || m.key in e.uplift)
  return [...rates.map(({ key, name }) => ({ key, name })), { key: REVENUE, name: '人均消费' }]
}

/** A row of the treated-vs-control table. */
export interface CompareRow { key: string; name: string; treated: string; control: string; uplift: string; tag: { label: string; type: string } }

/** rateText shows a group's figure for a measure: a share, or yuan per member. */
export function rateText(g: EffectGroup | undefined, key: string): string {
  if (!g || !g.members) return '—'
  const v = g.rates?.[key] ?? 0
  return key === REVENUE ? '¥' + (v / 100).toFixed(2) : (v * 100).toFixed(1) + '%'
}

/** compareRows builds the treated-vs-control table of a report (or of one store). */
export function compareRows(e: Pick<Effect, 'uplift' | 'kind' | 'treated' | 'control'>): CompareRow[] {
  return measuresOf(e).map(({ key, name }) => ({
    key, name, treated: rateText(e.treated, key), control: rateText(e.control, key),
    uplift: ciText(e.uplift[key], key), tag: verdictTag(e.uplift[key], key),
  }))
}

/** beforeAfterRows compares the targeted members before and after dispatch (not causal). */
export function beforeAfterRows(e: Pick<Effect, 'kind' | 'uplift' | 'before_after'>): { name: string; before: string; after: string; change: string }[] {
  const ba = e.before_after
  if (!ba) return []
  return measuresOf(e).map(({ key, name }) => {
    const ch = ba.change[key] ?? (ba.after.rates?.[key] ?? 0) - (ba.before.rates?.[key] ?? 0)
    return { name, before: rateText(ba.before, key), after: rateText(ba.after, key), change: key === REVENUE ? yuanDiff(ch) : pp(ch) }
  })
}

/** A point of the interval chart: diff and interval in display units. */
export interface IntervalPoint { name: string; diff: number; low: number; high: number; tag: Verdict }

/** intervalPoints are the measures with an interval, in percentage points (rates) or yuan (revenue). */
export function intervalPoints(uplift: Record<string, Interval>, measures: { key: string; name: string }[]): IntervalPoint[] {
  const out: IntervalPoint[] = []
  for (const m of measures) {
    const iv = uplift[m.key]
    if (!iv || iv.too_small) continue
    const k = m.key === REVENUE ? 0.01 : 100
    const r = (v: number) => Math.round(v * k * 100) / 100
    out.push({ name: m.name, diff: r(iv.diff), low: r(iv.ci_low), high: r(iv.ci_high), tag: verdict(iv) })
  }
  return out
}

const verdictColor: Record<Verdict, string> = { up: '#1fb58f', down: '#e5484d', flat: '#8a94a6', unknown: '#f5a524' }

/**
 * intervalOption draws each uplift as a point with its 95 % interval as a
 * horizontal whisker, and a line at 0 (no difference). A custom series: the
 * data item is [low, high, diff, row].
 */
export function intervalOption(points: IntervalPoint[], unit: string): Option {
  const rows = points.slice().reverse()
  const bound = niceCeil(Math.max(0.1, ...rows.flatMap((p) => [Math.abs(p.low), Math.abs(p.high)])) * 1.1)
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: { value: number[] } }) => {
        const [lo, hi, d, i] = p.data.value
        return `${rows[i].name}<br/>差 ${d > 0 ? '+' : ''}${d} ${unit}<br/>95% 置信区间 ${lo} ~ ${hi}`
      },
    },
    grid: { left: 8, right: 24, top: 16, bottom: 28, containLabel: true },
    xAxis: { type: 'value', name: unit, nameLocation: 'middle', nameGap: 24, min: -bound, max: bound, axisLabel: { formatter: (v: number) => (v > 0 ? '+' : '') + round2(v) } },
    yAxis: { type: 'category', data: rows.map((p) => p.name), axisTick: { show: false } },
    series: [{
      type: 'custom',
      name: '提升',
      renderItem: renderInterval,
      encode: { x: [0, 1, 2], y: 3 },
      data: rows.map((p, i) => ({ value: [p.low, p.high, p.diff, i], itemStyle: { color: verdictColor[p.tag] } })),
      markLine: { silent: true, symbol: 'none', lineStyle: { color: '#1f2633', type: 'dashed' }, label: { formatter: '无差异' }, data: [{ xAxis: 0 }] },
    }],
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100

/** niceCeil rounds up to 1, 2 or 5 times a power of ten, for an axis bound. */
export function niceCeil(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)))
  const m = [1, 2, 5, 10].find((k) => k * p >= v - 1e-9) ?? 10
  return round2(m * p)
}

interface RenderAPI { value(i: number): number; coord(v: number[]): number[]; size(v: number[]): number[]; visual(k: string): string }
/** renderInterval draws one whisker with end caps and a dot at the estimate. */
export function renderInterval(_: unknown, api: RenderAPI) {
  const y = api.value(3)
  const lo = api.coord([api.value(0), y]), hi = api.coord([api.value(1), y]), mid = api.coord([api.value(2), y])
  const cap = 7
  const color = api.visual('color')
  const style = { stroke: color, lineWidth: 2 }
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
      { type: 'line', shape: { x1: lo[0], y1: lo[1] - cap, x2: lo[0], y2: lo[1] + cap }, style },
      { type: 'line', shape: { x1: hi[0], y1: hi[1] - cap, x2: hi[0], y2: hi[1] + cap }, style },
      { type: 'circle', shape: { cx: mid[0], cy: mid[1], r: 5 }, style: { fill: color } },
    ],
  }
}

// ---- funnel ----

export const stepNames: Record<string, string> = {
  acquisition: '获客', activation: '激活', retention: '留存', revenue_first: '首单', revenue_repeat: '复购', referral: '推荐',
}
export const stepHints: Record<string, string> = {
  acquisition: '所选日期内关注公众号或添加导购企微',
  activation: '加入后 7 天内签到或下单',
  retention: '激活后，第 7～35 天内再次签到或下单',
  revenue_first: '加入后 35 天内下单',
  revenue_repeat: '35 天内下单两次及以上',
  referral: '35 天内邀请来新会员',
}
export const stepName = (s: string) => stepNames[s] ?? s

/** conversionText says what share of which step a step converts from. */
export function conversionText(s: FunnelStep): string {
  if (!s.from) return '起点'
  return `占${stepName(s.from)} ${(s.rate * 100).toFixed(1)}%`
}

/** funnelOption draws the AARRR steps as a funnel, labelled with counts and conversion. */
export function funnelOption(f: Pick<Funnel, 'steps'>): Option {
  const data = f.steps.map((s) => ({ name: stepName(s.step), value: s.count, conv: conversionText(s) }))
  const max = Math.max(1, ...f.steps.map((s) => s.count))
  return {
    color: palette,
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; data: { conv: string } }) => `${p.name}：${p.value} 人<br/>${p.data.conv}` },
    series: [{
      type: 'funnel', sort: 'none', left: '8%', right: '34%', top: 12, bottom: 12, min: 0, max, minSize: '8%', gap: 3,
      label: { show: true, position: 'right', formatter: (p: { name: string; value: number; data: { conv: string } }) => `{b|${p.name}} ${p.value} 人  {c|${p.data.conv}}`, rich: { b: { fontWeight: 'bold' }, c: { color: '#5b6478' } } },
      labelLine: { show: true, length: 16 },
      data,
    }],
  }
}

/** funnelTableRows turns per-scene (or channel) funnels into table rows with one column per step. */
export function funnelTableRows(rows: { key: string; steps: FunnelStep[] }[], name: (k: string) => string = (k) => k || '（无）') {
  return rows.map((r) => {
    const row: Record<string, string | number> = { key: r.key, name: name(r.key) }
    for (const s of r.steps) {
      row[s.step] = s.count
      row[s.step + '_rate'] = s.from ? s.rate : 1
    }
    return row
  }).sort((a, b) => Number(b.acquisition ?? 0) - Number(a.acquisition ?? 0))
}

// ---- cohorts ----

/** periodLabel names the k-th period after joining: 第 0 周 (the joining week). */
export const periodLabel = (by: string, k: number) => `第 ${k} ${by === 'month' ? '月' : '周'}`

/** A heatmap's data: cells [x = periods since joining, y = cohort row, value = % or null]. */
export interface Heatmap { x: string[]; y: string[]; cells: [number, number, number][]; counts: number[][] }

/**
 * cohortHeatmap shapes the cohort triangle for a heatmap: one row per
 * cohort (newest at the top), one column per period since joining, the
 * value the share active (or ordering) in percent; cells a cohort has not
 * reached yet are left out, which draws the triangle.
 */
export function cohortHeatmap(c: Pick<Cohorts, 'by' | 'cohorts'>, metric: 'active' | 'ordering'): Heatmap {
  const rows = c.cohorts.slice().reverse()
  const width = Math.max(0, ...rows.map((r) => r[metric].length))
  const cells: [number, number, number][] = []
  rows.forEach((r, yi) => {
    const rates = metric === 'active' ? r.active_rate : r.ordering_rate
    rates.forEach((v, k) => cells.push([k, yi, Math.round(v * 1000) / 10]))
  })
  return {
    x: Array.from({ length: width }, (_, k) => periodLabel(c.by, k)),
    y: rows.map((r) => `${r.period}（${r.size} 人）`),
    cells,
    counts: rows.map((r) => r[metric]),
  }
}

/** heatmapOption draws a cohort heatmap, with each cell's share printed in it. */
export function heatmapOption(h: Heatmap, what: string): Option {
  const max = Math.max(1, ...h.cells.map((c) => c[2]))
  return {
    tooltip: {
      position: 'top',
      formatter: (p: { value: [number, number, number] }) => {
        const [x, y, v] = p.value
        return `${h.y[y]}<br/>${h.x[x]}：${what} ${v}%（${h.counts[y]?.[x] ?? 0} 人）`
      },
    },
    grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
    xAxis: { type: 'category', data: h.x, position: 'top', splitArea: { show: true } },
    yAxis: { type: 'category', data: h.y, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.ceil(max), calculable: true, orient: 'horizontal', left: 'center', bottom: 4, itemHeight: 200, text: [`${Math.ceil(max)}%`, '0%'], inRange: { color: ['#eef3ff', '#9db5fa', '#3b6ef5', '#1d3fa8'] } },
    series: [{ type: 'heatmap', name: what, data: h.cells, label: { show: true, formatter: (p: { value: number[] }) => p.value[2] + '%', fontSize: 11 }, emphasis: { itemStyle: { borderColor: '#1f2633', borderWidth: 1 } } }],
  }
}

// ---- the task wizard's holdout ----

/** The default holdout when a task starts from an RFM cell (issue 14). */
export const DEFAULT_HOLDOUT = 10

/**
 * initialHoldout is the wizard's starting holdout percent: the link's
 * ?holdout= when it is a whole number 0–50, else 10 % for a task made from
 * an RFM cell, else none.
 */
export function initialHoldout(param: string, fromRFM: boolean): number {
  if (/^\d{1,2}$/.test(param) && Number(param) <= 50) return Number(param)
  return fromRFM ? DEFAULT_HOLDOUT : 0
}

// ---- win-back ----

/** The lapsed states in the order of how far gone a member is. */
export const lapsedStates = ['沉默', '睡眠', '流失']
const stateColors: Record<string, string> = { 沉默: '#f5a524', 睡眠: '#8e6cf0', 流失: '#e5484d' }

/** winbackStates puts the answer's states in the usual order, with zero rows for missing ones. */
export function winbackStates(w: Pick<Winback, 'states'>): WinbackState[] {
  const zero = (state: string): WinbackState => ({ state, lapsed: 0, came_back: 0, rate: 0, targeted: 0, targeted_came_back: 0, targeted_rate: 0 })
  const by = new Map(w.states.map((s) => [s.state, s]))
  return [...lapsedStates.map((s) => by.get(s) ?? zero(s)), ...w.states.filter((s) => !lapsedStates.includes(s.state))]
}

/** winbackReturnsOption: moves back to 活跃 per period, stacked by the state left, and how many followed a task. */
export function winbackReturnsOption(w: Pick<Winback, 'by' | 'returns'>): Option {
  const label = (p: string) => (w.by === 'week' ? p.slice(5) + ' 周' : p.slice(5))
  return {
    color: palette,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} 人` },
    legend: { top: 4, right: 0, itemWidth: 12, itemHeight: 8 },
    grid: { left: 48, right: 24, top: 40, bottom: 32, containLabel: true },
    xAxis: { type: 'category', data: w.returns.map((r) => label(r.period)) },
    yAxis: { type: 'value', name: '人', minInterval: 1 },
    series: [
      ...lapsedStates.map((s) => ({ name: '从' + s + '回来', type: 'bar', stack: 'back', itemStyle: { color: stateColors[s] }, data: w.returns.map((r) => r.by_state?.[s] ?? 0) })),
      { name: '其中任务后回来', type: 'line', smooth: true, itemStyle: { color: '#3b6ef5' }, data: w.returns.map((r) => r.after_task) },
    ],
  }
}

/** winbackTaskRows: per HQ task, came-back rates of treated and control and the uplift's text. */
export function winbackTaskRows(w: Pick<Winback, 'tasks'>) {
  return w.tasks.map((t) => ({
    ...t,
    treatedText: `${(t.treated.rate * 100).toFixed(1)}%（${t.treated.came_back}/${t.treated.members}）`,
    controlText: t.causal ? `${(t.control.rate * 100).toFixed(1)}%（${t.control.came_back}/${t.control.members}）` : '无对照组',
    upliftText: t.causal ? ciText(t.uplift, 'came_back_rate') : '没有对照组，无法判断',
    tag: t.causal ? verdictTag(t.uplift, 'came_back_rate') : { label: '非因果', type: 'warning' as const },
  }))
}
