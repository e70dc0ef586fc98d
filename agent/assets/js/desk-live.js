// rekam desk: keeps a waiting page current without flicker. It polls the page's
// data-state-url (JSON {key}) and reloads the page only when the key changes (the resident
// approved, the desk moved on). On the face screen it also shows the face checks' advice as it
// changes (server-sent events) and a banner when the camera fails.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.querySelector("main[data-state-url]");
    if (main) {
      var url = main.getAttribute("data-state-url");
      var known = main.getAttribute("data-key");
      var poll = function () {
        fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Rekam-Background": "1" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (s) {
            if (!s) { return; }
            if (known === null) { known = s.key; return; }
            if (s.key !== known) { window.location.reload(); }
          })
          .catch(function () {});
      };
      poll();
      setInterval(poll, 1000);
    }
    var advice = document.getElementById("face-advice");
    if (advice && window.EventSource) {
      var lang = advice.getAttribute("data-lang");
      var es = new EventSource(advice.getAttribute("data-advice-url"));
      es.addEventListener("advice", function (ev) {
        var a = JSON.parse(ev.data);
        var text;
        if (a.state === "waiting") { text = advice.getAttribute("data-waiting-text"); }
        else if (a.state === "failed") { text = advice.getAttribute("data-failed-text").replace("{}", a.error || ""); }
        else { text = lang === "en" ? a.en : a.id; }
        if (advice.textContent !== text) { advice.textContent = text; }
        advice.setAttribute("data-state", a.state);
        banner(a.state === "failed" ? text : null);
      });
    }
    var img = document.getElementById("face-preview");
    var fig = img ? img.closest("[data-preview]") : null;
    function banner(text) {
      var b = document.getElementById("preview-banner");
      if (!b) { return; }
      if (text) { b.querySelector("[data-message]").textContent = text; b.hidden = false; }
      else { b.hidden = true; }
    }
    if (img && fig) {
      // The stream ends when the camera fails: ask why, show it, and try again every 3 s.
      var statusUrl = fig.getAttribute("data-preview");
      setInterval(function () {
        fetch(statusUrl, { credentials: "same-origin", cache: "no-store", headers: { "X-Rekam-Background": "1" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (s) {
            if (!s) { return; }
            if (s.state === "failed") {
              var t = advice ? advice.getAttribute("data-failed-text").replace("{}", s.error || "") : s.error;
              banner(t);
              img.src = img.src.split("?")[0] + "?t=" + Date.now();
            } else if (s.state === "running") {
              banner(null);
            }
          })
          .catch(function () {});
      }, 3000);
    }
  });
})();
