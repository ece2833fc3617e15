// The demo partner's own booking form, talking to the Bookwidget API across origins.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("bookwidget-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var state = { store: null, slot: null };

  function api(path, options) {
    return fetch(config.api + "/api/v1" + path, options).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw body; }
        return body;
      });
    });
  }

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  function showError(error) {
    var result = $("result");
    result.textContent = "";
    result.appendChild(element("p", error.detail || "Something went wrong.", { "class": "error" }));
    Object.keys(error.fields || {}).forEach(function (field) {
      result.appendChild(element("p", field + ": " + error.fields[field], { "class": "error" }));
    });
  }

  $("search").addEventListener("submit", function (event) {
    event.preventDefault();
    var query = new URLSearchParams({ key: config.key, q: $("q").value });
    api("/locations?" + query).then(function (body) {
      $("origin").textContent = body.origin && body.origin.label ? "Stores near " + body.origin.label : "";
      var list = $("stores");
      list.textContent = "";
      if (!body.locations.length) { list.appendChild(element("li", "No store found.")); }
      body.locations.forEach(function (store) {
        var item = element("li");
        var distance = store.distance_km === null ? "" : " · " + store.distance_km.toFixed(1) + " km";
        var button = element("button", store.name, { type: "button", "data-testid": "store" });
        button.addEventListener("click", function () { chooseStore(store); });
        item.appendChild(button);
        item.appendChild(element("span", store.address.street + ", " + store.address.postal_code + " " +
          store.address.city + distance, { "class": "muted" }));
        list.appendChild(item);
      });
    }, showError);
  });

  function chooseStore(store) {
    state.store = store;
    $("time").hidden = false;
    $("store-name").textContent = store.name + " (" + store.time_zone + ")";
    var select = $("channel");
    select.textContent = "";
    store.channels.filter(function (c) { return c !== "at_home"; }).forEach(function (channel) {
      select.appendChild(element("option", channel.replace("_", " "), { value: channel }));
    });
    loadSlots();
  }

  $("channel").addEventListener("change", loadSlots);

  function loadSlots() {
    var query = new URLSearchParams({ channel: $("channel").value });
    api("/locations/" + state.store.id + "/slots?" + query).then(function (body) {
      var days = $("days");
      days.textContent = "";
      body.days.filter(function (day) { return day.slots.length; }).slice(0, 5).forEach(function (day) {
        days.appendChild(element("h3", day.date));
        day.slots.forEach(function (slot) {
          var button = element("button", slot.start.slice(11, 16), { type: "button", "data-testid": "slot" });
          button.addEventListener("click", function () { chooseSlot(slot); });
          days.appendChild(button);
        });
      });
      if (!days.childNodes.length) { days.appendChild(element("p", "No free time in the next two weeks.")); }
    }, showError);
  }

  function chooseSlot(slot) {
    state.slot = slot;
    $("contact").hidden = false;
    $("chosen").textContent = "Your time: " + slot.start.replace("T", " ").slice(0, 16) + " (" + state.store.time_zone + ")";
    $("name").focus();
  }

  $("book").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {
      key: config.key, location_id: state.store.id, channel: $("channel").value, start: state.slot.start,
      customer: { name: $("name").value, email: $("email").value, phone: $("phone").value },
      notes: $("notes").value, locale: "en", source: "api"
    };
    api("/bookings", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (booking) {
        var result = $("result");
        result.textContent = "";
        result.appendChild(element("h2", booking.status === "confirmed" ? "Booked and confirmed" : "Requested — the store will confirm"));
        result.appendChild(element("p", "Reference " + booking.reference, { "data-testid": "reference" }));
        loadSlots();
      }, showError);
  });
})();
