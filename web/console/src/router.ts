import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { restore, session } from './session'
import { setUnauthorizedHandler } from './api'

export const navItems = [
  { path: '/overview', title: '概览', icon: 'DataLine' },
  { path: '/members', title: '会员', icon: 'User' },
  { path: '/tasks', title: '导购任务', icon: 'Finished' },
  { path: '/channels', title: '渠道活码', icon: 'Grid' },
  { path: '/mall', title: '积分商城与权益', icon: 'Present' },
  { path: '/scripts', title: '话术库', icon: 'ChatLineSquare' },
  { path: '/materials', title: '素材库', icon: 'Picture' },
  { path: '/handover', title: '导购交接', icon: 'Switch' },
  { path: '/stores', title: '门店与导购', icon: 'Shop' },
  { path: '/system', title: '系统', icon: 'Setting' },
]

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true, title: '登录' } },
  {
    path: '/',
    component: () => import('./layout/ShellLayout.vue'),
    children: [
      { path: '', redirect: '/overview' },
      { path: 'overview', component: () => import('./pages/overview/OverviewPage.vue'), meta: { title: '概览' } },
      { path: 'overview/funnel', component: () => import('./pages/insights/FunnelPage.vue'), meta: { title: '转化漏斗' } },
      { path: 'overview/cohorts', component: () => import('./pages/insights/CohortsPage.vue'), meta: { title: '留存' } },
      { path: 'overview/winback', component: () => import('./pages/insights/WinbackPage.vue'), meta: { title: '召回' } },
      { path: 'members', component: () => import('./pages/members/MembersPage.vue'), meta: { title: '会员' } },
      { path: 'members/:id', component: () => import('./pages/members/MembersPage.vue'), meta: { title: '会员' } },
      { path: 'tasks', component: () => import('./pages/tasks/TasksPage.vue'), meta: { title: '导购任务' } },
      { path: 'tasks/new', component: () => import('./pages/tasks/TaskCreatePage.vue'), meta: { title: '新建任务' } },
      { path: 'tasks/:id', component: () => import('./pages/tasks/TaskDetailPage.vue'), meta: { title: '任务详情' } },
      { path: 'channels', component: () => import('./pages/channels/ChannelsPage.vue'), meta: { title: '渠道活码' } },
      { path: 'mall', component: () => import('./pages/mall/MallPage.vue'), meta: { title: '积分商城与权益' } },
      { path: 'scripts', component: () => import('./pages/scripts/ScriptsPage.vue'), meta: { title: '话术库' } },
      { path: 'materials', component: () => import('./pages/materials/MaterialsPage.vue'), meta: { title: '素材库' } },
      { path: 'handover', component: () => import('./pages/handover/HandoverPage.vue'), meta: { title: '导购交接' } },
      { path: 'stores', component: () => import('./pages/stores/StoresPage.vue'), meta: { title: '门店与导购' } },
      { path: 'system', component: () => import('./pages/system/SystemPage.vue'), meta: { title: '系统' } },
      { path: ':rest(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: '找不到页面' } },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  await restore()
  if (!to.meta.public && !session.operator) return { path: '/login', query: { next: to.fullPath } }
  if (to.path === '/login' && session.operator) return '/overview'
})
router.afterEach((to) => { document.title = `${to.meta.title ?? ''} · 思域总部控制台` })

setUnauthorizedHandler(() => {
  session.operator = null
  if (router.currentRoute.value.path !== '/login') router.push({ path: '/login', query: { next: router.currentRoute.value.fullPath, expired: '1' } })
})
