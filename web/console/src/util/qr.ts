// QR images drawn in the browser from a code's content, so nothing is
// fetched from WeChat's image host.
import QRCode from 'qrcode'

export function qrDataURL(text: string, width = 360): Promise<string> {
  return QRCode.toDataURL(text, { width, margin: 2, errorCorrectionLevel: 'M' })
}

/** poster opens a printable A5 poster with the store's name and the code. */
export function printPoster(title: string, subtitle: string, qr: string) {
  const w = window.open('', '_blank', 'width=620,height=860')
  if (!w) return false
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
  w.document.write(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${esc(title)}</title>
<style>@page{size:A5;margin:12mm}body{font-family:'PingFang SC','Microsoft YaHei','WenQuanYi Zen Hei',sans-serif;text-align:center;color:#1f2633}
h1{font-size:30px;margin:28px 0 6px;letter-spacing:4px}p{font-size:16px;color:#5b6478;margin:0 0 22px}img{width:300px;height:300px}
.foot{margin-top:18px;font-size:14px;color:#8a94a6}</style>
<h1>${esc(title)}</h1><p>${esc(subtitle)}</p><img src="${qr}" alt=""><div class="foot">微信扫码 · 关注即入会</div>
<script>window.onload=function(){window.print()}<\/script></html>`)
  w.document.close()
  return true
}
