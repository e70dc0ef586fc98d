// rekam desk: draws the signature on the canvas as the resident signs on the pad. The agent
// streams the pen (server-sent events: the points not sent yet, or all of them after the pad
// was wiped); pressure 0 lifts the pen.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("pen");
    if (!canvas || !window.EventSource) { return; }
    var ctx = canvas.getContext("2d");
    var last = null;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#0b0c0c";
    var es = new EventSource(canvas.getAttribute("data-pen-url"));
    es.addEventListener("ink", function (ev) {
      var u = JSON.parse(ev.data);
      if (u.from === 0) { ctx.clearRect(0, 0, canvas.width, canvas.height); last = null; }
      var sx = canvas.width / Math.max(1, u.max_x), sy = canvas.height / Math.max(1, u.max_y);
      var s = Math.min(sx, sy);
      u.points.forEach(function (p) {
        var x = p[0] * s, y = p[1] * s;
        if (p[2] === 0) { last = null; return; }
        if (last) { ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(x, y); ctx.stroke(); }
        last = [x, y];
      });
    });
    var form = document.querySelector("form[data-signing]");
    var waiting = document.querySelector("[data-waiting]");
    if (form && waiting) {
      form.addEventListener("submit", function () {
        waiting.hidden = false;
        var b = form.querySelector("button");
        if (b) { b.disabled = true; }
      });
    }
  });
})();
