import { describe, expect, it } from 'vitest'
import type { Chart } from '../api/types'
import * as o from './options'
import { channelOption, last, lifecycleOption, memberGrowthOption, retentionOption, rfmCells, rfmOption, streakOption, taskStoresOption, total } from './options'

const members: Chart = {
  from: '2026-03-01', to: '2026-03-03', days: ['2026-03-01', '2026-03-02', '2026-03-03'],
  series: { new: [3, 0, 5], effective: [2, 0, 4], churned: [0, 1, 0] },
  breakdown: { channel: [{ key: 'wechat_oa', values: { new: 6 } }, { key: 'wecom', values: { new: 2 } }] },
}

describe('member growth', () => {
  it('puts days on the axis as MM-DD and new members as bars', () => {
    const o = memberGrowthOption(members) as any
    expect(o.xAxis.data).toEqual(['03-01', '03-02', '03-03'])
    expect(o.series.map((s: any) => [s.name, s.type])).toEqual([['新增会员', 'bar'], ['有效会员', 'line'], ['流失会员', 'line']])
    expect(o.series[0].data).toEqual([3, 0, 5])
  })
  it('names channels in Chinese', () => {
    const o = channelOption(members) as any
    expect(o.series[0].data).toEqual([{ name: '公众号', value: 6 }, { name: '企业微信', value: 2 }])
  })
  it('totals and last day', () => {
    expect(total(members, 'new')).toBe(8)
    expect(last(members, 'new')).toBe(5)
    expect(total(null, 'new')).toBe(0)
    expect(total(members, 'nope')).toBe(0)
  })
})

describe('lifecycle and RFM', () => {
  const lc: Chart = { from: '', to: '', days: [], series: {}, current: { 流失: 4, 新客: 10, 活跃: 7 }, week_ago: { 新客: 6 } }
  it('orders states as the lifecycle goes, with a week ago beside', () => {
    const o = lifecycleOption(lc) as any
    expect(o.xAxis.data).toEqual(['新客', '活跃', '流失'])
    expect(o.series[0].data).toEqual([10, 7, 4])
    expect(o.series[1].data).toEqual([6, 0, 0])
  })
  const rfm: Chart = { from: '', to: '', days: [], series: {}, current: { 最好会员: 5, 无消费会员: 100 }, change: { 最好会员: 2 } }
  it('lists every RFM cell in the documented order, empty ones at 0', () => {
    const cells = rfmCells({ ...rfm, current: { 无消费会员: 100, 潜力会员: 3, 最好会员: 5 } })
    expect(cells.map((c) => c.name)).toEqual(['最好会员', '重点唤回会员', '重点突破会员', '重点维护会员', '潜力会员', '一般会员', '无消费会员'])
    expect(cells).toHaveLength(7)
    expect(cells[0]).toEqual({ name: '最好会员', count: 5, change: 2 })
    expect(cells.find((c) => c.name === '一般会员')!.count).toBe(0)
  })
  it('draws the first cell at the top of the bar chart', () => {
    const o = rfmOption(rfm) as any
    expect(o.yAxis.data[o.yAxis.data.length - 1]).toBe('最好会员')
    expect(o.series[0].data[o.series[0].data.length - 1]).toBe(5)
  })
})

describe('retention, streaks, tasks', () => {
  it('shows the retention rate in percent on the second axis', () => {
    const c: Chart = { from: '', to: '', days: ['2026-03-01'], series: { new: [4], retained: [3], retention_rate: [0.75] } }
    const o = retentionOption(c) as any
    const line = o.series.find((s: any) => s.type === 'line')
    expect(line.data).toEqual([75])
    expect(line.yAxisIndex).toBe(1)
  })
  it('orders streak buckets from short to long', () => {
    const c: Chart = { from: '', to: '', days: [], series: {}, extra: { streaks: { '30+': 1, '1': 9, '4-6': 3 } } }
    const o = streakOption(c) as any
    expect(o.xAxis.data).toEqual(['1 天', '4-6 天', '30+ 天'])
    expect(o.series[0].data).toEqual([9, 3, 1])
  })
  it('sorts stores by completion, names them, and stacks done, skipped, open', () => {
    const c: Chart = { from: '', to: '', days: [], series: {}, breakdown: { store: [
      { key: 'sh001', values: { assigned: 10, done: 9, skipped: 0, open: 1, rate_permille: 900 } },
      { key: 'bj001', values: { assigned: 10, done: 2, skipped: 1, open: 7, rate_permille: 200 } },
    ] } }
    const o = taskStoresOption(c, { sh001: '上海南京路店' }) as any
    expect(o.yAxis.data).toEqual(['bj001', '上海南京路店'])
    expect(o.series.map((s: any) => s.data)).toEqual([[2, 9], [1, 0], [7, 1]])
    expect(o.series[2].label.formatter({ dataIndex: 0 })).toBe('20.0%')
  })
})

describe('sceneStatsOption', () => {
  it('draws scans as bars and the rest as lines, named in Chinese', () => {
    const c = { from: '2026-03-01', to: '2026-03-02', days: ['2026-03-01', '2026-03-02'], series: { scans: [3, 1], follows: [2, 1], adds: [0, 1], members: [2, 1] } }
    const opt = o.sceneStatsOption(c) as { series: { name: string; type: string; data: number[] }[]; xAxis: { data: string[] } }
    expect(opt.xAxis.data).toEqual(['03-01', '03-02'])
    expect(opt.series.map((x) => [x.name, x.type])).toEqual([['扫码', 'bar'], ['关注', 'line'], ['加企微', 'line'], ['带来会员', 'line']])
    expect(opt.series[0].data).toEqual([3, 1])
  })
})
