// @jupyter-widgets/html-manager typesets widget labels with MathJax 2's API (MathJax.Hub.Queue), and throws
// "Cannot read properties of undefined (reading 'Queue')" on a page that loads MathJax 3, as the book's
// pages do. Give MathJax 3 that one method, once MathJax has loaded (deferred scripts run before
// DOMContentLoaded; the widget embedder renders on window load, after it).
document.addEventListener("DOMContentLoaded", () => {
  const mathjax = window.MathJax;
  if (!mathjax || mathjax.Hub) return;
  mathjax.Hub = {
    Queue: (...jobs) => {
      const nodes = jobs.map((job) => (Array.isArray(job) ? job[2] : undefined)).filter(Boolean);
      if (mathjax.startup && mathjax.typesetPromise) {
        mathjax.startup.promise.then(() => mathjax.typesetPromise(nodes.length ? nodes : undefined));
      }
    },
  };
});
