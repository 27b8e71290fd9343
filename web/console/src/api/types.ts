// Types mirroring the HQ API's JSON (handler/hq_*.go, docs/api.md,
// docs/tasks.md, docs/segments.md). Times are RFC 3339 strings, money in fen.

export interface ApiErrorBody { error: { code: string; message: string } }

export type Role = 'admin' | 'operator' | 'analyst' | 'store_manager'

export interface Operator {
  id: number
  username: string
  name: string
  role: Role
  store_code: string
  /** wecom_userid: the WeCom account that may sign in by QR code. */
  wecom_userid?: string
}

export interface LoginAnswer { operator: Operator; csrf_token: string }

export interface Member {
  id: number
  nickname?: string
  avatar?: string
  points: number
  growth: number
  level: string
  checkin_streak: number
  last_checkin_day?: string
  subscribed: boolean
  first_scene: string
  guide_userid: string
  store_code: string
  merged_into?: number
  last_active_at?: string
  birthday?: string
  lifecycle?: string
  rfm_segment?: string
  activity_score: number
  segmented_at?: string
  created_at: string
  updated_at: string
  openid: string
  external_userid: string
  unionid: string
  tags: string[]
  points_expiring: number
  points_expire_by?: string
}

export interface MemberQuery {
  openid?: string
  external_userid?: string
  unionid?: string
  tag?: string
  store_code?: string
  guide_userid?: string
  limit?: number
  offset?: number
  // The targeting filter (comma-separated lists).
  tags_any?: string
  tags_all?: string
  tags_none?: string
  levels?: string
  scenes?: string
  lifecycles?: string
  rfm_segments?: string
  activity_min?: number
  activity_max?: number
  subscribed?: boolean
}

/** GET /api/hq/members: one page and how many members match. */
export interface MemberPage { members: Member[]; total: number }

/** GET /api/hq/metrics/summary: the 概览 KPI cards. */
export interface Summary {
  from: string
  to: string
  store_code?: string
  members: number
  new_today: number
  new_7_days: number
  effective: number
  checkins_today: number
  points_issued: number
  points_redeemed: number
  points_expired: number
  coupons_used: number
  open_task_items: number
}

/** A member event on the timeline (follows, scans, WeCom adds, tags). */
export interface MemberEvent { id: number; member_id: number; kind: string; scene?: string; detail?: string; created_at: string }

/** One rejected row of a row-by-row import. */
export interface Rejection { row: number; key: string; reason: string }
export interface PartialImport { created: number; updated: number; rejected: Rejection[] }

/** A line of the running configuration (secrets masked by the server). */
export interface Setting { name: string; value: string; secret?: boolean }

/** Items done and total of a task in the list. */
export interface ItemProgress { items: number; items_done: number; items_skipped: number }

export interface PointsEntry {
  id: number
  member_id: number
  delta: number
  growth_delta: number
  kind: string
  idem_key: string
  note?: string
  remaining: number
  expires_at?: string
  created_at: string
}

export interface Order {
  order_id: string
  member_id: number
  store_code: string
  amount_fen: number
  refunded_fen: number
  paid_at: string
  points: number
  growth: number
  points_reversed: number
  growth_reversed: number
  status: string
  created_at: string
}

export interface Coupon {
  id: number
  code: string
  template_id: number
  member_id: number
  title: string
  status: 'issued' | 'redeemed' | 'expired' | string
  source: string
  valid_from: string
  valid_to: string
  redeemed_at?: string
  redeemed_store?: string
  created_at: string
}

export interface Redemption {
  id: number
  request_id: string
  member_id: number
  reward_id: number
  reward_name: string
  kind: string
  points: number
  balance_after: number
  status: string
  coupon_id?: number
  coupon_code?: string
  pickup_store?: string
  pickup_code?: string
  picked_up_at?: string
  created_at: string
}

export interface PointsAnswer {
  duplicate: boolean
  points: number
  growth: number
  capped?: boolean
  balance: number
  entry_id: number
}

export interface LevelInfo {
  level: string
  growth: number
  next_level?: Level
  to_next?: number
  window_growth: number
  window_months: number
  history: { from: string; to: string; growth: number; reason: string; created_at: string }[]
}

/** A WeCom relation between a guide and the member (model.GuideRelation). */
export interface Relation {
  id: number
  member_id: number
  corp_id: string
  guide_userid: string
  external_userid: string
  state?: string
  remark?: string
  added_at?: string
  ended_at?: string
  ended_by?: string
  created_at: string
}

export interface Level {
  id: number
  name: string
  threshold: number
  keep_threshold: number
  multiplier: number
  upgrade_coupons: number[]
  monthly_coupons: number[]
  benefits: string
}

export interface EarningRule {
  channel: string
  enabled: boolean
  points: number
  growth: number
  points_per_yuan: number
  growth_per_yuan: number
  cap_points: number
  cap_period: string
}

export interface Reward {
  id: number
  name: string
  description: string
  points_cost: number
  kind: 'coupon' | 'virtual' | 'physical'
  coupon_template_id?: number
  stock: number
  per_member_limit: number
  min_level: string
  sale_start?: string
  sale_end?: string
  pickup_stores: string[]
  active: boolean
  created_at: string
  image_url?: string
}

export interface RewardInput {
  name: string
  description: string
  points_cost: number
  kind: 'coupon' | 'virtual' | 'physical'
  coupon_template_id?: number | null
  stock?: number
  per_member_limit: number
  min_level: string
  sale_start?: string | null
  sale_end?: string | null
  pickup_stores: string[]
  active: boolean
}

export interface CouponTemplate {
  id: number
  name: string
  kind: 'cash' | 'discount' | 'gift'
  value_fen: number
  discount_percent: number
  gift: string
  threshold_fen: number
  valid_days: number
  valid_from?: string
  valid_to?: string
  description: string
  active: boolean
  guide_daily_quota: number
}

export type CouponTemplateInput = Omit<CouponTemplate, 'id'>

/** One chart of GET /api/hq/metrics/<name> (tagging.Chart). */
export interface Chart {
  from: string
  to: string
  days: string[]
  series: Record<string, number[]>
  breakdown?: Record<string, { key: string; values: Record<string, number> }[]>
  current?: Record<string, number>
  week_ago?: Record<string, number>
  change?: Record<string, number>
  extra?: Record<string, Record<string, number>>
}

export type MetricName = 'members' | 'retention' | 'lifecycle' | 'rfm' | 'checkins' | 'points' | 'coupons' | 'tasks'

/** tagging.TargetFilter: the one filter of tasks and coupon pushes. */
export interface TargetFilter {
  tags_any?: string[]
  tags_all?: string[]
  tags_none?: string[]
  levels?: string[]
  scenes?: string[]
  store_codes?: string[]
  guide_userids?: string[]
  lifecycles?: string[]
  rfm_segments?: string[]
  activity_min?: number
  activity_max?: number
  last_active_before?: string
  last_active_after?: string
  subscribed?: boolean
}

export interface SegmentPreview { count: number; by_store: { store_code: string; count: number }[] }

export interface Store { id: number; code: string; name: string; created_at: string }
export interface Guide { id: number; userid: string; name: string; store_code: string; role: string; created_at: string }
export interface ImportResult { created: number; updated: number }

export interface Scene {
  id: number
  scene: string
  tags: string[]
  store_code: string
  guide_userid: string
  welcome: string
  bonus_points: number
  created_at: string
  updated_at: string
}
export type SceneInput = Pick<Scene, 'scene' | 'tags' | 'store_code' | 'guide_userid' | 'welcome' | 'bonus_points'>

export interface QRCode {
  id: number
  scene: string
  ticket: string
  url: string
  image_url: string
  permanent: boolean
  expires_at?: string
  created_at: string
}

export interface ContactWay {
  id: number
  config_id: string
  scene: string
  guides: string[]
  remark?: string
  skip_verify: boolean
  qr_code: string
  created_at: string
}

export interface Script {
  id: number
  group_id: number
  title: string
  content: string
  sort: number
  store_codes: string[]
}
export interface ScriptGroup { id: number; name: string; sort: number; scripts: Script[] }
export interface ScriptUse { script_id: number; title: string; guide_userid: string; count: number }
export interface ScriptUsageAnswer { from: string; to: string; usage: ScriptUse[] }

export type TaskKind = 'message' | 'coupon' | 'followup'
export type TaskState = 'draft' | 'dispatching' | 'active' | 'closed' | 'cancelled'

export interface TaskProgress {
  stores: number
  stores_dispatched: number
  guides: number
  guides_notified: number
  items: number
  items_done: number
  items_skipped: number
}

export interface Task {
  id: number
  title: string
  instructions: string
  kind: TaskKind
  content: string
  link?: string
  image_url?: string
  coupon_template_id?: number
  mass_send: boolean
  deadline: string
  state: TaskState
  dispatched_at?: string
  holdout_percent?: number
  overdue_at?: string
  ended_at?: string
  created_at: string
  store_codes: string[]
  guide_userids: string[]
  filter: TargetFilter
  progress?: TaskProgress
  item_progress?: ItemProgress
  /** guide_notices (task detail only): 'off' when the server has no WeCom app, so guides get no message. */
  guide_notices?: 'wecom' | 'off'
  /** guide_notices_need: the settings that turn guide notices on. */
  guide_notices_need?: string
}

export interface TaskInput {
  title: string
  instructions: string
  kind: TaskKind
  content: string
  link: string
  image_url: string
  coupon_template_id: number | null
  mass_send: boolean
  store_codes: string[]
  guide_userids: string[]
  filter: TargetFilter
  deadline: string
  dispatch: boolean
  /** 0–50: the share of the targeted customers held out as a control group. */
  holdout_percent?: number
}

export interface TaskPreview {
  stores: { store_code: string; guides: number; customers: number; treated?: number; control?: number }[]
  customers: number
  treated?: number
  control?: number
  holdout_percent?: number
}

export interface ExecCounts { assigned: number; done: number; skipped: number; open: number; overdue: number; rate: number }
export interface GuideReport extends ExecCounts {
  guide_userid: string
  name: string
  notified: boolean
  notes: { item_id: number; member_id: number; status: string; note: string }[]
}
export interface StoreReport extends ExecCounts { store_code: string; guides: GuideReport[] }
export interface TaskReport { task: Task; total: ExecCounts; stores: StoreReport[] }

export interface Feedback {
  id: number
  guide_userid: string
  store_code: string
  task_id?: number
  text: string
  reply?: string
  replied_by?: string
  replied_at?: string
  created_at: string
}

export interface OperatorInput { username: string; name: string; role: Role; store_code: string; password?: string; wecom_userid?: string }
export interface AuditRow { [key: string]: unknown }

// ---- handover (交接) ----

export interface Departed { guide_userid: string; store_code: string; source: string; departed_at: string; customers_left: number; groups_left: number }
export interface HandoverPlan { from: string; to?: string; by_store?: boolean; external_userids?: string[]; chat_ids?: string[]; no_groups?: boolean; message?: string }
export interface HandoverPreview {
  from: string; kind: string; customers: number; groups: number; open_items: number
  per_guide: Record<string, number>; groups_per_guide: Record<string, number>; over_limit?: string[]
}
export interface HandoverItem { id: number; member_id: number; external_userid: string; from: string; to: string; status: string; errcode?: number; reason?: string; open_items_moved: number; done_at?: string }
export interface HandoverGroupItem { id: number; chat_id: string; name: string; from: string; to: string; status: string; errcode?: number; reason?: string; done_at?: string }
export interface Handover {
  id: number; from: string; to?: string; by_store: boolean; kind: string; message?: string; state: string
  customers: number; groups: number; open_items: number; succeeded: number; failed: number
  groups_succeeded: number; groups_failed: number; created_at: string; finished_at?: string
  items?: HandoverItem[]; group_items?: HandoverGroupItem[]
}

// ---- material library (素材库) ----

export type MaterialType = 'image' | 'video' | 'file' | 'link' | 'miniprogram'
export interface Material {
  id: number; type: MaterialType; title: string; description?: string; group?: string; tags: string[]; store_codes: string[]
  enabled: boolean; file_name?: string; content_type?: string; size?: number; url?: string; cover_url?: string; appid?: string; page?: string
  created_at: string; updated_at: string
}
export interface MaterialUse { material_id: number; title: string; guide_userid: string; store_code: string; sends: number; customers: number }

/** LoginOptions is GET /api/auth/options: the ways to sign in. */
export interface LoginOptions {
  password: boolean
  /** wecom_qr: the server has the WeCom app, so 企业微信扫码登录 works. */
  wecom_qr: boolean
}
