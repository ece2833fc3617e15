// The demo partner's own script: it lists the widget's events, as analytics would.
(function () {
  "use strict";
  window.dataLayer = window.dataLayer || [];
  var list = document.getElementById("events");
  ["bookwidget:ready", "bookwidget:step", "bookwidget:booked"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var item = document.createElement("li");
      item.setAttribute("data-testid", "event");
      item.setAttribute("data-event", name);
      item.textContent = name + " " + JSON.stringify(event.detail);
      list.appendChild(item);
    });
  });
})();
