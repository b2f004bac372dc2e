// Seeks the recording's player to the time of a clicked segment time or
// uncertain word, and starts playing.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-start]");
  var player = document.getElementById("spelare");
  if (!target || !player) {
    return;
  }
  player.currentTime = parseFloat(target.dataset.start);
  player.play();
});
