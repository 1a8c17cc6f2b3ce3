// Call dashboard: draw each chart from the figures the page carries as JSON (the
// "dashboard-data" element, not executable). Every chart's numbers are also in the table
// next to it, so nothing is lost when this script or Chart.js does not run.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const charts = JSON.parse(source.textContent);
  const palette = ["#0d6efd", "#198754", "#dc3545", "#6c757d", "#fd7e14", "#6f42c1", "#20c997", "#ffc107", "#0dcaf0", "#d63384"];
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  const config = (spec) => {
    const doughnut = spec.type === "doughnut";
    const datasets = spec.series.map((series, index) => ({
      label: series.label,
      data: series.values,
      backgroundColor: doughnut ? palette.slice(0, series.values.length) : palette[index % palette.length],
      borderColor: doughnut ? "#fff" : palette[index % palette.length],
      fill: false,
      tension: 0,
      stepped: spec.type === "line" ? "before" : false,
    }));
    const valueAxis = {
      beginAtZero: true,
      ticks: { precision: 0 },
    };
    if (spec.percent) {
      valueAxis.max = 100;
      valueAxis.ticks = { callback: (value) => `${value} %` };
    }
    if (spec.max) {
      valueAxis.suggestedMax = spec.max;
    }
    const options = {
      responsive: true,
      aspectRatio: 2,
      animation: reduceMotion ? false : undefined,
      plugins: { legend: { display: doughnut || spec.type === "line" } },
    };
    if (!doughnut) {
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal ? { x: valueAxis } : { y: valueAxis };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets }, options };
  };

  Object.entries(charts).forEach(([id, spec]) => {
    const canvas = document.getElementById(id);
    if (canvas) {
      new window.Chart(canvas, config(spec));
    }
  });
})();
