import { beforeEach, describe, expect, it, vi } from 'vitest'

// A minimal sessionStorage and fetch for the API module under node.
const store = new Map<string, string>()
vi.stubGlobal('sessionStorage', {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
  removeItem: (k: string) => void store.delete(k),
})
type Call = { url: string; init: RequestInit }
let calls: Call[] = []
let answer: () => Response = () => new Response('{}', { status: 200 })
vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
  calls.push({ url, init })
  return answer()
})

const api = await import('./index')
const header = (c: Call, name: string) => (c.init.headers as Record<string, string>)[name]

beforeEach(() => {
  store.clear()
  calls = []
  answer = () => new Response('{}', { status: 200 })
})

describe('api', () => {
  it('sends the HQ token and a fresh Idempotency-Key on every HQ create', async () => {
    api.setBearerToken('tok')
    await api.tasks.create({} as never)
    await api.tasks.create({} as never)
    expect(header(calls[0], 'Authorization')).toBe('Bearer tok')
    const k1 = header(calls[0], 'Idempotency-Key'), k2 = header(calls[1], 'Idempotency-Key')
    expect(k1).toBeTruthy()
    expect(k1).not.toBe(k2)
  })
  it('sends no Idempotency-Key on reads and the CSRF token only on writes', async () => {
    answer = () => new Response(JSON.stringify({ operator: { id: 1, username: 'a', name: 'A', role: 'operator', store_code: '' }, csrf_token: 'c1' }), { status: 200 })
    await api.login('a', 'pw')
    answer = () => new Response('{"members":[]}', { status: 200 })
    await api.members.list({ tag: 'RFM:最好会员', limit: 21 })
    await api.members.adjustPoints(3, 10, '补发')
    const [, read, write] = calls
    expect(read.url).toBe('/api/hq/members?tag=RFM%3A%E6%9C%80%E5%A5%BD%E4%BC%9A%E5%91%98&limit=21')
    expect(header(read, 'Idempotency-Key')).toBeUndefined()
    expect(header(read, 'X-CSRF-Token')).toBeUndefined()
    expect(header(write, 'X-CSRF-Token')).toBe('c1')
    expect(JSON.parse(write.init.body as string)).toMatchObject({ delta: 10, reason: '补发' })
    expect(JSON.parse(write.init.body as string).request_id).toBeTruthy()
  })
  it("turns the server's error into an ApiError with its message", async () => {
    answer = () => new Response(JSON.stringify({ error: { code: 'conflict', message: 'insufficient points' } }), { status: 409 })
    await expect(api.members.adjustPoints(3, -10, 'x')).rejects.toMatchObject({ status: 409, code: 'conflict', message: 'insufficient points' })
  })
  it('reports an expired session once, and not for the sign-in itself', async () => {
    const seen = vi.fn()
    api.setUnauthorizedHandler(seen)
    answer = () => new Response('{}', { status: 401 })
    await expect(api.stores.list()).rejects.toBeInstanceOf(api.ApiError)
    expect(seen).toHaveBeenCalledTimes(1)
    await expect(api.login('a', 'bad')).rejects.toMatchObject({ status: 401 })
    expect(await api.me()).toBeNull()
    expect(seen).toHaveBeenCalledTimes(1)
  })
  it('forgets a token the server refuses', async () => {
    answer = () => new Response('{}', { status: 401 })
    await expect(api.loginWithToken('wrong')).rejects.toMatchObject({ status: 401 })
    expect(api.bearerToken()).toBe('')
  })
})
