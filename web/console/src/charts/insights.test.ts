import { describe, expect, it } from 'vitest'
import type { Cohorts, Effect, EffectGroup, Interval, Winback } from '../api/insights'
import * as ci from './insights'

const iv = (diff: number, lo: number, hi: number, extra: Partial<Interval> = {}): Interval =>
  ({ diff, ci_low: lo, ci_high: hi, se: 0, too_small: false, significant: lo > 0 || hi < 0, note: '', ...extra })
const small: Interval = { diff: 0, ci_low: 0, ci_high: 0, se: 0, too_small: true, significant: false, note: '样本太小，无法判断' }
const group = (members: number, rates: Record<string, number>): EffectGroup =>
  ({ members, ordered: 0, orders: 0, revenue_fen: 0, checked_in: 0, redeemed: 0, used_coupon: 0, unfollowed: 0, deleted_guide: 0, rates })

// The example of docs/effect.md: 800 treated, 200 control, order rate 25 % vs 10 %.
const effect: Effect = {
  task_id: 7, kind: 'message', window_days: 14, holdout_percent: 20, dispatched_at: '', window_end: '', complete: true,
  causal: true, too_small: false, summary: '',
  treated: group(800, { order_rate: 0.25, checkin_rate: 0.1, revenue_per_member_fen: 2500 }),
  control: group(200, { order_rate: 0.1, checkin_rate: 0.12, revenue_per_member_fen: 1000 }),
  uplift: {
    order_rate: iv(0.15, 0.097, 0.203), checkin_rate: iv(-0.02, -0.07, 0.03), redeem_rate: small,
    unfollow_rate: iv(0.02, 0.005, 0.035), guide_deleted_rate: small, revenue_per_member_fen: iv(1500, 1020.5, 1979.5),
  },
  stores: [],
}

describe('interval texts', () => {
  it('shows a rate uplift in percentage points with its 95 % interval', () => {
    expect(ci.ciText(effect.uplift.order_rate, 'order_rate')).toBe('+15.0 个百分点（95% 置信区间 +9.7 ~ +20.3）')
    expect(ci.ciText(iv(-0.02, -0.07, 0.03), 'checkin_rate')).toBe('−2.0 个百分点（95% 置信区间 −7.0 ~ +3.0）')
  })
  it('shows the revenue uplift in yuan per member', () => {
    expect(ci.ciText(effect.uplift.revenue_per_member_fen, ci.REVENUE)).toBe('+¥15.00（95% 置信区间 +¥10.21 ~ +¥19.80）')
    expect(ci.yuanDiff(-250)).toBe('−¥2.50')
  })
  it('says plainly when the groups are too small, with no interval', () => {
    expect(ci.ciText(small, 'redeem_rate')).toBe('样本太小，无法判断')
    expect(ci.ciText(undefined, 'redeem_rate')).toBe('—')
    expect(ci.verdictTag(small, 'redeem_rate')).toEqual({ label: '样本太小', type: 'warning' })
  })
  it('judges by whether the interval holds 0, and a rise in unfollows is bad news', () => {
    expect(ci.verdictTag(effect.uplift.order_rate, 'order_rate')).toEqual({ label: '显著上升', type: 'success' })
    expect(ci.verdictTag(effect.uplift.checkin_rate, 'checkin_rate')).toEqual({ label: '差异不显著', type: 'info' })
    expect(ci.verdictTag(effect.uplift.unfollow_rate, 'unfollow_rate')).toEqual({ label: '显著上升', type: 'danger' })
    expect(ci.verdictTag(iv(-0.05, -0.08, -0.02), 'order_rate')).toEqual({ label: '显著下降', type: 'danger' })
  })
})

describe('effect tables', () => {
  it('lists the measures of a message task without coupon use, revenue last', () => {
    expect(ci.measuresOf(effect).map((m) => m.key)).toEqual(['order_rate', 'checkin_rate', 'redeem_rate', 'unfollow_rate', 'guide_deleted_rate', ci.REVENUE])
    expect(ci.measuresOf({ ...effect, kind: 'coupon' }).map((m) => m.key)).toContain('coupon_use_rate')
  })
  it('compares treated and control per measure', () => {
    const rows = ci.compareRows(effect)
    expect(rows[0]).toMatchObject({ name: '下单率', treated: '25.0%', control: '10.0%', tag: { label: '显著上升' } })
    expect(rows.at(-1)).toMatchObject({ name: '人均消费', treated: '¥25.00', control: '¥10.00' })
    expect(ci.rateText(group(0, {}), 'order_rate')).toBe('—')
  })
  it('shows before and after for a task without a holdout', () => {
    const e: Effect = { ...effect, causal: false, before_after: {
      note: '', before: group(500, { order_rate: 0.2, revenue_per_member_fen: 3000 }), after: group(500, { order_rate: 0.26, revenue_per_member_fen: 2800 }),
      change: { order_rate: 0.06, revenue_per_member_fen: -200 },
    } }
    const rows = ci.beforeAfterRows(e)
    expect(rows[0]).toEqual({ name: '下单率', before: '20.0%', after: '26.0%', change: '+6.0 个百分点' })
    expect(rows.at(-1)).toEqual({ name: '人均消费', before: '¥30.00', after: '¥28.00', change: '−¥2.00' })
    expect(ci.beforeAfterRows(effect)).toEqual([])
  })
})

describe('interval chart', () => {
  it('plots only measures with an interval, in display units', () => {
    const pts = ci.intervalPoints(effect.uplift, ci.measuresOf(effect).filter((m) => m.key !== ci.REVENUE))
    expect(pts).toEqual([
      { name: '下单率', diff: 15, low: 9.7, high: 20.3, tag: 'up' },
      { name: '签到率', diff: -2, low: -7, high: 3, tag: 'flat' },
      { name: '取关率', diff: 2, low: 0.5, high: 3.5, tag: 'up' },
    ])
    expect(ci.intervalPoints(effect.uplift, [{ key: ci.REVENUE, name: '人均消费' }])[0]).toMatchObject({ diff: 15, low: 10.21, high: 19.8 })
  })
  it('draws whiskers around a symmetric axis with a line at 0', () => {
    const pts = ci.intervalPoints(effect.uplift, [{ key: 'order_rate', name: '下单率' }, { key: 'checkin_rate', name: '签到率' }])
    const o = ci.intervalOption(pts, '个百分点') as any
    expect(o.yAxis.data).toEqual(['签到率', '下单率']) // first measure at the top
    expect(o.series[0].data.map((d: any) => d.value)).toEqual([[-7, 3, -2, 0], [9.7, 20.3, 15, 1]])
    expect(o.xAxis.min).toBe(-o.xAxis.max)
    expect(o.xAxis.max).toBe(50) // 20.3 × 1.1 rounded up to a nice bound
    expect([ci.niceCeil(0.11), ci.niceCeil(3), ci.niceCeil(12), ci.niceCeil(1)]).toEqual([0.2, 5, 20, 1])
    expect(o.series[0].markLine.data).toEqual([{ xAxis: 0 }])
  })
  it('renders a whisker from low to high with the dot at the estimate', () => {
    const vals = [1, 3, 2, 0]
    const g = ci.renderInterval(null, { value: (i) => vals[i], coord: ([x, y]) => [x * 10, y * 10], size: () => [0, 0], visual: () => '#000' }) as any
    expect(g.children[0].shape).toMatchObject({ x1: 10, x2: 30 })
    expect(g.children[3].shape).toMatchObject({ cx: 20 })
  })
})

describe('funnel', () => {
  const steps = [
    { step: 'acquisition', count: 1000, rate: 1 },
    { step: 'activation', count: 420, from: 'acquisition', rate: 0.42 },
    { step: 'retention', count: 210, from: 'activation', rate: 0.5 },
    { step: 'revenue_first', count: 300, from: 'acquisition', rate: 0.3 },
    { step: 'revenue_repeat', count: 90, from: 'revenue_first', rate: 0.3 },
    { step: 'referral', count: 12, from: 'acquisition', rate: 0.012 },
  ]
  it('labels each step in Chinese with the step it converts from', () => {
    expect(ci.conversionText(steps[0])).toBe('起点')
    expect(ci.conversionText(steps[2])).toBe('占激活 50.0%')
    expect(ci.conversionText(steps[5])).toBe('占获客 1.2%')
    const o = ci.funnelOption({ steps }) as any
    expect(o.series[0].sort).toBe('none') // AARRR order, not by size
    expect(o.series[0].data.map((d: any) => d.name)).toEqual(['获客', '激活', '留存', '首单', '复购', '推荐'])
    expect(o.series[0].max).toBe(1000)
  })
  it('turns per-scene funnels into rows, the biggest first', () => {
    const rows = ci.funnelTableRows([{ key: 'a', steps: steps.map((s) => ({ ...s, count: s.count / 10 })) }, { key: '', steps }])
    expect(rows.map((r) => r.name)).toEqual(['（无）', 'a'])
    expect(rows[0]).toMatchObject({ acquisition: 1000, acquisition_rate: 1, activation: 420, activation_rate: 0.42, referral_rate: 0.012 })
  })
})

describe('cohort heatmap', () => {
  const c: Cohorts = {
    from: '2026-03-02', to: '2026-03-15', by: 'week', periods: ['2026-03-02', '2026-03-09', '2026-03-16'],
    cohorts: [
      { period: '2026-03-02', size: 4, active: [4, 2, 1], active_rate: [1, 0.5, 0.25], ordering: [1, 1, 0], ordering_rate: [0.25, 0.25, 0] },
      { period: '2026-03-09', size: 3, active: [3, 1], active_rate: [1, 1 / 3], ordering: [0, 1], ordering_rate: [0, 1 / 3] },
    ],
  }
  it('puts the newest cohort at the top and leaves the cells not reached out (the triangle)', () => {
    const h = ci.cohortHeatmap(c, 'active')
    expect(h.x).toEqual(['第 0 周', '第 1 周', '第 2 周'])
    expect(h.y).toEqual(['2026-03-09（3 人）', '2026-03-02（4 人）'])
    expect(h.cells).toEqual([[0, 0, 100], [1, 0, 33.3], [0, 1, 100], [1, 1, 50], [2, 1, 25]])
    expect(h.counts).toEqual([[3, 1], [4, 2, 1]])
  })
  it('shapes the ordering share by month the same way', () => {
    const h = ci.cohortHeatmap({ ...c, by: 'month' }, 'ordering')
    expect(h.x[1]).toBe('第 1 月')
    expect(h.cells).toContainEqual([1, 0, 33.3])
    const o = ci.heatmapOption(h, '下单') as any
    expect(o.visualMap.max).toBe(34)
    expect(o.series[0].data).toBe(h.cells)
  })
  it('is empty without cohorts', () => {
    expect(ci.cohortHeatmap({ by: 'week', cohorts: [] }, 'active')).toEqual({ x: [], y: [], cells: [], counts: [] })
  })
})

describe('wizard holdout', () => {
  it('defaults to 10 % from an RFM cell and takes a valid ?holdout=', () => {
    expect(ci.initialHoldout('', true)).toBe(10)
    expect(ci.initialHoldout('', false)).toBe(0)
    expect(ci.initialHoldout('20', false)).toBe(20)
    expect(ci.initialHoldout('0', true)).toBe(0)
    expect(ci.initialHoldout('60', true)).toBe(10)
    expect(ci.initialHoldout('5.5', false)).toBe(0)
  })
})

describe('win-back', () => {
  // A mocked answer in the shape of CONTRACT.md's win-back section.
  const w: Winback = {
    from: '2026-03-01', to: '2026-03-31', by: 'week', store_code: '', window_days: 14,
    states: [
      { state: '睡眠', lapsed: 50, came_back: 5, rate: 0.1, targeted: 20, targeted_came_back: 4, targeted_rate: 0.2 },
      { state: '沉默', lapsed: 120, came_back: 30, rate: 0.25, targeted: 40, targeted_came_back: 15, targeted_rate: 0.375 },
    ],
    returns: [{ period: '2026-02-23', total: 5, by_state: { 沉默: 3, 睡眠: 1, 流失: 1 }, after_task: 2 }, { period: '2026-03-02', total: 0, by_state: {}, after_task: 0 }],
    stores: [{ store_code: 's001', returned: 12, states: [] }],
    tasks: [
      { task_id: 7, title: '召回', kind: 'coupon', dispatched_at: '', holdout_percent: 10, causal: true, too_small: false,
        treated: { members: 800, came_back: 120, rate: 0.15 }, control: { members: 90, came_back: 8, rate: 0.0889 },
        uplift: iv(0.061, 0.003, 0.119) },
      { task_id: 8, title: '无对照', kind: 'message', dispatched_at: '', holdout_percent: 0, causal: false, too_small: true,
        treated: { members: 100, came_back: 10, rate: 0.1 }, control: { members: 0, came_back: 0, rate: 0 }, uplift: small },
    ],
  }
  it('orders the states from 沉默 to 流失 and fills the missing one with zeros', () => {
    const s = ci.winbackStates(w)
    expect(s.map((x) => x.state)).toEqual(['沉默', '睡眠', '流失'])
    expect(s[2]).toMatchObject({ lapsed: 0, came_back: 0 })
  })
  it('stacks the returns by the state left, with the ones after a task as a line', () => {
    const o = ci.winbackReturnsOption(w) as any
    expect(o.xAxis.data).toEqual(['02-23 周', '03-02 周'])
    expect(o.series.map((s: any) => s.data)).toEqual([[3, 0], [1, 0], [1, 0], [2, 0]])
  })
  it('gives each task its came-back rates and uplift, non-causal without a holdout', () => {
    const [a, b] = ci.winbackTaskRows(w)
    expect(a.treatedText).toBe('15.0%（120/800）')
    expect(a.controlText).toBe('8.9%（8/90）')
    expect(a.upliftText).toBe('+6.1 个百分点（95% 置信区间 +0.3 ~ +11.9）')
    expect(a.tag).toEqual({ label: '显著上升', type: 'success' })
    expect([b.controlText, b.tag.label]).toEqual(['无对照组', '非因果'])
  })
})
