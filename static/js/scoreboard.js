// Shortlist page: keep the count of ticked applications up to date as staff tick and untick.
(() => {
  const form = document.getElementById("shortlist-form");
  const count = document.getElementById("shortlist-count");
  if (!form || !count) {
    return;
  }
  const update = () => {
    count.textContent = form.querySelectorAll("input[name=shortlisted]:checked").length;
  };
  form.addEventListener("change", update);
  update();
})();
