// Live updates of a recording page. The server sends "progress" events
// with counts only; when new transcript segments exist, the transcript
// part is fetched again and swapped in, so nothing needs a reload and the
// audio keeps playing. While the user edits inside the transcript, the
// swap waits and a status line says so.
//
// The stream opens after the load event: a connection that never finishes
// would otherwise keep the page "loading" in some browsers.
window.addEventListener("load", function () {
  setTimeout(startLive, 0);
});

function startLive() {
  var part = document.getElementById("utskrift-del");
  var status = document.getElementById("live-status");
  if (!part || !status || !window.EventSource || !window.fetch) {
    return;
  }
  var known = parseInt(part.dataset.segments, 10) || 0;
  var speakers = null;
  var pending = false;
  var source = new EventSource(part.dataset.live);

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && text && el.textContent !== text) {
      el.textContent = text;
    }
  }

  function editing() {
    return part.contains(document.activeElement) || part.querySelector("details[open], .edit-inline") !== null;
  }

  function refresh() {
    if (editing()) {
      pending = true;
      status.textContent = "Ny text har kommit. Den visas när du har sparat eller stängt det du redigerar.";
      return;
    }
    pending = false;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("utskrift-del");
        if (!fresh) {
          return;
        }
        part.innerHTML = fresh.innerHTML;
        document.dispatchEvent(new Event("transcript-updated"));
        status.textContent = "Utskriften har uppdaterats.";
      })
      .catch(function () {
        status.textContent = "Ny text finns, men den kunde inte hämtas. Ladda om sidan.";
      });
  }

  source.addEventListener("progress", function (event) {
    var p = JSON.parse(event.data);
    setText("framsteg", p.progress);
    setText("ljuddelar", p.chunks);
    // A new speaker diarization changes the token. The page may also be
    // older than the first event, when it still shows a re-run as running.
    var newSpeakers = speakers === null ? document.getElementById("talare-pa-nytt") !== null && p.speakers !== "ny-uppdelning" : p.speakers !== speakers;
    speakers = p.speakers;
    if (p.segments !== known || newSpeakers) {
      known = p.segments;
      refresh();
    }
    if (p.done) {
      source.close();
    }
  });

  // A swap that waited for an edit happens once the edit is closed.
  function afterEdit() {
    if (pending && !editing()) {
      refresh();
    }
  }
  part.addEventListener("toggle", afterEdit, true);
  document.addEventListener("edit-closed", afterEdit);
}
