// rekam console: the only script every page loads. It moves focus to the error summary of a
// refused form, so a screen-reader or keyboard user lands on the list of what to fix.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
})();
