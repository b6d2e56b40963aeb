/* The console's shared script (ES5, no build step): the phone navigation toggle, and
   hallkit.fetch, which sends the session's CSRF token with every request that may change
   something. Pages load their own scripts after this one. */
(function () {
  "use strict";
  var hallkit = window.hallkit = window.hallkit || {};

  /* The session's CSRF token, from <meta name="csrf-token">. */
  hallkit.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /* fetch() on the hub with the session cookie and, for unsafe methods, X-CSRF-Token. */
  hallkit.fetch = function (url, options) {
    var opts = options || {};
    var method = (opts.method || "GET").toUpperCase();
    var headers = opts.headers || {};
    if (method !== "GET" && method !== "HEAD") {
      headers["X-CSRF-Token"] = hallkit.csrf();
    }
    opts.headers = headers;
    opts.credentials = "same-origin";
    return window.fetch(url, opts);
  };

  var toggle = document.getElementById("nav-toggle");
  if (toggle) {
    document.body.className += " js";
    toggle.addEventListener("click", function () {
      var open = document.body.className.indexOf("nav-open") >= 0;
      document.body.className = open
        ? document.body.className.replace(" nav-open", "")
        : document.body.className + " nav-open";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
    });
  }
})();
