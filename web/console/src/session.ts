// Who is signed in, and what they may do. Shared by the router and pages.
import { reactive, computed } from 'vue'
import * as api from './api'
import type { Operator } from './api'

export const session = reactive<{ operator: Operator | null; checked: boolean; viaToken: boolean }>({
  operator: null,
  checked: false,
  viaToken: false,
})

/** The HQ token stands for a full HQ administrator. */
const tokenOperator: Operator = { id: 0, username: 'hq-token', name: '总部令牌', role: 'admin', store_code: '' }

/** restore finds the session after a reload: the tab's token, else the cookie. */
export async function restore(): Promise<void> {
  if (session.checked) return
  if (api.bearerToken()) {
    session.operator = tokenOperator
    session.viaToken = true
  } else {
    try { session.operator = await api.me() } catch { session.operator = null }
  }
  session.checked = true
}

export function signedIn(op: Operator | null, viaToken: boolean) {
  session.operator = viaToken ? tokenOperator : op
  session.viaToken = viaToken
  session.checked = true
}

export async function signOut() {
  await api.logout()
  session.operator = null
  session.viaToken = false
}

/** canWrite is false for analysts: they see no write controls. */
export const canWrite = computed(() => !!session.operator && session.operator.role !== 'analyst')
export const isAdmin = computed(() => session.operator?.role === 'admin')
/** myStore is the store a store manager is limited to ('' for HQ roles). */
export const myStore = computed(() => (session.operator?.role === 'store_manager' ? session.operator.store_code : ''))

export const roleNames: Record<string, string> = { admin: '管理员', operator: '运营', analyst: '分析师', store_manager: '店长' }
