// rekam desk: the slip's print button (the browser's own print dialog).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.querySelector("[data-print]");
    if (b) { b.addEventListener("click", function () { window.print(); }); }
  });
})();
