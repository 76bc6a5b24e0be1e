// After a form comes back with mistakes, move focus to the summary of what to fix, so a
// screen reader reads it first and a keyboard user starts from it (its links jump to each field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
