// The rota timeline: each shift is placed from its data attributes (percentages of the two weeks),
// since the Content-Security-Policy forbids style attributes in the markup.
(function () {
  "use strict";
  document.querySelectorAll(".timeline [data-left]").forEach(function (element) {
    const left = parseFloat(element.dataset.left);
    const width = parseFloat(element.dataset.width);
    if (!Number.isNaN(left)) element.style.left = left + "%";
    if (!Number.isNaN(width)) element.style.width = width + "%";
  });
})();
