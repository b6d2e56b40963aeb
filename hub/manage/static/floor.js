/* The live floor (ES5): follows the hub's events for this console session and redraws the
   floor from /manage/floor after each burst of them; between events it only moves the clock and
   the running durations (elements with data-since, in the hub's milliseconds). Nothing is
   polled. */
(function () {
  "use strict";
  var box = document.getElementById("floor");
  var state = document.getElementById("live-state");
  if (!box || !window.EventSource) { return; }
  var offset = 0;       /* hub clock minus this browser's clock, ms */
  var hallOffset = 480; /* the hall's UTC offset, minutes */
  var pending = null;
  var loading = false;
  var again = false;

  function setState(name, text) {
    state.setAttribute("data-state", name);
    state.textContent = text;
  }

  function readClock() {
    var floor = box.querySelector(".floor");
    if (!floor) { return; }
    offset = parseInt(floor.getAttribute("data-now"), 10) - new Date().getTime();
    hallOffset = parseInt(floor.getAttribute("data-utc-offset"), 10);
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600);
    if (h) { return h + "小时" + two(Math.floor((s % 3600) / 60)) + "分"; }
    if (s >= 60) { return Math.floor(s / 60) + "分钟"; }
    return s + "秒";
  }

  function tick() {
    var now = new Date().getTime() + offset;
    var hall = new Date(now + hallOffset * 60000);
    var clock = document.getElementById("floor-clock");
    if (clock) { clock.textContent = two(hall.getUTCHours()) + ":" + two(hall.getUTCMinutes()); }
    var running = box.querySelectorAll("[data-since]");
    for (var i = 0; i < running.length; i++) {
      running[i].textContent = duration(now - parseInt(running[i].getAttribute("data-since"), 10));
    }
  }

  function redraw() {
    pending = null;
    if (loading) { again = true; return; }
    loading = true;
    var request = new XMLHttpRequest();
    request.open("GET", box.getAttribute("data-fragment"));
    request.onload = function () {
      loading = false;
      if (request.status === 200 && request.responseURL.indexOf("/manage/login") < 0) {
        box.innerHTML = request.responseText;
        readClock();
        tick();
        box.setAttribute("data-drawn", String(new Date().getTime()));
      } else {
        setState("expired", "登录已过期，请刷新页面重新登录");
        source.close();
      }
      if (again) { again = false; soon(); }
    };
    request.onerror = function () { loading = false; };
    request.send();
  }

  function soon() {
    if (pending === null) { pending = window.setTimeout(redraw, 250); }
  }

  var source = new EventSource(box.getAttribute("data-events"));
  var types = (box.getAttribute("data-types") || "").split(",");
  for (var t = 0; t < types.length; t++) {
    if (types[t]) { source.addEventListener(types[t], soon); }
  }
  /* reset: the hub is behind what this page saw (restored from a backup): redraw it all. */
  source.addEventListener("reset", soon);
  source.onopen = function () {
    setState("live", "实时更新中");
    soon(); /* anything missed while (re)connecting */
  };
  source.onerror = function () {
    if (state.getAttribute("data-state") !== "expired") {
      setState("down", "与集中控制器的连接中断，正在重连…");
    }
  };
  readClock();
  window.setInterval(tick, 1000);
})();
