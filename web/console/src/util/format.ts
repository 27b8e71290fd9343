// Formatting for the console: dates in Asia/Shanghai, numbers with units.
export const TZ = 'Asia/Shanghai'

const dtf = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
const df = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })

/** dateTime shows an RFC 3339 time as 2026/03/01 14:05 in Shanghai time. */
export function dateTime(s?: string | null): string {
  if (!s) return '—'
  const d = new Date(s)
  return isNaN(d.getTime()) ? '—' : dtf.format(d)
}

/** day is the business day (YYYY-MM-DD, Shanghai) of a Date. */
export function day(d: Date): string { return df.format(d) }

/** dayRange is the last n business days ending today: [from, to]. */
export function lastDays(n: number, now = new Date()): [string, string] {
  const to = day(now)
  const from = day(new Date(now.getTime() - (n - 1) * 86400000))
  return [from, to]
}

export function num(n?: number | null): string {
  if (n === undefined || n === null || isNaN(n)) return '—'
  return n.toLocaleString('zh-CN')
}

/** yuan shows fen as ¥1,234.50. */
export function yuan(fen?: number | null): string {
  if (fen === undefined || fen === null) return '—'
  return '¥' + (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
}

export function pct(r?: number | null, digits = 1): string {
  if (r === undefined || r === null || isNaN(r)) return '—'
  return (r * 100).toFixed(digits) + '%'
}

/** endOfDay is 23:59:59 Shanghai time of a YYYY-MM-DD day, as RFC 3339. */
export function endOfDay(d: string): string { return `${d}T23:59:59+08:00` }

export const lifecycleNames = ['新客', '活跃', '沉默', '睡眠', '流失']
export const rfmNames = ['最好会员', '重点唤回会员', '重点突破会员', '重点维护会员', '潜力会员', '一般会员', '无消费会员']

export const entryKinds: Record<string, string> = {
  checkin: '签到', follow: '关注礼', order: '消费', refund: '退款', event: '互动', referral: '邀请',
  birthday: '生日', adjust: '人工调整', redeem: '兑换', expire: '过期', level_set: '等级调整', scene: '渠道奖励',
}
export const taskStates: Record<string, { label: string; type: 'info' | 'warning' | 'success' | 'danger' | 'primary' }> = {
  draft: { label: '草稿', type: 'info' },
  dispatching: { label: '下发中', type: 'warning' },
  active: { label: '进行中', type: 'primary' },
  closed: { label: '已结束', type: 'success' },
  cancelled: { label: '已取消', type: 'danger' },
}
export const taskKinds: Record<string, string> = { message: '发送消息', coupon: '推送优惠券', followup: '电话/到店回访' }
export const couponStatus: Record<string, string> = { issued: '未使用', redeemed: '已核销', expired: '已过期' }

/** download saves a Blob as a file. */
export function download(blob: Blob, name: string) {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/** csv builds a CSV with a BOM so Excel reads the Chinese right. */
export function csv(rows: (string | number)[][]): Blob {
  const esc = (v: string | number) => {
    const s = String(v)
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
  }
  return new Blob(['\ufeff' + rows.map((r) => r.map(esc).join(',')).join('\r\n')], { type: 'text/csv;charset=utf-8' })
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
