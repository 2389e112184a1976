/* Progressive enhancement only: every page works without this file.
   A form marked data-processing says "Processing…" and ignores a second submit. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-processing")) return;
  if (form.getAttribute("aria-busy") === "true") {
    event.preventDefault();
    return;
  }
  form.setAttribute("aria-busy", "true");
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.setAttribute("aria-disabled", "true");
    button.textContent = "Processing…";
  }
});
