// Live updates of the room page on a paired tablet. The server sends
// "state" events with the box's state and whether a summary can be
// opened, never an id or content. An "unpaired" event means IT has
// unpaired the tablet, so the page reloads and shows the pairing form.
//
// The stream opens after the load event: a connection that never finishes
// would otherwise keep the page "loading" in some browsers.
window.addEventListener("load", function () {
  setTimeout(startRoom, 0);
});

function startRoom() {
  var room = document.getElementById("rum");
  if (!room || !window.EventSource) {
    return;
  }
  var section = document.getElementById("rum-lage");
  var label = document.getElementById("rum-status");
  var hint = document.getElementById("rum-tips");
  var offer = document.getElementById("rum-oppna");
  var source = new EventSource(room.dataset.live);

  source.addEventListener("state", function (ev) {
    var s = JSON.parse(ev.data);
    if (label.textContent !== s.label) {
      label.textContent = s.label;
    }
    hint.textContent = s.hint;
    section.className = "room-state " + s.state_class;
    room.dataset.state = s.state;
    offer.hidden = !s.offer;
  });
  source.addEventListener("unpaired", function () {
    source.close();
    window.location.reload();
  });
}
