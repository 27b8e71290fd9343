// ECharts options for the 概览 charts, built by small pure functions from the
// HQ metrics JSON so they can be tested without a browser.
import type { Chart } from '../api/types'
import { lifecycleNames, rfmNames } from '../util/format'

/** A plain ECharts option object (kept loose: the chart component types it). */
export type Option = Record<string, unknown>

export const palette = ['#3b6ef5', '#1fb58f', '#f5a524', '#e5484d', '#8e6cf0', '#14a9c9', '#9aa4b2', '#ec6fb6']

const seriesNames: Record<string, string> = {
  new: '新增会员', effective: '有效会员', churned: '流失会员', retained: '留存', retention_rate: '留存率',
  churn_rate: '流失率', dau: '签到人数', issued: '发放', redeemed: '兑换/核销', expired: '过期',
  assigned: '已下发', done: '已完成', skipped: '已跳过', open: '未处理', overdue: '已逾期',
  scans: '扫码', follows: '关注', adds: '加企微', members: '带来会员',
}
export const seriesName = (k: string) => seriesNames[k] ?? k

const channelNames: Record<string, string> = { wechat_oa: '公众号', wecom: '企业微信', '': '未知' }
export const channelName = (k: string) => channelNames[k] ?? k

/** shortDay turns 2026-03-01 into 03-01 for the axis. */
export const shortDay = (d: string) => d.slice(5)

function base(): Option {
  return {
    color: palette,
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 24, top: 40, bottom: 32, containLabel: true },
    legend: { top: 4, right: 0, itemWidth: 12, itemHeight: 8 },
  }
}

function daySeries(c: Chart, keys: string[], type: 'line' | 'bar', unit: string, stack?: string): Option[] {
  return keys.filter((k) => c.series[k]).map((k) => ({
    name: seriesName(k), type, stack, smooth: type === 'line', showSymbol: false,
    data: c.series[k], tooltip: { valueFormatter: (v: number) => `${v} ${unit}` },
  }))
}

/** memberGrowthOption: new, effective and churned members per day. */
export function memberGrowthOption(c: Chart): Option {
  return {
    ...base(),
    xAxis: { type: 'category', data: c.days.map(shortDay) },
    yAxis: { type: 'value', name: '人', minInterval: 1 },
    series: [
      ...daySeries(c, ['new'], 'bar', '人'),
      ...daySeries(c, ['effective', 'churned'], 'line', '人'),
    ],
  }
}

/** channelOption: members joined in the range by the platform they came from. */
export function channelOption(c: Chart): Option {
  const rows = (c.breakdown?.channel ?? []).map((b) => ({ name: channelName(b.key), value: b.values.new ?? 0 }))
  return {
    color: palette,
    tooltip: { trigger: 'item', formatter: '{b}：{c} 人（{d}%）' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['45%', '70%'], center: ['50%', '45%'], data: rows, label: { formatter: '{b}\n{c} 人' } }],
  }
}

/** ordered keeps the known names in their order, then anything else. */
function ordered(known: string[], cur: Record<string, number>): string[] {
  return [...known.filter((k) => k in cur), ...Object.keys(cur).filter((k) => !known.includes(k)).sort()]
}

/** lifecycleOption: members per lifecycle state now, next to a week ago. */
export function lifecycleOption(c: Chart): Option {
  const cur = c.current ?? {}
  const keys = ordered(lifecycleNames, cur)
  return {
    ...base(),
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} 人` },
    xAxis: { type: 'category', data: keys },
    yAxis: { type: 'value', name: '人', minInterval: 1 },
    series: [
      { name: '现在', type: 'bar', data: keys.map((k) => cur[k] ?? 0), label: { show: true, position: 'top' } },
      { name: '一周前', type: 'bar', data: keys.map((k) => c.week_ago?.[k] ?? 0), itemStyle: { opacity: 0.45 } },
    ],
  }
}

/** rfmCells are the RFM cells with their member counts now, in the doc's order. */
export function rfmCells(c: Chart): { name: string; count: number; change: number }[] {
  const cur = c.current ?? {}
  const names = [...rfmNames, ...Object.keys(cur).filter((k) => !rfmNames.includes(k)).sort()]
  return names.map((n) => ({ name: n, count: cur[n] ?? 0, change: c.change?.[n] ?? 0 }))
}

/** rfmOption: a horizontal bar per RFM cell; the bar's name is the cell (clickable). */
export function rfmOption(c: Chart): Option {
  const cells = rfmCells(c).slice().reverse()
  return {
    ...base(),
    legend: undefined,
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v} 人` },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: cells.map((x) => x.name) },
    series: [{ type: 'bar', name: '会员数', data: cells.map((x) => x.count), label: { show: true, position: 'right', formatter: '{c} 人' }, cursor: 'pointer' }],
  }
}

/** retentionOption: new members per day and the share of them still reachable. */
export function retentionOption(c: Chart): Option {
  const rate = (c.series.retention_rate ?? []).map((r) => Math.round(r * 1000) / 10)
  return {
    ...base(),
    xAxis: { type: 'category', data: c.days.map(shortDay) },
    yAxis: [
      { type: 'value', name: '人', minInterval: 1 },
      { type: 'value', name: '%', max: 100, min: 0, splitLine: { show: false } },
    ],
    series: [
      ...daySeries(c, ['new', 'retained'], 'bar', '人'),
      { name: '留存率', type: 'line', yAxisIndex: 1, smooth: true, showSymbol: false, data: rate, tooltip: { valueFormatter: (v: number) => `${v}%` } },
    ],
  }
}

/** checkinsOption: members who checked in per day. */
export function checkinsOption(c: Chart): Option {
  return {
    ...base(),
    xAxis: { type: 'category', data: c.days.map(shortDay) },
    yAxis: { type: 'value', name: '人', minInterval: 1 },
    series: daySeries(c, ['dau'], 'bar', '人'),
  }
}

/** streakOption: members by their longest check-in streak in the range. */
export function streakOption(c: Chart): Option {
  const s = c.extra?.streaks ?? {}
  const order = ['1', '2-3', '4-6', '7-13', '14-29', '30+']
  const keys = [...order.filter((k) => k in s), ...Object.keys(s).filter((k) => !order.includes(k))]
  return {
    ...base(),
    legend: undefined,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} 人` },
    xAxis: { type: 'category', data: keys.map((k) => k + ' 天'), name: '连续' },
    yAxis: { type: 'value', name: '人', minInterval: 1 },
    series: [{ type: 'bar', name: '会员数', data: keys.map((k) => s[k]), label: { show: true, position: 'top' } }],
  }
}

/** pointsOption: points issued, redeemed and expired per day. */
export function pointsOption(c: Chart): Option {
  return {
    ...base(),
    xAxis: { type: 'category', data: c.days.map(shortDay) },
    yAxis: { type: 'value', name: '积分' },
    series: daySeries(c, ['issued', 'redeemed', 'expired'], 'line', '积分'),
  }
}

/** sceneStatsOption: one channel code's scans, follows, WeCom adds and members brought per day. */
export function sceneStatsOption(c: Chart): Option {
  return {
    ...base(),
    xAxis: { type: 'category', data: c.days.map(shortDay) },
    yAxis: { type: 'value', name: '次 / 人', minInterval: 1 },
    series: [...daySeries(c, ['scans'], 'bar', '次'), ...daySeries(c, ['follows', 'adds', 'members'], 'line', '')],
  }
}

/** storeName maps a store code to its name for the axis. */
export type StoreNames = Record<string, string>

/** taskStoresOption: HQ task items per store, stacked by state, with the completion rate. */
export function taskStoresOption(c: Chart, names: StoreNames = {}): Option {
  const rows = (c.breakdown?.store ?? []).slice().sort((a, b) => (a.values.rate_permille ?? 0) - (b.values.rate_permille ?? 0))
  const cats = rows.map((r) => names[r.key] || r.key)
  const stackOf = (k: string) => ({ name: seriesName(k), type: 'bar', stack: 'items', data: rows.map((r) => r.values[k] ?? 0), tooltip: { valueFormatter: (v: number) => `${v} 条` } })
  return {
    ...base(),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 56, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'value', name: '条', minInterval: 1 },
    yAxis: { type: 'category', data: cats },
    series: [
      stackOf('done'), stackOf('skipped'),
      { ...stackOf('open'), label: { show: true, position: 'right', formatter: (p: { dataIndex: number }) => `${((rows[p.dataIndex].values.rate_permille ?? 0) / 10).toFixed(1)}%` } },
    ],
  }
}

/** total sums a day series (0 when missing). */
export function total(c: Chart | null | undefined, key: string): number {
  return (c?.series[key] ?? []).reduce((s, v) => s + v, 0)
}

/** last is the last day's value of a series (today, when the range ends today). */
export function last(c: Chart | null | undefined, key: string): number {
  const s = c?.series[key] ?? []
  return s.length ? s[s.length - 1] : 0
}
