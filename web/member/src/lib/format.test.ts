import { describe, expect, it } from 'vitest'
import { monthCells, monthTitle, rulesText, shiftMonth } from './calendar'
import { groupCode, rewardBadge, rewardFacts, signed } from './format'
import type { Reward } from '../api'

describe('monthCells', () => {
  it('starts November 2026 on a Sunday, after six blanks', () => {
    const cells = monthCells('2026-11', ['2026-11-02', '2026-11-03'], '2026-11-03')
    expect(cells.length % 7).toBe(0)
    expect(cells.findIndex((c) => c.date === 1)).toBe(6)
    const checked = cells.filter((c) => c.checked).map((c) => c.date)
    expect(checked).toEqual([2, 3])
    expect(cells.find((c) => c.today)?.date).toBe(3)
    expect(cells.find((c) => c.date === 4)?.future).toBe(true)
  })
  it('knows leap February', () => {
    expect(monthCells('2028-02', [], '2028-02-01').filter((c) => c.date).length).toBe(29)
  })
})

describe('months', () => {
  it('shifts across years', () => {
    expect(shiftMonth('2026-01', -1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
    expect(monthTitle('2026-03')).toBe('2026年3月')
  })
})

const reward = (over: Partial<Reward>): Reward => ({
  id: 1, name: '帆布袋', description: '', image_url: '', kind: 'coupon', points_cost: 300, stock: 5,
  per_member_limit: 0, left: -1, min_level: '', sale_start: null, sale_end: null, state: 'ok', short: 0, ...over,
})

describe('rewards', () => {
  it('says what is missing', () => {
    expect(rewardBadge(reward({ state: 'short', short: 40 }))).toBe('还差 40 积分')
    expect(rewardBadge(reward({ state: 'level', min_level: '金卡' }))).toBe('金卡及以上可兑')
    expect(rewardBadge(reward({ state: 'soldout', stock: 0 }))).toBe('已兑完')
  })
  it('lists the facts', () => {
    expect(rewardFacts(reward({ per_member_limit: 1, min_level: '银卡' }))).toEqual(['剩 5 件', '每人限 1 件', '银卡+'])
  })
})

describe('codes and numbers', () => {
  it('groups a coupon code by four', () => {
    expect(groupCode('ABCDEFGHIJKLMNOP')).toBe('ABCD EFGH IJKL MNOP')
  })
  it('signs deltas', () => {
    expect(signed(5)).toBe('+5')
    expect(signed(-300)).toBe('-300')
  })
})

describe('rulesText', () => {
  it('states the configured rules', () => {
    expect(rulesText({ base: 5, streak_step: 1, streak_cap: 5, week_bonus: 20 })).toBe('每天签到得 5 分，连续签到每天多 1 分（最多多 5 分），每满 7 天再得 20 分')
    expect(rulesText({ base: 3, streak_step: 0, streak_cap: 0, week_bonus: 0 })).toBe('每天签到得 3 分')
  })
})
