import { createRouter, createWebHashHistory } from 'vue-router'
import { closeToast } from 'vant'
import CardPage from './pages/card/CardPage.vue'

// Hash routes: the page URL WeChat signs for the JS-SDK stays /m/.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: CardPage, meta: { title: '会员卡', tab: true } },
    { path: '/checkin', component: () => import('./pages/calendar/CalendarPage.vue'), meta: { title: '签到日历', tab: true } },
    { path: '/mall', component: () => import('./pages/mall/MallPage.vue'), meta: { title: '积分商城', tab: true } },
    { path: '/coupons', component: () => import('./pages/coupons/CouponsPage.vue'), meta: { title: '我的券', tab: true } },
    { path: '/coupons/:id', component: () => import('./pages/coupons/CouponPage.vue'), meta: { title: '券详情' } },
    { path: '/points', component: () => import('./pages/points/PointsPage.vue'), meta: { title: '积分明细' } },
    { path: '/invite', component: () => import('./pages/invite/InvitePage.vue'), meta: { title: '邀请好友' } },
    { path: '/follow', component: () => import('./pages/follow/FollowPage.vue'), meta: { title: '关注公众号', public: true } },
    { path: '/profile', component: () => import('./pages/profile/ProfilePage.vue'), meta: { title: '我的资料' } },
    { path: '/:rest(.*)', redirect: '/' },
  ],
})

router.afterEach((to) => {
  closeToast() // a toast belongs to the page that raised it
  document.title = String(to.meta.title ?? '会员中心')
})
