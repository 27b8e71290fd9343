// The one module that calls the server. Every page goes through it.
import type * as T from './types'
export type * from './types'

const TOKEN_KEY = 'siyu.hq_token'
const CSRF_KEY = 'siyu.csrf'

/** ApiError carries the HTTP status and the server's error code and message. */
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
  }
}

/** Called when the server answers 401 on a signed-in session (expired). */
let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(fn: () => void) { onUnauthorized = fn }

export function bearerToken(): string { return sessionStorage.getItem(TOKEN_KEY) ?? '' }
export function setBearerToken(t: string) { t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY) }
function csrf(): string { return sessionStorage.getItem(CSRF_KEY) ?? '' }
function setCSRF(t: string) { t ? sessionStorage.setItem(CSRF_KEY, t) : sessionStorage.removeItem(CSRF_KEY) }

function newKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

type Query = Record<string, string | number | boolean | undefined | null>

function qs(q?: Query): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? '?' + s : ''
}

interface Opts { body?: unknown; raw?: BodyInit; form?: FormData; contentType?: string; accept?: string; quiet401?: boolean }

async function send(method: string, path: string, o: Opts = {}): Promise<Response> {
  const h: Record<string, string> = { Accept: o.accept ?? 'application/json' }
  const tok = bearerToken()
  if (tok) h.Authorization = 'Bearer ' + tok
  if (method !== 'GET' && csrf()) h['X-CSRF-Token'] = csrf()
  if (method === 'POST' && path.startsWith('/api/hq/')) h['Idempotency-Key'] = newKey()
  let body: BodyInit | undefined
  if (o.form !== undefined) body = o.form // the browser sets the multipart boundary
  else if (o.raw !== undefined) { body = o.raw; h['Content-Type'] = o.contentType ?? 'text/plain' }
  else if (o.body !== undefined) { body = JSON.stringify(o.body); h['Content-Type'] = 'application/json' }
  const res = await fetch(path, { method, headers: h, body, credentials: 'same-origin' })
  if (!res.ok) {
    let code = 'http_' + res.status
    let msg = `请求失败（HTTP ${res.status}）`
    try {
      const j = (await res.json()) as T.ApiErrorBody
      if (j?.error) { code = j.error.code; msg = j.error.message }
    } catch { /* not JSON */ }
    if (res.status === 401 && !o.quiet401) onUnauthorized()
    if (res.status === 403) msg = '没有权限：' + msg
    if (res.status === 429) msg = '操作太频繁，请稍后再试'
    throw new ApiError(res.status, code, msg)
  }
  return res
}

async function json<R>(method: string, path: string, o: Opts = {}): Promise<R> {
  const res = await send(method, path, o)
  if (res.status === 204) return undefined as R
  return (await res.json()) as R
}

const get = <R>(path: string, q?: Query) => json<R>('GET', path + qs(q))
const post = <R>(path: string, body?: unknown) => json<R>('POST', path, { body: body ?? {} })
const put = <R>(path: string, body: unknown) => json<R>('PUT', path, { body })
const del = (path: string) => json<void>('DELETE', path)
const enc = encodeURIComponent

/** For the API modules beside this one (insights.ts): the same reads and raw requests. */
export { get as getJSON, send as sendRequest }

// ---- sign-in ----

/** login signs in with an operator account; the server sets the cookie. */
export async function login(username: string, password: string): Promise<T.Operator> {
  setBearerToken('')
  const a = await json<T.LoginAnswer>('POST', '/api/auth/login', { body: { username, password }, quiet401: true })
  setCSRF(a.csrf_token)
  return a.operator
}

/** me returns the signed-in operator, or null when nobody is. */
export async function me(): Promise<T.Operator | null> {
  try {
    const a = await json<T.LoginAnswer>('GET', '/api/auth/me', { quiet401: true })
    if (a.csrf_token) setCSRF(a.csrf_token)
    return a.operator
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) return null
    throw e
  }
}

/** loginOptions says which ways to sign in this server offers (public). */
export async function loginOptions(): Promise<T.LoginOptions> {
  try {
    return await json<T.LoginOptions>('GET', '/api/auth/options', { quiet401: true })
  } catch {
    return { password: true, wecom_qr: false } // an older server: passwords only
  }
}

/** wecomLoginURL starts WeCom QR login: the address of WeCom's login page. */
export async function wecomLoginURL(): Promise<string> {
  return (await json<{ url: string }>('GET', '/api/auth/wecom/start', { quiet401: true })).url
}

/** loginWithToken checks an HQ bearer token (SIYU_HQ_TOKEN) and keeps it for the tab. */
export async function loginWithToken(token: string): Promise<void> {
  setBearerToken(token)
  try {
    await json('GET', '/api/hq/stores', { quiet401: true })
  } catch (e) {
    setBearerToken('')
    throw e
  }
}

export async function logout(): Promise<void> {
  const hadToken = !!bearerToken()
  setBearerToken('')
  if (!hadToken) {
    try { await json('POST', '/api/auth/logout', { body: {}, quiet401: true }) } catch { /* signed out anyway */ }
  }
  setCSRF('')
}

// ---- members ----

export const members = {
  list: (q: T.MemberQuery) => get<T.MemberPage>('/api/hq/members', q as Query),
  timeline: (id: number, limit = 100) => get<{ events: T.MemberEvent[] }>(`/api/hq/members/${id}/timeline`, { limit }),
  get: (id: number) => get<T.Member>(`/api/hq/members/${id}`),
  ledger: (id: number, limit = 50) => get<{ entries: T.PointsEntry[] }>(`/api/hq/members/${id}/ledger`, { limit }),
  orders: (id: number, limit = 50) => get<{ orders: T.Order[] }>(`/api/hq/members/${id}/orders`, { limit }),
  coupons: (id: number) => get<{ coupons: T.Coupon[] }>(`/api/hq/members/${id}/coupons`),
  redemptions: (id: number, limit = 50) => get<{ redemptions: T.Redemption[] }>(`/api/hq/members/${id}/redemptions`, { limit }),
  level: (id: number) => get<T.LevelInfo>(`/api/hq/members/${id}/level`),
  relations: (id: number) => get<{ relations: T.Relation[] }>(`/api/hq/members/${id}/relations`),
  adjustPoints: (id: number, delta: number, reason: string) =>
    post<T.PointsAnswer>(`/api/hq/members/${id}/points`, { delta, reason, request_id: newKey() }),
  editTags: (id: number, add: string[], remove: string[]) => post<T.Member>(`/api/hq/members/${id}/tags`, { add, remove }),
}

// ---- metrics and segments ----

export const metrics = {
  get: (name: T.MetricName, from?: string, to?: string, store?: string) => get<T.Chart>(`/api/hq/metrics/${name}`, { from, to, store_code: store }),
  summary: (from?: string, to?: string, store?: string) => get<T.Summary>('/api/hq/metrics/summary', { from, to, store_code: store }),
}

export const segments = {
  preview: (f: T.TargetFilter) => post<T.SegmentPreview>('/api/hq/segments/preview', f),
  recompute: () => post<unknown>('/api/hq/segments/recompute'),
}

// ---- stores, guides ----

export const stores = {
  list: () => get<{ stores: T.Store[] }>('/api/hq/stores'),
  save: (s: { code: string; name: string }) => post<T.Store>('/api/hq/stores', s),
  importCSV: (csv: string) => json<T.PartialImport>('POST', '/api/hq/stores/import?partial=true', { raw: csv, contentType: 'text/csv' }),
  guides: (storeCode?: string) => get<{ guides: T.Guide[] }>('/api/hq/guides', { store_code: storeCode }),
  saveGuide: (g: { userid: string; name: string; store_code: string; role: string }) => post<T.Guide>('/api/hq/guides', g),
  importGuidesCSV: (csv: string) => json<T.PartialImport>('POST', '/api/hq/guides/import?partial=true', { raw: csv, contentType: 'text/csv' }),
  syncGuides: (storeCode?: string) => json<T.ImportResult>('POST', '/api/hq/guides/sync' + qs({ store_code: storeCode }), { body: {} }),
}

// ---- channels ----

export const channels = {
  scenes: () => get<{ scenes: T.Scene[] }>('/api/hq/scenes'),
  saveScene: (s: T.SceneInput) => post<T.Scene>('/api/hq/scenes', s),
  deleteScene: (scene: string) => del(`/api/hq/scenes/${enc(scene)}`),
  sceneStats: (scene: string, from?: string, to?: string) => get<T.Chart>(`/api/hq/scenes/${enc(scene)}/stats`, { from, to }),
  qrcodes: (scene?: string) => get<{ qrcodes: T.QRCode[] }>('/api/hq/qrcodes', { scene }),
  createQRCode: (scene: string, permanent: boolean, expireSeconds = 0) =>
    post<T.QRCode>('/api/hq/qrcodes', { scene, permanent, expire_seconds: expireSeconds }),
  contactWays: () => get<{ contact_ways: T.ContactWay[] }>('/api/hq/contact-ways'),
  createContactWay: (scene: string, guides: string[], remark: string) =>
    post<T.ContactWay>('/api/hq/contact-ways', { scene, guides, remark }),
  deleteContactWay: (id: number) => del(`/api/hq/contact-ways/${id}`),
}

// ---- mall ----

export const mall = {
  rewards: () => get<{ rewards: T.Reward[] }>('/api/hq/rewards'),
  createReward: (r: T.RewardInput) => post<T.Reward>('/api/hq/rewards', r),
  updateReward: (id: number, r: T.RewardInput) => put<T.Reward>(`/api/hq/rewards/${id}`, { ...r, stock: undefined }),
  restock: (id: number, delta: number) => post<T.Reward>(`/api/hq/rewards/${id}/stock`, { delta }),
  /** imageURL reads a reward's picture with the caller's credentials and gives a local URL for <img>. */
  imageURL: async (url: string) => URL.createObjectURL(await (await send('GET', url, { accept: 'image/*' })).blob()),
  uploadImage: (id: number, file: Blob, name = 'image') => {
    const form = new FormData()
    form.append('image', file, name)
    return json<{ image_url: string }>('POST', `/api/hq/rewards/${id}/image`, { form })
  },
  /** redemptions lists the newest redemptions of every member (the chat, the member centre, the API). */
  redemptions: (q: { reward_id?: number; limit?: number; offset?: number } = {}) => get<{ redemptions: T.Redemption[]; total: number }>('/api/hq/redemptions', q),
  pickUp: (pickupCode: string, storeCode: string) => post<T.Redemption>('/api/hq/redemptions/pickup', { pickup_code: pickupCode, store_code: storeCode }),
  templates: () => get<{ templates: T.CouponTemplate[] }>('/api/hq/coupon-templates'),
  createTemplate: (t: T.CouponTemplateInput) => post<T.CouponTemplate>('/api/hq/coupon-templates', t),
  updateTemplate: (id: number, t: T.CouponTemplateInput) => put<T.CouponTemplate>(`/api/hq/coupon-templates/${id}`, t),
  coupon: (code: string) => get<T.Coupon>(`/api/hq/coupons/${enc(code)}`),
  redeemCoupon: (code: string, storeCode: string) =>
    post<{ coupon: T.Coupon; duplicate: boolean }>('/api/hq/coupons/redeem', { code, store_code: storeCode, request_id: newKey() }),
  issueCoupons: (templateId: number, memberIds: number[]) =>
    post<{ results: unknown[]; issued: number }>('/api/hq/coupons/issue', { template_id: templateId, member_ids: memberIds, request_id: newKey() }),
  levels: () => get<{ levels: T.Level[] }>('/api/hq/levels'),
  saveLevel: (l: Omit<T.Level, 'id' | 'name'>, name: string) => put<T.Level>(`/api/hq/levels/${enc(name)}`, l),
  deleteLevel: (name: string) => del(`/api/hq/levels/${enc(name)}`),
  rules: () => get<{ rules: T.EarningRule[] }>('/api/hq/earning-rules'),
  saveRule: (r: T.EarningRule) => {
    const { channel, ...rest } = r
    return put<T.EarningRule>(`/api/hq/earning-rules/${enc(channel)}`, rest)
  },
}

// ---- scripts ----

export const scripts = {
  list: (q?: string) => get<{ groups: T.ScriptGroup[] }>('/api/hq/scripts', { q }),
  usage: (from?: string, to?: string) => get<T.ScriptUsageAnswer>('/api/hq/scripts/usage', { from, to }),
  saveGroup: (g: { name: string; sort: number }, id?: number) =>
    id ? put<T.ScriptGroup>(`/api/hq/script-groups/${id}`, g) : post<T.ScriptGroup>('/api/hq/script-groups', g),
  deleteGroup: (id: number) => del(`/api/hq/script-groups/${id}`),
  save: (s: Omit<T.Script, 'id'>, id?: number) => (id ? put<T.Script>(`/api/hq/scripts/${id}`, s) : post<T.Script>('/api/hq/scripts', s)),
  delete: (id: number) => del(`/api/hq/scripts/${id}`),
}

// ---- tasks ----

export const tasks = {
  list: (state?: string, limit = 50, offset = 0) => get<{ tasks: T.Task[] }>('/api/hq/tasks', { state, limit, offset }),
  get: (id: number) => get<T.Task>(`/api/hq/tasks/${id}`),
  create: (t: T.TaskInput) => post<T.Task>('/api/hq/tasks', t),
  preview: (storeCodes: string[], guideUserIDs: string[], filter: T.TargetFilter, holdoutPercent = 0) =>
    post<T.TaskPreview>('/api/hq/tasks/preview', { store_codes: storeCodes, guide_userids: guideUserIDs, filter, holdout_percent: holdoutPercent }),
  dispatch: (id: number) => post<T.Task>(`/api/hq/tasks/${id}/dispatch`),
  cancel: (id: number) => post<T.Task>(`/api/hq/tasks/${id}/cancel`),
  close: (id: number) => post<T.Task>(`/api/hq/tasks/${id}/close`),
  report: (id: number) => get<T.TaskReport>(`/api/hq/tasks/${id}/report`),
  reportCSV: async (id: number) => (await send('GET', `/api/hq/tasks/${id}/report?format=csv`, { accept: 'text/csv' })).blob(),
  feedback: (q: { task_id?: number; guide_userid?: string; unanswered?: boolean }) =>
    get<{ feedback: T.Feedback[] }>('/api/hq/feedback', { ...q, unanswered: q.unanswered ? 1 : undefined }),
  reply: (id: number, reply: string) => post<T.Feedback>(`/api/hq/feedback/${id}/reply`, { reply }),
}

// ---- system (operator accounts land with the auth branch) ----

export const system = {
  operators: () => get<{ operators: T.Operator[] }>('/api/hq/operators'),
  createOperator: (o: T.OperatorInput) => post<T.Operator>('/api/hq/operators', o),
  updateOperator: (id: number, o: Partial<T.OperatorInput>) => put<T.Operator>(`/api/hq/operators/${id}`, o),
  deleteOperator: (id: number) => del(`/api/hq/operators/${id}`),
  audit: (q: { operator?: string; action?: string; target?: string; from?: string; to?: string; limit?: number; offset?: number }) =>
    get<{ entries?: T.AuditRow[]; audit?: T.AuditRow[] }>('/api/hq/audit', q),
  config: () => get<{ settings: T.Setting[] }>('/api/hq/config'),
}

// ---- handover (交接) ----

export const handovers = {
  departed: () => get<{ guides: T.Departed[] }>('/api/hq/guides/departed'),
  depart: (userid: string) => post<T.Departed>(`/api/hq/guides/${enc(userid)}/depart`),
  list: (from?: string) => get<{ handovers: T.Handover[] }>('/api/hq/handovers', { from }),
  get: (id: number) => get<T.Handover>(`/api/hq/handovers/${id}`),
  preview: (p: T.HandoverPlan) => post<T.HandoverPreview>('/api/hq/handovers/preview', p),
  create: (p: T.HandoverPlan) => post<T.Handover>('/api/hq/handovers', p),
}

// ---- material library (素材库) ----

export const materials = {
  list: (q: { q?: string; group?: string; type?: string; store_code?: string } = {}) => get<{ materials: T.Material[] }>('/api/hq/materials', q),
  /** save sends a multipart form (with the file, when one is picked). */
  save: (form: FormData, id?: number) => json<T.Material>(id ? 'PUT' : 'POST', id ? `/api/hq/materials/${id}` : '/api/hq/materials', { form }),
  delete: (id: number) => del(`/api/hq/materials/${id}`),
  usage: (from?: string, to?: string) => get<{ usage: T.MaterialUse[] }>('/api/hq/materials/usage', { from, to }),
  usageOf: (id: number) => get<{ usage: T.MaterialUse[] }>(`/api/hq/materials/${id}/usage`),
  /** preview fetches an uploaded material's bytes as an object URL (works with the bearer token too). */
  preview: async (id: number) => URL.createObjectURL(await (await send('GET', `/api/hq/materials/${id}/content`, { accept: '*/*' })).blob()),
}
