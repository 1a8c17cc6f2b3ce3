// Site-wide behaviour. No inline scripts: the content security policy forbids them.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// A wide table or a block of preformatted text that scrolls sideways is a labelled region
// that the keyboard can reach (its table's caption or its section's heading names it), and
// stops being one when it fits again: no tab stop where there is nothing to scroll.
function markScrollableRegion(box) {
  const scrolls = box.scrollWidth > box.clientWidth;
  if (box.dataset.scrollRegion && !scrolls) {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
    delete box.dataset.scrollRegion;
  } else if (scrolls && !box.hasAttribute("tabindex")) {
    const caption = box.querySelector("caption");
    const section = box.closest("[aria-labelledby]");
    const heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    const name = caption || heading;
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute(
      "aria-label",
      (name && name.textContent.trim()) || document.body.dataset.scrollRegionLabel || "",
    );
    box.dataset.scrollRegion = "1";
  }
}
const scrollRegionWatcher = new ResizeObserver((entries) => {
  entries.forEach((entry) => markScrollableRegion(entry.target));
});
function watchScrollableRegions(root) {
  root.querySelectorAll(".table-responsive, pre").forEach((box) => {
    markScrollableRegion(box);
    scrollRegionWatcher.observe(box);
  });
}
document.addEventListener("DOMContentLoaded", () => watchScrollableRegions(document));
document.addEventListener("htmx:afterSwap", (event) => watchScrollableRegions(event.target));

// After a refused submit: a summary of the errors at the top of the form, focused so that
// a screen reader reads it first, each error a link that moves the focus to its field.
function summariseFormErrors() {
  const invalid = Array.from(document.querySelectorAll("main form .is-invalid[id]"));
  const form = invalid.length && invalid[0].closest("form");
  if (!form || form.querySelector("[data-error-summary]")) {
    return;
  }
  const summary = document.createElement("div");
  summary.className = "alert alert-danger";
  summary.tabIndex = -1;
  summary.dataset.errorSummary = "1";
  const title = document.createElement("h2");
  title.className = "h6";
  title.id = "error-summary-title";
  title.textContent = document.body.dataset.errorSummaryTitle || "";
  summary.setAttribute("aria-labelledby", title.id);
  const list = document.createElement("ul");
  list.className = "mb-0";
  invalid.forEach((field) => {
    const label = document.querySelector('label[for="' + field.id + '"]');
    const box = field.closest(".mb-3, .form-group, fieldset") || field.parentElement;
    const error = box && box.querySelector(".invalid-feedback");
    const link = document.createElement("a");
    link.href = "#" + field.id;
    // A field repeated in several cards (each criterion's score) is named with its card.
    const card = field.closest("section.card[aria-labelledby]");
    const heading = card && document.getElementById(card.getAttribute("aria-labelledby"));
    const name = [heading && heading.textContent.trim(), label && label.textContent.replace(/\*\s*$/, "").trim()]
      .filter(Boolean)
      .join(" – ");
    link.textContent = [name, error && error.textContent.trim()]
      .filter(Boolean)
      .join(document.documentElement.lang === "fr" ? "\u00a0: " : ": ");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      field.focus();
    });
    const item = document.createElement("li");
    item.appendChild(link);
    list.appendChild(item);
  });
  summary.append(title, list);
  form.prepend(summary);
  summary.focus();
}
document.addEventListener("DOMContentLoaded", summariseFormErrors);
