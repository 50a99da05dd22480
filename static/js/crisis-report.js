// The crisis report page: the "Print" button opens the browser's print dialog (the page's print
// stylesheet hides the navigation and the buttons). Without script the button stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("[data-report-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
