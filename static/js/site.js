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
