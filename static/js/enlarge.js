// Result images open full size in a dialog (Escape or the button closes it, focus returns to the link).
// Each image sits in a link to its PNG, so without JS the same click opens the picture itself.

function dialog() {
  let d = document.getElementById("enlarged");
  if (d) return d;
  d = document.createElement("dialog");
  d.id = "enlarged";
  d.className = "enlarged";
  d.setAttribute("aria-label", "Enlarged image");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "button";
  close.textContent = "Close (Esc)";
  close.addEventListener("click", () => d.close());
  const img = document.createElement("img");
  img.className = "pixelated";
  const caption = document.createElement("p");
  d.append(close, img, caption);
  d.addEventListener("click", (e) => { if (e.target === d) d.close(); }); // a click outside the picture
  document.body.append(d);
  return d;
}

document.addEventListener("click", (event) => {
  const a = event.target.closest?.("a[data-enlarge]");
  if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  const d = dialog();
  const img = d.querySelector("img");
  img.src = a.href;
  img.alt = a.querySelector("img")?.alt || "";
  d.querySelector("p").textContent = a.closest("figure")?.querySelector("figcaption")?.textContent.replace(" · click to enlarge", "") || "";
  d.addEventListener("close", () => a.focus(), { once: true });
  d.showModal();
});
