// Siyu sidebar: runs inside WeCom's chat toolbar. It signs the guide in
// (WeCom OAuth → session cookie), configures the JS-SDK, asks WeCom which
// customer is open, and shows that customer's profile, tags and scripts.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var state = { ext: '', me: null, profile: null, group: '', searchTimer: 0 };

  function show(id) {
    ['outside', 'loading', 'app'].forEach(function (x) { $(x).hidden = x !== id; });
  }

  function notice(text, ok) {
    var n = $('notice');
    n.textContent = text;
    n.className = ok ? 'notice ok' : 'notice';
    n.hidden = !text;
    if (ok) setTimeout(function () { if (n.textContent === text) n.hidden = true; }, 2500);
  }

  // api calls the sidebar API; errors carry the server's message.
  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 204) return null;
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error((data.error && data.error.message) || ('请求失败 ' + r.status));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function inWeCom() { return typeof window.wx !== 'undefined' && window.wx && typeof window.wx.invoke === 'function'; }

  // signIn makes sure the guide has a session: an OAuth code in the URL is
  // exchanged; without one, inside WeCom, we go through OAuth.
  function signIn() {
    return api('GET', '/api/sidebar/me').catch(function (err) {
      if (err.status !== 401) throw err;
      var params = new URLSearchParams(location.search), code = params.get('code');
      if (code) {
        return api('GET', '/api/sidebar/login?code=' + encodeURIComponent(code) + '&state=' + encodeURIComponent(params.get('state') || '')).then(function (me) {
          history.replaceState(null, '', location.pathname);
          return me;
        });
      }
      return api('GET', '/api/sidebar/config').then(function (cfg) {
        if (!cfg.corpid || !/wxwork/i.test(navigator.userAgent)) { throw Object.assign(new Error('outside'), { outside: true }); }
        location.replace('https://open.weixin.qq.com/connect/oauth2/authorize?appid=' + cfg.corpid +
          '&redirect_uri=' + encodeURIComponent(location.href.split('#')[0]) +
          '&response_type=code&scope=snsapi_base&agentid=' + cfg.agentid + '&state=' + encodeURIComponent(cfg.state) + '#wechat_redirect');
        return new Promise(function () {});
      });
    });
  }

  // configureJSSDK runs wx.config and wx.agentConfig with server signatures.
  function configureJSSDK() {
    var url = location.href.split('#')[0];
    return api('GET', '/api/sidebar/jssdk?url=' + encodeURIComponent(url)).then(function (sig) {
      return new Promise(function (resolve, reject) {
        var apis = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage', 'scanQRCode'];
        wx.config({ beta: true, debug: false, appId: sig.config.corpid, timestamp: sig.config.timestamp,
          nonceStr: sig.config.nonceStr, signature: sig.config.signature, jsApiList: apis });
        wx.ready(function () {
          wx.agentConfig({ corpid: sig.agentConfig.corpid, agentid: sig.agentConfig.agentid,
            timestamp: sig.agentConfig.timestamp, nonceStr: sig.agentConfig.nonceStr,
            signature: sig.agentConfig.signature, jsApiList: apis,
            success: resolve, fail: function (r) { reject(new Error('企业微信授权失败：' + (r && r.errMsg))); } });
        });
        if (wx.error) wx.error(function (r) { reject(new Error('JS-SDK 配置失败：' + (r && r.errMsg))); });
      });
    });
  }

  function invoke(name, args) {
    return new Promise(function (resolve, reject) {
      wx.invoke(name, args || {}, function (r) {
        if (r && r.err_msg && r.err_msg.indexOf(':ok') < 0) reject(new Error(name + '：' + r.err_msg));
        else resolve(r || {});
      });
    });
  }

  // currentChat is the customer ({ext}) or, opened from a group's
  // toolbar, the customer group ({chat}) the sidebar is open in.
  function currentChat() {
    return invoke('getContext').then(function (ctx) {
      if (ctx.entry === 'group_chat_tools') {
        return invoke('getCurExternalChat').then(function (r) {
          if (!r.chatId) throw new Error('没有拿到当前客户群');
          return { chat: r.chatId };
        });
      }
      if (ctx.entry && ctx.entry !== 'single_chat_tools' && ctx.entry !== 'contact_profile') {
        throw new Error('请在与客户的单聊或客户群中打开侧边栏');
      }
      return invoke('getCurExternalContact').then(function (r) {
        if (!r.userId) throw new Error('没有拿到当前客户');
        return { ext: r.userId };
      });
    });
  }

  // The group panel: name, owner, size, this week's joins and quits, the
  // customers who are members (level, points) and those not yet.
  function loadGroup() {
    return api('GET', '/api/sidebar/groups/' + encodeURIComponent(state.chat)).then(renderGroup);
  }

  function renderGroup(g) {
    $('gname').textContent = g.name || '未命名群';
    $('gowner').textContent = '群主：' + (g.owner_name || g.owner || '—');
    $('gsize').textContent = g.member_count;
    $('gjoins').textContent = g.joins_week;
    $('gquits').textContent = g.quits_week;
    var ul = $('gmembers');
    ul.innerHTML = '';
    if (!g.members.length) ul.appendChild(el('li', { 'class': 'empty' }, '群里还没有会员，发送入会话术邀请大家注册'));
    g.members.forEach(function (m) {
      var li = el('li', { 'data-member': m.userid });
      li.appendChild(el('span', {}, m.name || m.userid));
      li.appendChild(el('span', { 'class': 'valid' }, (m.level || '会员') + ' · ' + m.points + ' 积分'));
      ul.appendChild(li);
    });
    $('gprospects').textContent = g.prospects.length ? '未入会 ' + g.prospects.length + ' 人：' +
      g.prospects.map(function (m) { return m.name || m.userid; }).join('、') : '群里的客户都已是会员';
  }

  // --- rendering ---

  function renderProfile(p) {
    var name = p.nickname || '客户';
    $('name').textContent = name;
    $('avatar').textContent = name.slice(0, 1);
    $('level').textContent = p.level || '会员';
    $('points').textContent = p.points;
    $('streak').textContent = p.checkin_streak + ' 天';
    $('growth').textContent = p.growth;
    var sub = [];
    if (p.last_active_at) sub.push('最近活跃 ' + when(p.last_active_at));
    if (p.lifecycle) sub.push(p.lifecycle);
    if (p.rfm_segment) sub.push(p.rfm_segment);
    $('sub').textContent = sub.join(' · ');
    var hints = [];
    if (p.next_level && p.next_level_growth > 0) {
      var pct = Math.min(100, Math.round(100 * p.growth / p.next_level_growth));
      $('growthbar').hidden = false;
      $('growthbar').firstChild.style.width = pct + '%';
      hints.push('距 ' + p.next_level + ' 还差 ' + p.to_next + ' 成长值');
    } else {
      $('growthbar').hidden = true;
    }
    if (p.points_expiring) hints.push(p.points_expiring + ' 积分将于 ' + day(p.points_expire_by) + ' 过期');
    $('growthhint').textContent = hints.join('；');
    $('scene').textContent = p.first_scene || '—';
    $('store').textContent = p.store_name || p.store_code || '—';
    $('guide').textContent = p.guide_name || p.guide_userid || '—';
    renderCoupons(p.coupons || []);
    $('subscribed').textContent = p.subscribed ? '已关注' : (p.openid ? '已取关' : '未关注');
    renderTags(p.tags || [], p.tag_sources || {});
    renderTimeline(p.timeline || []);
  }

  function renderTags(tags, sources) {
    var box = $('tags');
    box.innerHTML = '';
    if (!tags.length) box.appendChild(el('span', { 'class': 'empty' }, '还没有标签'));
    tags.forEach(function (t) {
      var src = sources[t] || 'manual';
      var chip = el('span', { 'class': 'chip ' + src, 'data-tag': t }, t);
      if (src === 'manual') {
        var x = el('button', { type: 'button', 'aria-label': '移除标签 ' + t }, '×');
        x.onclick = function () { changeTags([], [t]); };
        chip.appendChild(x);
      }
      box.appendChild(chip);
    });
  }

  function renderTimeline(items) {
    var ul = $('timeline');
    ul.innerHTML = '';
    if (!items.length) ul.appendChild(el('li', { 'class': 'empty' }, '暂无动态'));
    items.forEach(function (it) {
      var li = el('li');
      var text = el('span', {}, it.text);
      if (it.points) {
        text.appendChild(el('b', { 'class': it.points > 0 ? 'plus' : 'minus' }, ' ' + (it.points > 0 ? '+' : '') + it.points));
      }
      li.appendChild(text);
      li.appendChild(el('time', {}, when(it.at)));
      ul.appendChild(li);
    });
  }

  function renderScripts(groups) {
    var tabs = $('groups');
    if (!state.groupsRendered) {
      tabs.innerHTML = '';
      [{ id: '', name: '全部' }].concat(groups).forEach(function (g) {
        var b = el('button', { type: 'button', 'data-group': g.id }, g.name);
        b.onclick = function () { state.group = String(g.id); loadScripts(); };
        tabs.appendChild(b);
      });
      state.groupsRendered = !$('search').value;
    }
    Array.prototype.forEach.call(tabs.children, function (b) { b.className = b.getAttribute('data-group') === state.group ? 'on' : ''; });
    var ul = $('scripts');
    ul.innerHTML = '';
    var n = 0;
    groups.forEach(function (g) {
      g.scripts.forEach(function (s) {
        n++;
        var li = el('li', { 'data-script': s.id });
        var title = el('div', { 'class': 'title' }, s.title);
        title.appendChild(el('span', {}, '点击发送'));
        li.appendChild(title);
        li.appendChild(el('div', { 'class': 'body' }, s.content));
        li.onclick = function () { sendScript(s); };
        ul.appendChild(li);
      });
    });
    if (!n) ul.appendChild(el('li', { 'class': 'empty' }, $('search').value ? '没有找到相关话术' : '总部还没有配置话术'));
  }

  function renderCoupons(coupons) {
    var ul = $('coupons');
    ul.innerHTML = '';
    if (!coupons.length) ul.appendChild(el('li', { 'class': 'empty' }, '暂无可用优惠券'));
    coupons.forEach(function (cp) {
      var li = el('li', { 'data-coupon': cp.code });
      li.appendChild(el('span', {}, cp.title));
      li.appendChild(el('span', { 'class': 'valid' }, '有效期至 ' + day(cp.valid_to)));
      ul.appendChild(li);
    });
  }

  function loadTemplates() {
    return api('GET', '/api/sidebar/coupon-templates').then(function (r) {
      var sel = $('template');
      sel.innerHTML = '';
      state.templates = r.templates || [];
      $('issue').hidden = !state.templates.length;
      state.templates.forEach(function (t) {
        var o = el('option', { value: t.id }, t.name + '（今日剩 ' + t.left_today + ' 张）');
        if (!t.left_today) o.disabled = true;
        sel.appendChild(o);
      });
    }).catch(function (e) { notice(e.message); });
  }

  function issueCoupon() {
    var id = Number($('template').value);
    if (!id) return;
    var rid = 'sb' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    $('issuebtn').disabled = true;
    api('POST', '/api/sidebar/contacts/' + encodeURIComponent(state.ext) + '/coupons', { template_id: id, request_id: rid })
      .then(function (cp) { notice('已发放「' + cp.title + '」', true); return Promise.all([loadProfile(), loadTemplates()]); })
      .catch(function (e) { notice(e.message); })
      .then(function () { $('issuebtn').disabled = false; });
  }

  // scanCoupon reads a member's coupon QR (it carries the coupon code) with
  // the camera and redeems it for the guide's store, once per scan.
  function scanCoupon() {
    wx.scanQRCode({
      needResult: 1, scanType: ['qrCode', 'barCode'],
      success: function (res) {
        var code = String(res.resultStr || '').split(',').pop().trim();
        if (!code) { notice('没有识别到券码'); return; }
        var rid = 'scan' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
        api('POST', '/api/sidebar/coupons/redeem', { code: code, request_id: rid })
          .then(function (r) { notice('已核销「' + r.coupon.title + '」', true); return loadProfile(); })
          .catch(function (e) { notice('核销失败：' + e.message); });
      },
      fail: function (r) { notice('扫码失败：' + ((r && r.errMsg) || '请重试')); }
    });
  }

  function day(ts) {
    var d = new Date(ts);
    return isNaN(d) ? '' : (d.getFullYear() + '-' + (d.getMonth() + 1) + '-' + d.getDate());
  }

  function when(ts) {
    var d = new Date(ts);
    if (isNaN(d)) return '';
    var pad = function (x) { return (x < 10 ? '0' : '') + x; };
    return (d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  // --- actions ---

  function loadProfile() {
    return api('GET', '/api/sidebar/contacts/' + encodeURIComponent(state.ext)).then(function (p) {
      state.profile = p;
      renderProfile(p);
    });
  }

  function loadScripts() {
    var q = $('search').value.trim();
    var qs = '?external_userid=' + encodeURIComponent(state.ext) + '&q=' + encodeURIComponent(q) +
      (state.group ? '&group=' + encodeURIComponent(state.group) : '');
    return api('GET', '/api/sidebar/scripts' + qs).then(function (r) { renderScripts(r.groups); })
      .catch(function (e) { notice(e.message); });
  }

  function sendScript(s) {
    invoke('sendChatMessage', { msgtype: 'text', enterChat: true, text: { content: s.content } }).then(function () {
      notice('已发送「' + s.title + '」', true);
      return api('POST', '/api/sidebar/scripts/' + s.id + '/sent', {});
    }).catch(function (e) { notice(e.message); });
  }

  // HQ task items for this customer: title, instructions, and the
  // buttons to act on them. The panel stays hidden while there are none.
  function loadTasks() {
    return api('GET', '/api/sidebar/tasks?external_userid=' + encodeURIComponent(state.ext)).then(function (r) {
      renderTasks(r.items || []);
    }).catch(function (e) { notice(e.message); });
  }

  function renderTasks(items) {
    var ul = $('tasklist');
    ul.innerHTML = '';
    $('tasks').hidden = items.length === 0;
    items.forEach(function (it) {
      var li = el('li', { 'data-item': it.id });
      var title = el('div', { 'class': 'title' }, it.title);
      title.appendChild(el('span', {}, '截止 ' + when(it.deadline)));
      li.appendChild(title);
      if (it.instructions) li.appendChild(el('div', { 'class': 'body' }, it.instructions));
      if (it.coupon) li.appendChild(el('div', { 'class': 'body' }, '已发券：' + it.coupon.title));
      var note = el('input', { 'type': 'text', 'placeholder': '备注（可选）', 'class': 'note', 'maxlength': '200' });
      li.appendChild(note);
      var row = el('div', { 'class': 'actions' });
      if (it.kind === 'message' && it.content) {
        var send = el('button', { 'type': 'button', 'class': 'send' }, '发送话术');
        send.onclick = function () {
          var text = it.content + (it.link ? '\n' + it.link : '');
          invoke('sendChatMessage', { msgtype: 'text', enterChat: true, text: { content: text } })
            .then(function () { return completeItem(it, 'done', note.value); })
            .catch(function (e) { notice(e.message); });
        };
        row.appendChild(send);
      }
      var done = el('button', { 'type': 'button', 'class': 'done' }, '完成');
      done.onclick = function () { completeItem(it, 'done', note.value); };
      var skip = el('button', { 'type': 'button', 'class': 'skip' }, '跳过');
      skip.onclick = function () { completeItem(it, 'skipped', note.value); };
      row.appendChild(done);
      row.appendChild(skip);
      li.appendChild(row);
      ul.appendChild(li);
    });
  }

  function completeItem(it, status, note) {
    return api('POST', '/api/sidebar/task-items/' + it.id, { status: status, note: (note || '').trim() }).then(function () {
      notice(status === 'done' ? '已完成「' + it.title + '」' : '已跳过「' + it.title + '」', true);
      return loadTasks();
    }).catch(function (e) { notice(e.message); });
  }

  // --- materials (素材库) ---

  var materialKinds = { image: '图片', video: '视频', file: '文件', link: '文章', miniprogram: '小程序' };

  function loadMaterials() {
    var q = $('msearch').value.trim();
    return api('GET', '/api/sidebar/materials' + (q ? '?q=' + encodeURIComponent(q) : '')).then(function (r) {
      renderMaterials(r.materials || []);
    }).catch(function (e) {
      if (e.status === 503) { // no material library on this server: no card to show
        $('materials').closest('section').hidden = true;
        return;
      }
      notice(e.message);
    });
  }

  function renderMaterials(items) {
    var ul = $('materials');
    ul.innerHTML = '';
    if (!items.length) {
      ul.appendChild(el('li', { 'class': 'muted' }, '没有可用的素材：请总部在素材库上架，或换个关键词'));
      return;
    }
    items.forEach(function (m) {
      var li = el('li', { 'data-material': String(m.id) });
      if (m.type === 'image') li.appendChild(el('img', { src: '/api/sidebar/materials/' + m.id + '/content', alt: m.title, 'class': 'thumb' }));
      else if (m.cover_url) li.appendChild(el('img', { src: m.cover_url, alt: m.title, 'class': 'thumb' }));
      li.appendChild(el('span', { 'class': 'badge' }, materialKinds[m.type] || m.type));
      li.appendChild(el('b', {}, m.title));
      if (m.description) li.appendChild(el('div', { 'class': 'muted small' }, m.description));
      var send = el('button', { type: 'button' }, '发送');
      send.onclick = function () { sendMaterial(m, send); };
      li.appendChild(send);
      ul.appendChild(li);
    });
  }

  function sendMaterial(m, btn) {
    btn.disabled = true;
    api('POST', '/api/sidebar/materials/' + m.id + '/send', { external_userid: state.ext }).then(function (r) {
      return invoke('sendChatMessage', r.message);
    }).then(function () { notice('已发送「' + m.title + '」', true); })
      .catch(function (e) { notice(e.message); })
      .then(function () { btn.disabled = false; });
  }

  function changeTags(add, remove) {
    return api('POST', '/api/sidebar/contacts/' + encodeURIComponent(state.ext) + '/tags', { add: add, remove: remove })
      .then(function () { notice(add.length ? '已添加标签' : '已移除标签', true); return loadProfile(); })
      .catch(function (e) { notice(e.message); });
  }

  $('tagform').onsubmit = function (ev) {
    ev.preventDefault();
    var t = $('newtag').value.trim();
    if (!t) return;
    $('newtag').value = '';
    changeTags([t], []);
  };
  $('issuebtn').onclick = issueCoupon;
  $('scanbtn').onclick = scanCoupon;
  $('msearch').oninput = function () {
    clearTimeout(state.msearchTimer);
    state.msearchTimer = setTimeout(loadMaterials, 200);
  };
  $('search').oninput = function () {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(loadScripts, 200);
  };

  // --- start ---

  function start() {
    if (!inWeCom()) {
      show('outside');
      return;
    }
    signIn().then(function (me) {
      state.me = me;
      return configureJSSDK();
    }).then(currentChat).then(function (cur) {
      document.body.classList.toggle('group-mode', !!cur.chat);
      if (cur.chat) {
        state.chat = cur.chat;
        return Promise.all([loadGroup(), loadScripts()]);
      }
      state.ext = cur.ext;
      return Promise.all([loadProfile(), loadScripts(), loadTemplates(), loadTasks(), loadMaterials()]);
    }).then(function () {
      show('app');
    }).catch(function (e) {
      if (e.outside) { show('outside'); return; }
      show('loading');
      $('loading').textContent = e.message;
      notice(e.message);
    });
  }

  window.siyuSidebar = { reload: start };
  start();
})();
