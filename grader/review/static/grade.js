// The grading page's keys: 1-9 pick rubric items, Enter saves and goes on, j/k next/previous, n next ungraded,
// c the comment. Leaving with unsaved picks (j, k, n) warns first: a second press leaves without them.
(function () {
  const form = document.getElementById("score");
  const boxes = [...form.querySelectorAll('input[name="rubric"]')];
  const points = document.getElementById("points"), most = parseFloat(points.dataset.max);
  const adjustment = document.getElementById("adjustment"), comment = document.getElementById("comment");
  const state = () => JSON.stringify([boxes.map(b => b.checked), adjustment.value, comment.value,
                                      document.getElementById("reason").value]);
  const initial = state();
  let warned = null;
  function total() {
    const sum = boxes.reduce((s, b) => s + (b.checked ? parseFloat(b.dataset.points) : 0), 0)
      + (parseFloat(adjustment.value) || 0);
    points.textContent = String(Math.round(Math.min(Math.max(sum, 0), most) * 10000) / 10000);
  }
  form.addEventListener("input", () => { total(); warned = null; document.getElementById("unsaved").hidden = true; });
  if (document.getElementById("theirs")) total();
  document.querySelectorAll("button.reuse").forEach(b => b.addEventListener("click", () => {
    comment.value = comment.value ? comment.value + "\n" + b.dataset.text : b.dataset.text;
    form.dispatchEvent(new Event("input"));
  }));
  form.addEventListener("submit", () => { window.submitting = true; });
  function leave(id, key) {
    const link = document.getElementById(id);
    if (!link) return;
    if (state() !== initial && warned !== key) {
      warned = key;
      document.getElementById("unsaved").hidden = false;
      return;
    }
    link.click();
  }
  document.addEventListener("keydown", e => {
    const typing = ["TEXTAREA", "INPUT"].includes(e.target.tagName) && e.target.type !== "checkbox";
    if (typing) { if (e.key === "Escape") e.target.blur(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const n = parseInt(e.key, 10);
    if (n >= 1 && n <= boxes.length) { boxes[n - 1].click(); e.preventDefault(); }
    else if (e.key === "Enter") { document.getElementById("save").click(); e.preventDefault(); }
    else if (e.key === "j") leave("next", "j");
    else if (e.key === "k") leave("previous", "k");
    else if (e.key === "n") leave("next-ungraded", "n");
    else if (e.key === "c") { comment.focus(); e.preventDefault(); }
  });
})();
