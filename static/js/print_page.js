// A "Print" button (data-print-page): opens the browser's print dialog, where the page can
// also be saved as PDF. The print stylesheet (css/print.css) lays the page out on paper.
(() => {
  document.querySelectorAll("[data-print-page]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
