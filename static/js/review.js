// The review's list of concerns, made a little handier when JavaScript runs (everything works without it):
// - a box in the table's heading ticks or unticks every concern of the page at once;
// - on a wide screen the filters start open (on a phone they stay folded above the list).
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(min-width: 64rem)").matches) filters.open = true;

  var all = document.getElementById("tick-all");
  if (!all) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox].tick-one"));
  if (!boxes.length) return;
  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
