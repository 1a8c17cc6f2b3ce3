// The admin's tabular inlines show a field's name only in the column head: each input,
// select and text area of such a table is named after its column for screen readers.
function labelTabularInlineFields() {
  document.querySelectorAll(".inline-group .tabular table").forEach((table) => {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) =>
      th.textContent.replace(/\s+/g, " ").trim(),
    );
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, index) => {
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
          const labelled =
            field.hasAttribute("aria-label") ||
            (field.id && document.querySelector('label[for="' + field.id + '"]'));
          if (!labelled && heads[index]) {
            field.setAttribute("aria-label", heads[index]);
          }
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", labelTabularInlineFields);
document.addEventListener("formset:added", labelTabularInlineFields);

// An inline group too wide for the window scrolls sideways: it is then a labelled region
// the keyboard can reach (named after its heading), and stops being one when it fits.
function markScrollingInlines() {
  document.querySelectorAll(".inline-group").forEach((group) => {
    const scrolls = group.scrollWidth > group.clientWidth;
    if (scrolls && !group.hasAttribute("tabindex")) {
      const heading = group.querySelector("h2");
      group.tabIndex = 0;
      group.setAttribute("role", "region");
      group.setAttribute("aria-label", heading ? heading.textContent.trim() : group.id);
      group.dataset.scrollRegion = "1";
    } else if (!scrolls && group.dataset.scrollRegion) {
      group.removeAttribute("tabindex");
      group.removeAttribute("role");
      group.removeAttribute("aria-label");
      delete group.dataset.scrollRegion;
    }
  });
}
document.addEventListener("DOMContentLoaded", () => {
  markScrollingInlines();
  new ResizeObserver(markScrollingInlines).observe(document.body);
});
