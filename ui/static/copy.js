// Copies the journal note to the clipboard. The note is also selectable
// in its text area, so copying works by hand where the clipboard API is
// not allowed (an http:// address other than localhost).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Ticking a row chooses "only the ticked rows".
  const chosen = document.querySelector('input[name="urval"][value="valda"]');
  for (const row of document.querySelectorAll('input[name="rad"]')) {
    row.addEventListener("change", () => {
      if (row.checked && chosen) {
        chosen.checked = true;
      }
    });
  }

  const button = document.getElementById("kopiera");
  const status = document.getElementById("kopiera-status");
  if (!button) {
    return;
  }
  const note = document.getElementById(button.dataset.copy);

  button.addEventListener("click", async () => {
    note.focus();
    note.select();
    try {
      await navigator.clipboard.writeText(note.value);
      status.textContent = "Texten är kopierad. Klistra in den i journalen.";
    } catch (err) {
      status.textContent = "Texten kunde inte kopieras automatiskt. Den är markerad: tryck Ctrl+C för att kopiera den.";
    }
  });
});
