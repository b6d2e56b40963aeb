/* The citizen's phone page: follows one ticket (or one case) and rates a finished service.
   ES5 only (old Android WebViews): no let/const, arrow functions, fetch or promises. */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("settings").textContent);
  var base = "/m/" + settings.code;
  var view = settings.view;
  var chosenLevel = null;
  var source = null;
  var pollTimer = null;
  var ratingTimer = null;

  function $(id) { return document.getElementById(id); }

  function esc(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function setLink(text, bad) {
    var el = $("link");
    el.textContent = text;
    el.className = bad ? "link link-bad" : "link";
  }

  function ticketState(v) {
    if (v.status === "waiting") {
      return '<div class="big">前面还有 <b>' + esc(v.ahead) + "</b> 人</div>" +
        '<div class="small">预计等候约 <b>' + esc(v.wait_minutes) + "</b> 分钟</div>";
    }
    if (v.status === "called") {
      return '<div class="big">请到 <b>' + esc(v.window) + "</b> 号窗口</div>" +
        '<div class="small">' + esc(v.window_name) + "</div>";
    }
    if (v.status === "finished") { return '<div class="big">办理完毕</div>'; }
    if (v.status === "missed") {
      return '<div class="big">已过号</div><div class="small">可到取号机选择“过号重排”重新排队</div>';
    }
    return '<div class="big">号票已失效</div>';
  }

  function renderRating(v) {
    var box = $("rating");
    var r = v.rating || { state: "none" };
    if (ratingTimer) { clearTimeout(ratingTimer); ratingTimer = null; }
    if (r.state === "none") { box.hidden = true; return; }
    box.hidden = false;
    var levels = $("levels");
    if (r.state === "open") {
      $("rating-title").textContent = "请对本次服务进行评价";
      levels.hidden = false;
      $("rating-note").textContent = "";
    } else if (r.state === "keypad") {
      $("rating-title").textContent = "请在窗口的评价器上评价";
      levels.hidden = true;
      $("reasons").hidden = true;
      $("rating-note").textContent = "如未在评价器上评价，稍后可在此评价";
      ratingTimer = setTimeout(refresh, (r.opens_in + 1) * 1000);
    } else {
      $("rating-title").textContent = "感谢您的评价";
      levels.hidden = true;
      $("reasons").hidden = true;
      $("rating-note").textContent = "您的评价：" + (r.text || "");
    }
  }

  function render(v) {
    var before = view;
    view = v;
    if (v.kind === "case") {
      $("case-status").textContent = v.status_text;
      var detail = "";
      if (v.status === "ready") { detail = "请带回执到 " + v.window + " 号窗口领取"; }
      else if (v.status === "correction") { detail = "请一次性补齐以下材料，到 " + v.window + " 号窗口办理"; }
      else if (v.status === "rejected" && v.reason) { detail = "原因：" + v.reason; }
      else if (v.promised_on && (v.status === "accepted" || v.status === "processing")) {
        detail = "承诺办结日期：" + v.promised_on;
      }
      $("case-detail").textContent = detail;
      var list = "";
      for (var i = 0; i < (v.missing || []).length; i++) { list += "<li>" + esc(v.missing[i]) + "</li>"; }
      $("missing").innerHTML = list;
      $("state").className = "state state-" + v.status;
      return;
    }
    $("state").innerHTML = ticketState(v);
    $("state").className = "state state-" + v.status;
    renderRating(v);
    if (v.status === "called" && (!before || before.status !== "called" || before.window !== v.window)) {
      if (navigator.vibrate) { try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) {} }
    }
  }

  function request(method, path, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, base + path, true);
    if (body) { xhr.setRequestHeader("Content-Type", "application/json"); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data);
    };
    xhr.send(body ? JSON.stringify(body) : null);
  }

  function refresh() {
    request("GET", "/state", null, function (status, data) {
      if (status === 200 && data) {
        render(data);
        if (!source) { setLink("已更新", false); }
        if (data.updated && $("updated")) { $("updated").textContent = data.updated; }
      }
      else if (status === 404) { setLink("此页面已过期", true); stopAll(); }
      else if (!source) { setLink("网络中断，正在重试…", true); }
    });
  }

  function stopAll() {
    if (source) { source.close(); source = null; }
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function poll() {
    if (pollTimer) { return; }
    refresh();
    pollTimer = setInterval(refresh, settings.poll_seconds * 1000);
  }

  function listen(es, opened) {
    es.addEventListener("view", function (e) {
      if (opened) { opened(); opened = null; }
      if (es !== source) { return; }
      setLink("实时更新中", false);
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
      render(JSON.parse(e.data));
    });
    // The hub asks for a new stream now and then: open it, and close this one once the new
    // one has spoken, so no update falls between the two.
    es.addEventListener("renew", function () {
      if (es !== source) { return; }
      var next = new EventSource(base + "/events");
      source = next;
      listen(next, function () { es.close(); });
    });
    es.onerror = function () {
      if (es !== source) { return; }
      // A refused stream (busy hub) is closed for good: ask every few seconds instead. Any
      // other failure: the browser opens the stream again by itself.
      if (es.readyState === 2) { source = null; poll(); return; }
      setLink("连接中断，正在重新连接…", true);
    };
  }

  function follow() {
    if (!settings.stream || !window.EventSource) { poll(); return; }
    source = new EventSource(base + "/events");
    listen(source, null);
  }

  function sendRating(level, reason) {
    $("rating-note").textContent = "正在提交…";
    request("POST", "/rating", { level: level, reason: reason }, function (status, data) {
      if (status === 200 && data) { render(data); return; }
      $("rating-note").textContent = (data && data.message) || "提交失败，请稍后再试";
      if (status === 409) { refresh(); }
    });
  }

  function onLevel(e) {
    var level = parseInt(e.target.getAttribute("data-level"), 10);
    if (!level) { return; }
    chosenLevel = level;
    var bad = (settings.choices.bad_levels || []).indexOf(level) >= 0;
    if (bad) { $("reasons").hidden = false; $("rating-note").textContent = ""; return; }
    sendRating(level, null);
  }

  function onReason(e) {
    var reason = e.target.getAttribute("data-reason");
    if (!reason || !chosenLevel) { return; }
    sendRating(chosenLevel, reason);
  }

  if (view.kind === "ticket") {
    $("levels").onclick = onLevel;
    $("reasons").onclick = onReason;
    renderRating(view);
  }
  follow();
  if (!settings.stream) { setLink("每分钟自动更新", false); }
})();
