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
