// The Official Account JS-SDK, loaded only on pages that use it and only
// inside WeChat; outside it every call is a no-op.
import { jssdk } from '../api'

export const inWeChat = () => /MicroMessenger/i.test(navigator.userAgent)

type WX = typeof import('weixin-js-sdk').default

let ready: Promise<WX | null> | null = null

/** wxReady configures the JS-SDK for this page (once) with the given APIs. */
export function wxReady(apis: string[]): Promise<WX | null> {
  if (!inWeChat()) return Promise.resolve(null)
  if (!ready) {
    ready = (async () => {
      const mod = await import('weixin-js-sdk')
      const wx = ((mod as any).default ?? mod) as WX
      const sig = await jssdk(location.href.split('#')[0])
      return new Promise<WX | null>((resolve) => {
        wx.config({ debug: false, appId: sig.appId, timestamp: sig.timestamp, nonceStr: sig.nonceStr, signature: sig.signature, jsApiList: apis as any })
        wx.ready(() => resolve(wx))
        wx.error(() => resolve(null))
      })
    })().catch(() => null)
  }
  return ready
}
