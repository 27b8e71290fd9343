// Month grids for the check-in calendar: pure functions, tested by Vitest.

export interface Cell {
  day: string // YYYY-MM-DD, '' for padding
  date: number // day of month, 0 for padding
  checked: boolean
  today: boolean
  future: boolean
}

const pad = (n: number) => String(n).padStart(2, '0')

/** monthCells lays out month (YYYY-MM) in weeks starting on Monday. */
export function monthCells(month: string, checked: string[], today: string): Cell[] {
  const [y, m] = month.split('-').map(Number)
  const first = new Date(Date.UTC(y, m - 1, 1))
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate()
  const lead = (first.getUTCDay() + 6) % 7 // Monday = 0
  const set = new Set(checked)
  const cells: Cell[] = []
  for (let i = 0; i < lead; i++) cells.push({ day: '', date: 0, checked: false, today: false, future: false })
  for (let d = 1; d <= days; d++) {
    const day = `${month}-${pad(d)}`
    cells.push({ day, date: d, checked: set.has(day), today: day === today, future: day > today })
  }
  while (cells.length % 7) cells.push({ day: '', date: 0, checked: false, today: false, future: false })
  return cells
}

/** shiftMonth moves YYYY-MM by delta months. */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number)
  const d = new Date(Date.UTC(y, m - 1 + delta, 1))
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`
}

/** monthTitle is "2026年11月". */
export function monthTitle(month: string): string {
  const [y, m] = month.split('-').map(Number)
  return `${y}年${m}月`
}

/** rulesText explains the check-in rules in one line. */
export function rulesText(r: { base: number; streak_step: number; streak_cap: number; week_bonus: number }): string {
  let s = `每天签到得 ${r.base} 分`
  if (r.streak_step > 0 && r.streak_cap > 0) s += `，连续签到每天多 ${r.streak_step} 分（最多多 ${r.streak_cap} 分）`
  if (r.week_bonus > 0) s += `，每满 7 天再得 ${r.week_bonus} 分`
  return s
}
