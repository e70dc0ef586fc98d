// rekam desk: live validation of the start form. On input (debounced) the form is sent to the
// agent's check endpoint, which answers with the same messages the submit would give; each
// field the operator has touched shows its message beside it. Without this script the submit
// gives the same answers.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-live-check]");
    if (!form) { return; }
    var url = form.getAttribute("data-live-check");
    var token = form.querySelector("input[name=_csrf]").value;
    var touched = {};
    var timer = null;
    var notices = document.getElementById("live-notices");
    function show(field, message) {
      var box = form.querySelector("[data-field='" + field + "']");
      if (!box) { return; }
      var err = document.getElementById(field + "-error");
      var input = document.getElementById(field);
      if (message) {
        err.querySelector("[data-message]").textContent = message;
        err.hidden = false;
        box.classList.add("field-error");
        input.setAttribute("aria-invalid", "true");
      } else {
        err.hidden = true;
        box.classList.remove("field-error");
        input.removeAttribute("aria-invalid");
      }
    }
    function check() {
      var body = new URLSearchParams(new FormData(form));
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": token } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (a) {
          if (!a) { return; }
          var bad = {};
          a.errors.forEach(function (e) { bad[e.field] = e.message; });
          Object.keys(touched).forEach(function (f) { show(f, bad[f] || null); });
          notices.textContent = "";
          a.notices.forEach(function (n) {
            var d = document.createElement("div");
            d.className = "banner";
            d.textContent = n;
            notices.appendChild(d);
          });
        })
        .catch(function () {});
    }
    form.addEventListener("input", function (ev) {
      if (ev.target && ev.target.name) { touched[ev.target.name] = true; }
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
    form.addEventListener("focusout", function (ev) {
      if (ev.target && ev.target.name && ev.target.value !== "") { touched[ev.target.name] = true; check(); }
    });
  });
})();
