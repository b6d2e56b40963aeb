/* The web window board and hall display. ES5 only (old Android TV browsers): no modules, no
   fetch, no arrow functions, no const/let. Same content and rules as boards/board_model.py and
   boards/display_model.py; the texts come with the page (window.HALL.texts, hub/board_texts.py).

   Link: GET /health (last seq), snapshot (windows, queue), then follow /api/v1/events from that
   seq with EventSource (XHR streaming where there is none). After any cut, and after a "reset"
   event (the hub was restored from an older backup): snapshot again. */
(function () {
  "use strict";
  var C = window.HALL;
  var TEXTS = C.texts;
  var MAX_CALLS = 8, FRESH_MS = 10000, THANKS_MS = 5000, RETRY_MS = 1000, HEALTH_MS = 10000;
  var BANNER_MS = 6000; /* a new call fills the screen this long (boards/display_model.py) */
  /* The weekdays of the apps' one clock (appkit/style.py WEEKDAYS), Sunday first as getUTCDay. */
  var WEEKDAYS = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];
  var EVENT_TYPES = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.skipped",
    "ticket.finished", "ticket.transferred", "ticket.requeued", "window.status", "window.clerk",
    "window.paused", "window.resumed", "rating.requested", "rating.recorded", "day.closed",
    "catalog.applied", "config.applied"];

  function text(key, values) {
    var s = TEXTS[key];
    var k;
    for (k in values) {
      if (values.hasOwnProperty(k)) { s = s.split("{" + k + "}").join(String(values[k])); }
    }
    return s;
  }
  function $(id) { return document.getElementById(id); }
  function setText(id, value) {
    var el = $(id);
    if (el) { el.textContent !== undefined ? el.textContent = value : el.innerText = value; }
  }
  function show(id, visible) { var el = $(id); if (el) { el.style.display = visible ? "" : "none"; } }
  function now() { return new Date().getTime(); }
  function withToken(path) {
    return path + (path.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(C.token);
  }
  function get(path, ok, fail) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", withToken("/api/v1" + path), true);
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      if (xhr.status === 200) {
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      }
      if (data !== null) { ok(data); } else { fail(xhr.status); }
    };
    xhr.send(null);
  }
  function maskName(name) {
    if (!name || typeof name !== "string") { return ""; }
    name = name.replace(/^\s+|\s+$/g, "");
    if (name.indexOf("*") >= 0 || name.length <= 1) { return name; }
    if (name.length === 2) { return name.charAt(0) + "*"; }
    return name.charAt(0) + new Array(name.length - 1).join("*") + name.charAt(name.length - 1);
  }

  var names = {}, order = [];
  function setCategories(list) {
    var i;
    names = {}; order = [];
    for (i = 0; i < list.length; i++) {
      names[list[i][0]] = list[i][1];
      order.push(list[i][0]);
    }
  }
  setCategories(C.categories || []);

  /* ---- window board --------------------------------------------------------------------- */
  var B = {
    name: C.name || "", unit: C.unit || "", codes: [], clerk: null, status: "idle",
    reason: null, serving: null, citizen: null, rating: null, ratingUntil: 0, thanksUntil: 0
  };

  function clerkOf(data) {
    if (!data || !data.number) { return null; }
    return { number: String(data.number), name: data.name || "", title: data.title || "",
      photo: data.photo || null };
  }
  function boardResync(w) {
    if (!w || (w.number !== undefined && w.number !== C.window)) { return; }
    B.codes = w.categories || [];
    B.name = w.name || B.name;
    B.unit = w.unit || B.unit;
    B.clerk = clerkOf(w.clerk);
    if (!B.clerk && w.clerk_id && w.clerk === undefined) {
      B.clerk = { number: String(w.clerk_id), name: w.clerk_name || "", title: "", photo: null };
    }
    B.status = w.status || "idle";
    B.reason = B.status === "paused" ? w.pause_reason : null;
    B.serving = w.current ? w.current.number : null;
    B.citizen = w.current ? maskName(w.current.name_masked) : null;
    if (w.rating_pending && w.rating_pending.number) {
      B.rating = w.rating_pending.number;
      B.ratingUntil = w.rating_pending.expires_at ? Date.parse(w.rating_pending.expires_at) : 0;
      B.thanksUntil = 0;
    } else {
      B.rating = null;
    }
  }
  function boardApply(type, p) {
    var mine = p.window === C.window;
    var clerk;
    if (type === "window.status") {
      boardResync(p);
    } else if ((type === "ticket.called" || type === "ticket.recalled") && mine && p.ticket) {
      B.status = "serving"; B.reason = null; B.serving = p.ticket.number;
      B.citizen = maskName(p.ticket.name_masked); B.rating = null; B.thanksUntil = 0;
    } else if (type === "ticket.skipped" || type === "ticket.finished" ||
               type === "ticket.transferred") {
      if ((mine || p.from_window === C.window) && B.status === "serving") {
        B.status = "idle"; B.serving = null; B.citizen = null;
      }
    } else if (type === "window.paused" && mine) {
      B.status = "paused"; B.reason = p.reason || null;
    } else if (type === "window.resumed" && mine) {
      B.status = B.serving ? "serving" : "idle"; B.reason = null;
    } else if (type === "window.clerk") {
      clerk = clerkOf(p.clerk);
      if (mine) { B.clerk = clerk; } else if (clerk && B.clerk && clerk.number === B.clerk.number) {
        B.clerk = null;
      }
    } else if (type === "rating.requested" && mine) {
      B.rating = p.number || "";
      B.ratingUntil = p.expires_at ? Date.parse(p.expires_at) :
        (p.timeout_seconds ? now() + p.timeout_seconds * 1000 : 0);
      B.thanksUntil = 0;
    } else if (type === "rating.recorded" && mine) {
      B.rating = null; B.thanksUntil = now() + THANKS_MS;
    } else if (type === "day.closed") {
      B.status = "idle"; B.reason = null; B.serving = null; B.citizen = null; B.clerk = null;
      B.rating = null; B.thanksUntil = 0;
    }
  }
  var shownPhoto = null;
  function renderBoard() {
    var items = [], i, t = now();
    if (B.rating && B.ratingUntil && B.ratingUntil <= t) { B.rating = null; }
    if (B.thanksUntil && B.thanksUntil <= t) { B.thanksUntil = 0; }
    for (i = 0; i < B.codes.length; i++) { items.push(names[B.codes[i]] || B.codes[i]); }
    setText("winno", text("window_label", { n: C.window }));
    setText("name", B.name);
    setText("unit", B.unit);
    setText("items-label", text("items_label"));
    setText("items", items.join("、"));
    setText("phones", phonesText());
    show("phones", !!phonesText());
    setText("clerk-name", B.clerk ? B.clerk.name : text("no_clerk"));
    setText("clerk-no", B.clerk ? text("clerk_label") + " " + B.clerk.number : "");
    setText("clerk-title", B.clerk ? B.clerk.title : "");
    var photo = B.clerk && B.clerk.photo ? withToken(B.clerk.photo) : null;
    if (photo !== shownPhoto) {
      shownPhoto = photo;
      if (photo) { $("photo-img").src = photo; }
      show("photo-img", !!photo);
      show("photo-none", !photo);
    }
    var status = text("status_" + (B.status === "paused" || B.status === "serving" ? B.status : "idle"));
    if (B.status === "paused" && B.reason) { status += text("pause_reason", { reason: B.reason }); }
    setText("status", status);
    $("status").className = "status status-" + B.status;
    setText("serving-label", text("serving_label"));
    setText("number", B.serving || text("no_ticket"));
    $("number").className = B.serving ? "number" : "number empty";
    setText("citizen", B.citizen || "");
    show("rating", !!(B.rating || B.thanksUntil));
    setText("rating-text", B.rating ? text("rating_prompt") : text("rating_thanks"));
    setText("rating-hint", B.rating ? text("rating_hint") : "");
  }

  function phonesText() {
    var lines = [];
    if (C.phone) { lines.push(text("hall_phone", { phone: C.phone })); }
    if (C.supervision_phone) { lines.push(text("supervision_phone", { phone: C.supervision_phone })); }
    return lines.join("\n");
  }

  /* ---- hall display --------------------------------------------------------------------- */
  /* perPerson: minutes of wait per waiting ticket, from the hub's estimates in GET /queue, so
     that an estimate follows the waiting count between snapshots (as the Qt display). */
  var D = { calls: [], counts: {}, seen: {}, perPerson: {} };

  function callKey(t) {
    return String(t.id || t.number) + "/" + (t.call_count || 0) + "/" + (t.recall_count || 0);
  }
  function displayResync(windows, queue) {
    var code, lane, total, i, w, serving = [], missing = [];
    if (queue && queue.waiting) {
      D.counts = {};
      for (code in queue.waiting) {
        if (queue.waiting.hasOwnProperty(code)) {
          total = 0;
          for (lane in queue.waiting[code]) {
            if (queue.waiting[code].hasOwnProperty(lane)) { total += queue.waiting[code][lane]; }
          }
          D.counts[code] = total;
        }
      }
    }
    if (queue && queue.categories) {
      D.perPerson = {};
      for (code in queue.categories) {
        if (queue.categories.hasOwnProperty(code)) {
          total = queue.categories[code] || {};
          if (total.waiting > 0 && total.estimated_wait_minutes > 0) {
            D.perPerson[code] = total.estimated_wait_minutes / total.waiting;
          }
        }
      }
    }
    for (i = 0; i < windows.length; i++) {
      w = windows[i];
      if (w.current && w.status !== "idle") { serving.push(w); }
    }
    serving.sort(function (a, b) {
      var x = a.current.called_at || "", y = b.current.called_at || "";
      return x < y ? -1 : (x > y ? 1 : 0);
    });
    for (i = 0; i < serving.length; i++) {
      w = serving[i];
      if (!D.seen[callKey(w.current)]) {
        D.seen[callKey(w.current)] = true;
        missing.unshift({ number: w.current.number, window: w.number, id: w.current.id, at: 0 });
      }
    }
    D.calls = missing.concat(D.calls).slice(0, MAX_CALLS);
  }
  function displayApply(type, p) {
    var t = p.ticket || {}, key, rest = [], i;
    if (type === "ticket.called" || type === "ticket.recalled") {
      if (type === "ticket.called") { count(t, -1); }
      if (typeof p.window !== "number" || !t.number) { return; }
      key = callKey(t);
      if (D.seen[key]) { return; }
      D.seen[key] = true;
      for (i = 0; i < D.calls.length; i++) {
        if (D.calls[i].id !== (t.id || t.number)) { rest.push(D.calls[i]); }
      }
      D.calls = [{ number: t.number, window: p.window, id: t.id || t.number, at: now() }]
        .concat(rest).slice(0, MAX_CALLS);
    } else if (type === "ticket.issued" || type === "ticket.requeued" ||
               type === "ticket.transferred") {
      count(t, 1);
    } else if (type === "day.closed") {
      D.calls = []; D.counts = {}; D.seen = {}; D.perPerson = {};
    }
  }
  function count(t, delta) {
    if (!t.category) { return; }
    if (delta > 0 && t.status && t.status !== "waiting") { return; }
    D.counts[t.category] = Math.max(0, (D.counts[t.category] || 0) + delta);
  }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function clockText(d) {
    /* 12月7日 星期一 10:26, as appkit/style.py clock_text; d's UTC fields are the hall's time */
    return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + WEEKDAYS[d.getUTCDay()] + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function estimate(code) {
    var n = D.counts[code] || 0, rate = D.perPerson[code] || 0;
    return n > 0 && rate > 0 ? Math.max(1, Math.round(rate * n)) : 0;
  }
  function renderBanner(t) {
    /* The newest call over everything below the head for BANNER_MS, one line as large as fits
       (never one found in a snapshot: its "at" is 0). Fixed over the page: nothing moves. */
    var c = D.calls[0], el = $("banner"), line = $("banner-line"), size, top;
    if (!c || !c.at || t - c.at >= BANNER_MS) { el.style.display = "none"; return; }
    setText("banner-line", text("banner_call", { number: c.number, window: c.window }));
    top = $("head").offsetHeight;
    el.style.top = top + "px";
    el.style.display = "";
    size = Math.floor((window.innerHeight - top) * 0.4);
    line.style.fontSize = size + "px";
    if (line.offsetWidth > window.innerWidth * 0.92) {
      size = Math.floor(size * window.innerWidth * 0.92 / line.offsetWidth);
      line.style.fontSize = size + "px";
    }
    el.style.lineHeight = (window.innerHeight - top) + "px";
  }
  function renderDisplay() {
    // The hall's time whatever zone the TV is set to: UTC fields shifted by the hall's offset.
    var rows = [], i, c, fresh, est, t = now(), d = new Date(t + (C.utc_offset_minutes || 0) * 60000);
    setText("hall", C.hall);
    setText("clock", clockText(d));
    setText("calls-title", text("display_calls"));
    setText("th-number", text("display_number"));
    setText("th-window", text("display_window"));
    setText("waiting-title", text("display_waiting"));
    if (!D.calls.length) {
      rows.push('<tr class="empty"><td colspan="2">' + esc(text("display_no_calls")) + "</td></tr>");
    }
    for (i = 0; i < D.calls.length; i++) {
      c = D.calls[i];
      fresh = i === 0 && c.at && t - c.at < FRESH_MS;
      rows.push('<tr class="call' + (fresh ? " fresh" : "") + '"><td class="num">' + esc(c.number) +
        '</td><td class="win">' + esc(text("window_label", { n: c.window })) + "</td></tr>");
    }
    $("call-rows").innerHTML = rows.join("");
    rows = [];
    for (i = 0; i < order.length; i++) {
      est = estimate(order[i]);
      rows.push('<tr><td class="cat">' + esc(names[order[i]]) + '</td><td class="cnt">' +
        esc(text("waiting_count", { count: D.counts[order[i]] || 0 })) + '</td><td class="est">' +
        (est ? esc(text("waiting_estimate", { minutes: est })) : "") + "</td></tr>");
    }
    $("wait-rows").innerHTML = rows.join("");
    renderBanner(t);
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  /* ---- the link --------------------------------------------------------------------------- */
  var board = C.mode === "board";
  var source = null, xhrStream = null, connected = false, connecting = false, lastSeq = 0;

  function render() { if (board) { renderBoard(); } else { renderDisplay(); } }
  function setConnected(up) {
    connected = up;
    setText("offline", text("offline"));
    show("offline", !up);
  }
  /* A payload is read only when the fields the page reads have the types hub/wire_events.py's
     models declare (the Qt boards read it by those models): one that has not is skipped, and
     the page keeps what it shows. */
  function isNum(v) { return typeof v === "number"; }
  function isStr(v) { return typeof v === "string"; }
  function isTicket(t) {
    return !!t && typeof t === "object" && isStr(t.id) && isStr(t.number) && isStr(t.category) &&
      isStr(t.status);
  }
  function isClerk(c) {
    return c === null || c === undefined || (typeof c === "object" && isStr(c.number));
  }
  function readable(type, p) {
    if (!p || typeof p !== "object") { return false; }
    if (type === "ticket.called" || type === "ticket.recalled" || type === "ticket.skipped" ||
        type === "ticket.finished") { return isTicket(p.ticket) && isNum(p.window); }
    if (type === "ticket.transferred") { return isTicket(p.ticket) && isNum(p.from_window); }
    if (type === "ticket.issued" || type === "ticket.requeued") { return isTicket(p.ticket); }
    if (type === "window.status") {
      return isNum(p.number) && isStr(p.name) && isStr(p.status) && p.categories instanceof Array &&
        (!p.current || isTicket(p.current)) && isClerk(p.clerk);
    }
    if (type === "window.paused" || type === "window.resumed") { return isNum(p.window); }
    if (type === "window.clerk") { return isNum(p.window) && isClerk(p.clerk); }
    if (type === "rating.requested") { return isNum(p.window) && isStr(p.number); }
    if (type === "rating.recorded") { return isNum(p.window); }
    return true;
  }
  function onEvent(data) {
    var msg;
    try { msg = JSON.parse(data); } catch (e) { return; }
    if (!msg || !msg.type) { return; }
    if (msg.seq) { lastSeq = msg.seq; }
    if (readable(msg.type, msg.payload)) {
      if (board) { boardApply(msg.type, msg.payload); } else { displayApply(msg.type, msg.payload); }
    }
    render();
    // reset: the hub is behind what this page saw (restored from a backup): start afresh.
    // config.applied: the hall's settings changed (window name, notice, phones): the page
    // is made from them, so it loads itself again.
    if (msg.type === "config.applied") {
      window.location.reload();
      return;
    }
    if (msg.type === "day.closed" || msg.type === "catalog.applied" || msg.type === "reset") {
      reconnect();
    }
  }
  function snapshot(done, fail) {
    get("/catalog", function (cat) {
      var list = [], i;
      for (i = 0; i < (cat.categories || []).length; i++) {
        list.push([cat.categories[i].code, cat.categories[i].name]);
      }
      if (list.length) { setCategories(list); }
      if (board) {
        get("/windows/" + C.window, function (w) { boardResync(w); done(); }, fail);
      } else {
        get("/windows", function (ws) {
          get("/queue", function (q) { displayResync(ws.windows || [], q); done(); }, fail);
        }, fail);
      }
    }, fail);
  }
  function closeStream() {
    if (source) { source.close(); source = null; }
    if (xhrStream) { xhrStream.onreadystatechange = null; xhrStream.abort(); xhrStream = null; }
  }
  function reconnect() {
    closeStream();
    setConnected(false);
    if (!connecting) { window.setTimeout(connect, 0); }
  }
  function retryLater() {
    connecting = false;
    setConnected(false);
    window.setTimeout(connect, RETRY_MS);
  }
  function connect() {
    if (connecting) { return; }
    connecting = true;
    closeStream();
    get("/health", function (h) {
      var seq = h.last_seq || 0;
      snapshot(function () {
        render();
        openStream(seq);
      }, retryLater);
    }, retryLater);
  }
  function openStream(seq) {
    var url = withToken("/api/v1/events?since=" + seq + "&types=" + EVENT_TYPES.join(","));
    lastSeq = seq;
    if (window.EventSource) {
      var i, opened = false;
      source = new window.EventSource(url);
      for (i = 0; i < EVENT_TYPES.length; i++) {
        source.addEventListener(EVENT_TYPES[i], function (e) { onEvent(e.data); }, false);
      }
      source.addEventListener("reset", function (e) { onEvent(e.data); }, false);
      source.onopen = function () {
        if (opened) {
          // A reconnect by the browser itself (hub restart): take a fresh snapshot too.
          snapshot(function () { render(); setConnected(true); }, function () {});
        }
        opened = true;
        connecting = false;
        setConnected(true);
      };
      source.onerror = function () {
        setConnected(false);
        if (source && source.readyState === 2) { source = null; retryLater(); }
      };
    } else {
      streamWithXhr(url);
    }
  }
  function streamWithXhr(url) {
    var xhr = new XMLHttpRequest(), pos = 0, buffer = "";
    xhrStream = xhr;
    xhr.open("GET", url, true);
    xhr.onreadystatechange = function () {
      var chunk, parts, i, lines, j, data;
      if (xhr.readyState >= 3 && xhr.status === 200) {
        if (!connected) { connecting = false; setConnected(true); }
        chunk = xhr.responseText.substring(pos);
        pos = xhr.responseText.length;
        if (pos > 2000000) { reconnect(); return; }  // the text only grows: start afresh
        buffer += chunk.replace(/\r/g, "");
        parts = buffer.split("\n\n");
        buffer = parts.pop();
        for (i = 0; i < parts.length; i++) {
          lines = parts[i].split("\n");
          data = [];
          for (j = 0; j < lines.length; j++) {
            if (lines[j].indexOf("data:") === 0) { data.push(lines[j].substring(5).replace(/^ /, "")); }
          }
          if (data.length) { onEvent(data.join("\n")); }
        }
      }
      if (xhr.readyState === 4 && xhrStream === xhr) { xhrStream = null; retryLater(); }
    };
    xhr.send(null);
  }
  // A silent network cut leaves a stream open with nothing coming: ask the hub now and then.
  function watch() {
    get("/health", function () {
      if (!connected && !connecting && !source && !xhrStream) { connect(); }
    }, function () {
      if (connected) { reconnect(); }
    });
  }

  if (!board) { setText("notice", C.notice || ""); }
  setConnected(false);
  render();
  connect();
  window.setInterval(render, 1000);
  window.setInterval(watch, HEALTH_MS);
}());
