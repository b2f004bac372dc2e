// Opens a segment's edit form inside its transcript row, fetched from the
// segment's edit page on the first tap, so a long transcript carries no
// form per row. When the fetch fails, the link opens the edit page itself.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a.edit-link");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  var open = link.parentNode.querySelector(".edit-inline textarea");
  if (open) {
    open.focus();
    return;
  }

  fetch(link.href, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.text();
    })
    .then(function (html) {
      var form = new DOMParser().parseFromString(html, "text/html").querySelector("form.segment-edit");
      if (!form) {
        throw new Error("no edit form");
      }
      var box = document.createElement("div");
      box.className = "edit-inline";
      box.appendChild(document.importNode(form, true));
      box.querySelector(".edit-cancel").addEventListener("click", function (cancel) {
        cancel.preventDefault();
        box.remove();
        link.hidden = false;
        link.focus();
        document.dispatchEvent(new Event("edit-closed"));
      });
      link.hidden = true;
      link.after(box);
      box.querySelector("textarea").focus();
    })
    .catch(function () {
      window.location.href = link.href;
    });
});
