// The only module that calls the server. Types mirror /api/m's JSON.

export interface Member {
  id: number
  nickname: string
  avatar: string
  points: number
  growth: number
  level: string
  checkin_streak: number
  birthday: string
  store_code: string
  store_name: string
  subscribed: boolean
}

export interface Card {
  points: number
  growth: number
  level: { name: string; threshold: number; benefits: string; multiplier: number }
  next: { name: string; threshold: number; benefits: string; to_next: number } | null
  expiring: { points: number; by: string }
  checkin: { today: string; checked_in: boolean; streak: number; today_points: number }
}

export interface CheckInDay { day: string; points: number; streak: number }

export interface Month {
  today: string
  checked_in: boolean
  streak: number
  today_points: number
  tomorrow_points: number
  days: CheckInDay[]
  rules: { base: number; streak_step: number; streak_cap: number; week_bonus: number }
}

export interface CheckInResult {
  day: string
  already: boolean
  credited: number
  balance: number
  streak: number
  tomorrow_points: number
  level_up: string
}

export type RewardState = 'ok' | 'short' | 'level' | 'limit' | 'soldout' | 'upcoming' | 'ended'

export interface Reward {
  id: number
  name: string
  description: string
  image_url: string
  kind: 'coupon' | 'virtual' | 'physical'
  points_cost: number
  stock: number
  per_member_limit: number
  left: number
  min_level: string
  sale_start: string | null
  sale_end: string | null
  state: RewardState
  short: number
}

export interface Coupon {
  id: number
  title: string
  state: 'valid' | 'used' | 'expired'
  valid_from: string
  valid_to: string
  source: string
  redeemed_at?: string
  redeemed_store?: string
  code?: string
  terms?: string
}

export interface Redeemed {
  redemption: { id: number; reward_name: string; points: number; balance_after: number; status: string; pickup_code?: string; pickup_store?: string }
  coupon: { id: number; code: string; title: string } | null
  duplicate: boolean
}

export interface LedgerEntry { id: number; delta: number; kind: string; note: string; at: string }

/** ApiError carries the server's Chinese message and status. */
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
  }
}

let csrf = ''

/** birthdayPoints is what the birthday rule credits (from /me). */
export let birthdayPoints = 0

/** signIn sends the browser through WeChat's web authorisation and back here. */
export function signIn(scope: 'base' | 'userinfo' = 'base', next = location.pathname + location.hash) {
  location.href = `/api/m/oauth/start?scope=${scope}&next=${encodeURIComponent(next)}`
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf
  const res = await fetch('/api/m' + path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status === 401) {
    signIn()
    throw new ApiError(401, 'unauthorized', '正在登录…')
  }
  const data = await res.json().catch(() => ({}))
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? '网络开小差了，请稍后再试')
  }
  return data as T
}

export async function me(): Promise<Member> {
  const r = await call<{ member: Member; csrf_token: string; birthday_points: number }>('GET', '/me')
  csrf = r.csrf_token
  birthdayPoints = r.birthday_points
  return r.member
}

export const card = () => call<Card>('GET', '/card')
export const month = (m = '') => call<Month>('GET', '/checkins' + (m ? `?month=${m}` : ''))
export const checkIn = () => call<CheckInResult>('POST', '/checkins')
export const rewards = () => call<{ points: number; rewards: Reward[] }>('GET', '/rewards')
export const redeem = (id: number, requestID: string) =>
  call<Redeemed>('POST', `/rewards/${id}/redeem`, { request_id: requestID })
export const coupons = (status: Coupon['state']) =>
  call<{ coupons: Coupon[] }>('GET', `/coupons?status=${status}`).then((r) => r.coupons)
export const coupon = (id: number) => call<Coupon>('GET', `/coupons/${id}`)
export const ledger = () => call<{ points: number; entries: LedgerEntry[] }>('GET', '/points?limit=100')
export const setBirthday = (birthday: string) => call<{ birthday: string }>('PUT', '/profile', { birthday })
export const jssdk = (url: string) =>
  call<{ appId: string; timestamp: number; nonceStr: string; signature: string }>('GET', `/jssdk?url=${encodeURIComponent(url)}`)
export const invite = () => call<{ scene: string; poster_url: string; referral_points: number }>('GET', '/invite')
export const posterURL = '/api/m/invite/poster.png'
