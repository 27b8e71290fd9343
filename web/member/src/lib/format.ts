import type { Reward } from '../api'

/** groupCode splits a coupon code into groups of four for reading aloud. */
export function groupCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ')
}

/** shortTime turns an ISO time into "12月1日 10:00" in the viewer's zone. */
export function shortTime(iso: string): string {
  const d = new Date(iso)
  const hh = String(d.getHours()).padStart(2, '0')
  const mm = String(d.getMinutes()).padStart(2, '0')
  return `${d.getMonth() + 1}月${d.getDate()}日 ${hh}:${mm}`
}

/** rewardBadge is the short line that says why a reward cannot be taken now. */
export function rewardBadge(r: Reward): string {
  switch (r.state) {
    case 'short':
      return `还差 ${r.short} 积分`
    case 'level':
      return `${r.min_level}及以上可兑`
    case 'limit':
      return '已达兑换上限'
    case 'soldout':
      return '已兑完'
    case 'upcoming':
      return r.sale_start ? `${shortTime(r.sale_start)} 开兑` : '即将开兑'
    case 'ended':
      return '已结束'
  }
  return '立即兑换'
}

/** rewardFacts lists stock, limit, level and window as short phrases. */
export function rewardFacts(r: Reward): string[] {
  const out = [r.stock > 0 ? `剩 ${r.stock} 件` : '无库存']
  if (r.per_member_limit > 0) out.push(`每人限 ${r.per_member_limit} 件`)
  if (r.min_level) out.push(`${r.min_level}+`)
  if (r.sale_end) out.push(`截至 ${shortTime(r.sale_end)}`)
  return out
}

const kinds: Record<string, string> = {
  checkin: '签到',
  scene_bonus: '扫码奖励',
  order: '消费',
  refund: '退款',
  redeem: '兑换',
  expire: '过期',
  adjust: '调整',
  interaction: '互动',
  birthday: '生日礼',
  referral: '邀请好友',
  follow: '关注',
  merge: '账户合并',
  level_set: '等级调整',
}

/** kindLabel names a ledger entry's kind in Chinese. */
export function kindLabel(kind: string): string {
  return kinds[kind] ?? '积分变动'
}

/** signed writes a points delta with its sign: +5, -300. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}
