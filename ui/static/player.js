// Seeks the recording's player to the time of a clicked segment time,
// uncertain word or thread citation, and starts playing. These are buttons,
// so Enter and Space reach them too. While the recording plays, the row
// being heard is highlighted and kept in view, unless the user is typing
// or has an edit form open: scrolling then would move the form away.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-start]");
  var player = document.getElementById("spelare");
  if (!target || !player) {
    return;
  }
  player.currentTime = parseFloat(target.dataset.start);
  player.play();
});

document.addEventListener("DOMContentLoaded", function () {
  var player = document.getElementById("spelare");
  if (!player) {
    return;
  }
  var rows = [];
  var starts = [];
  var current = -1;
  // The rows are read again when live updates swap in a new transcript.
  function readRows() {
    rows = Array.prototype.slice.call(document.querySelectorAll(".transcript > li"));
    starts = rows.map(function (row) {
      var seek = row.querySelector(".seek[data-start]");
      return seek ? parseFloat(seek.dataset.start) : NaN;
    });
    current = -1;
  }
  readRows();
  document.addEventListener("transcript-updated", readRows);
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  player.addEventListener("timeupdate", function () {
    var t = player.currentTime;
    var next = -1;
    for (var i = 0; i < starts.length; i++) {
      if (starts[i] <= t) {
        next = i;
      }
    }
    if (next === current) {
      return;
    }
    if (current >= 0) {
      rows[current].classList.remove("playing");
      rows[current].removeAttribute("aria-current");
    }
    current = next;
    if (current < 0) {
      return;
    }
    rows[current].classList.add("playing");
    rows[current].setAttribute("aria-current", "true");
    if (busyWithForm()) {
      return;
    }
    var box = rows[current].getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      rows[current].scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
    }
  });
});

// busyWithForm reports whether focus is in a form field or an inline edit
// form of the transcript is open.
function busyWithForm() {
  var focused = document.activeElement;
  if (focused && focused.matches("input, textarea, select, [contenteditable]")) {
    return true;
  }
  return document.querySelector(".transcript .edit-inline") !== null;
}
