import { beforeEach, describe, expect, it, vi } from 'vitest'

// A minimal sessionStorage and fetch for the API module under node.
vi.stubGlobal('sessionStorage', { getItem: () => null, setItem: () => {}, removeItem: () => {} })
type Call = { url: string; init: RequestInit }
let calls: Call[] = []
vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
  calls.push({ url, init })
  return new Response('{}', { status: 200 })
})
const { insights } = await import('./insights')
const accept = (c: Call) => (c.init.headers as Record<string, string>).Accept

beforeEach(() => { calls = [] })

describe('insights api', () => {
  it('asks for a task effect over the chosen window, and its CSV', async () => {
    await insights.effect(7, 30)
    await insights.effectCSV(7, 30)
    expect(calls.map((c) => c.url)).toEqual(['/api/hq/tasks/7/effect?window_days=30', '/api/hq/tasks/7/effect?window_days=30&format=csv'])
    expect(accept(calls[1])).toBe('text/csv')
  })
  it('leaves empty filters out of the funnel, cohort and win-back queries', async () => {
    await insights.funnel({ from: '2026-03-01', to: '2026-03-31', scene: '', store_code: 's1' })
    await insights.cohorts({ by: 'month', channel: 'wecom' })
    await insights.winbackCSV({ from: '2026-03-01', store_code: '', window_days: 14 })
    expect(calls.map((c) => c.url)).toEqual([
      '/api/hq/metrics/funnel?from=2026-03-01&to=2026-03-31&store_code=s1',
      '/api/hq/metrics/cohorts?by=month&channel=wecom',
      '/api/hq/metrics/winback?format=csv&from=2026-03-01&window_days=14',
    ])
  })
})
