// Links that change a setting but keep the step on screen (/conv2d's flip and W-names toggles): stepping in
// the page moves the step with no request, so a link rendered for the step the page loaded with would jump
// back. Each carries data-step-template, its canonical URL with STEP for the step; a click puts in the step on
// screen (#workspace's data-step), step 0 left out as the canonical URL leaves it out.

export function withStep(template, step) {
  if (String(step) !== "0") return template.replace("step=STEP", `step=${step}`);
  return template.replace(/([?&])step=STEP(&|(?=#)|$)/, (_, before, after) => (after ? before : "")).replace(/\?(?=#|$)/, "");
}

document.addEventListener("click", (event) => {
  const a = event.target.closest?.("a[data-step-template]");
  if (!a) return;
  const step = document.querySelector("#workspace")?.dataset.step ?? "0";
  a.href = withStep(a.dataset.stepTemplate, step);
}, true); // the links are plain (hx-boost="false"): a boosted link keeps the href htmx saw when it processed it
