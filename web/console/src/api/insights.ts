// The "did it work" reads (issue 14): a task's effect, the AARRR funnel,
// cohort retention, win-back and coupon template stats. Kept beside index.ts
// so the pages that use them load them with their own chunk.
import { getJSON, sendRequest } from './index'

/** One group's counts and per-member rates in an effect window. */
export interface EffectGroup {
  members: number
  ordered: number
  orders: number
  revenue_fen: number
  checked_in: number
  redeemed: number
  used_coupon: number
  unfollowed: number
  deleted_guide: number
  rates: Record<string, number>
}

/** The uplift of one measure, treated − control, with its 95 % interval. */
export interface Interval {
  diff: number
  ci_low: number
  ci_high: number
  se: number
  df?: number
  too_small: boolean
  significant: boolean
  note: string
}

export interface StoreEffect {
  store_code: string
  treated: EffectGroup
  control: EffectGroup
  uplift: Record<string, Interval>
  too_small: boolean
}

export interface BeforeAfter {
  note: string
  before: EffectGroup
  after: EffectGroup
  change: Record<string, number>
}

/** GET /api/hq/tasks/{id}/effect (docs/effect.md). */
export interface Effect {
  task_id: number
  kind: string
  window_days: number
  holdout_percent: number
  dispatched_at: string
  window_end: string
  complete: boolean
  causal: boolean
  too_small: boolean
  summary: string
  treated: EffectGroup
  control: EffectGroup
  uplift: Record<string, Interval>
  stores: StoreEffect[]
  before_after?: BeforeAfter
}

export interface FunnelStep { step: string; count: number; from?: string; rate: number }
export interface FunnelRow { key: string; steps: FunnelStep[] }
export interface Funnel {
  from: string
  to: string
  scene?: string
  store_code?: string
  activation_days: number
  retention_days: number
  steps: FunnelStep[]
  by_scene: FunnelRow[]
  by_channel: FunnelRow[]
}

export interface Cohort {
  period: string
  size: number
  active: number[]
  active_rate: number[]
  ordering: number[]
  ordering_rate: number[]
}
export interface Cohorts { from: string; to: string; by: 'week' | 'month'; channel?: string; periods: string[]; cohorts: Cohort[] }

export interface CouponTemplateStat {
  template_id: number
  name: string
  channel: string
  issued: number
  used: number
  use_rate: number
  revenue_fen: number
}

/** One lapsed state's win-back counts (CONTRACT.md, win-back). */
export interface WinbackState {
  state: string
  lapsed: number
  came_back: number
  rate: number
  targeted: number
  targeted_came_back: number
  targeted_rate: number
}
export interface WinbackReturn { period: string; total: number; by_state: Record<string, number>; after_task: number }
export interface WinbackGroup { members: number; came_back: number; rate: number }
export interface WinbackTask {
  task_id: number
  title: string
  kind: string
  dispatched_at: string
  holdout_percent: number
  causal: boolean
  too_small: boolean
  treated: WinbackGroup
  control: WinbackGroup
  uplift: Interval
}
/** GET /api/hq/metrics/winback. */
export interface Winback {
  from: string
  to: string
  by: 'week' | 'day'
  store_code: string
  window_days: number
  states: WinbackState[]
  returns: WinbackReturn[]
  stores: { store_code: string; returned: number; states: WinbackState[] }[]
  tasks: WinbackTask[]
}
export interface WinbackQuery { from?: string; to?: string; store_code?: string; by?: 'week' | 'day'; window_days?: number }

export interface FunnelQuery { from?: string; to?: string; scene?: string; store_code?: string; channel?: string }
export interface CohortQuery { from?: string; to?: string; by?: 'week' | 'month'; channel?: string; scene?: string; store_code?: string }

export const insights = {
  effect: (id: number, windowDays: number) => getJSON<Effect>(`/api/hq/tasks/${id}/effect`, { window_days: windowDays }),
  effectCSV: async (id: number, windowDays: number) =>
    (await sendRequest('GET', `/api/hq/tasks/${id}/effect?window_days=${windowDays}&format=csv`, { accept: 'text/csv' })).blob(),
  funnel: (q: FunnelQuery) => getJSON<Funnel>('/api/hq/metrics/funnel', { ...q }),
  cohorts: (q: CohortQuery) => getJSON<Cohorts>('/api/hq/metrics/cohorts', { ...q }),
  winback: (q: WinbackQuery) => getJSON<Winback>('/api/hq/metrics/winback', { ...q }),
  winbackCSV: async (q: WinbackQuery) => {
    const p = new URLSearchParams({ format: 'csv' })
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v))
    return (await sendRequest('GET', '/api/hq/metrics/winback?' + p.toString(), { accept: 'text/csv' })).blob()
  },
  couponTemplates: (from?: string, to?: string) =>
    getJSON<{ from: string; to: string; templates: CouponTemplateStat[] }>('/api/hq/metrics/coupon-templates', { from, to }),
}
