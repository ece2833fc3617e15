// The widget inside the iframe. The server renders every step; this script only makes
// moving between them smooth and tells the host page what happens:
// - a step's form is sent with fetch and the answer (the next step alone) replaces the
//   current one; without this script the same forms post as whole pages and still work;
// - focus moves to the new step's heading and the step is announced (aria-live);
// - the iframe's height, the steps and the booking are posted to the host page, to its
//   origin only (`data-host`, checked by the server against the tenant's allowed origins);
// - "use my location", and arrow keys in the calendar.
(function () {
  "use strict";

  var root = document.getElementById("bw-root");
  if (!root) return;
  var host = root.getAttribute("data-host");
  var wid = root.getAttribute("data-wid");
  var live = document.getElementById("bw-live");
  var zone = (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || "";
  var busy = false;

  function post(message) {
    if (!host || window.parent === window) return;
    message.wid = wid;
    window.parent.postMessage(message, host);
  }

  function currentStep() {
    return document.getElementById("bw-step");
  }

  // The visitor's time zone travels with the state, so times can say whose zone they use.
  function rememberZone() {
    var inputs = root.querySelectorAll('input[name="tz"]');
    for (var i = 0; i < inputs.length; i++) if (!inputs[i].value) inputs[i].value = zone;
  }

  function enhance() {
    rememberZone();
    if (navigator.geolocation) {
      var locate = root.querySelector("[data-bw-locate]");
      if (locate) locate.hidden = false;
    }
  }

  // After an answer is in place. A new step: focus its heading and announce it. The same
  // step again: focus the first field with a problem, else the control that was pressed
  // (a month arrow, the search button), so keyboard users keep their place.
  function arrived(previous, pressed) {
    var step = currentStep();
    if (!step) return;
    enhance();
    var name = step.getAttribute("data-step");
    if (previous !== undefined) {
      var again = previous === name;
      var invalid = step.querySelector('[aria-invalid="true"]');
      var same = again && pressed && root.querySelector('[data-testid="' + pressed + '"]:not([disabled])');
      var target = invalid || same || document.getElementById("bw-heading");
      if (target) target.focus();
      var progress = step.querySelector(".bw-progress");
      var count = step.querySelector('[data-testid="results-count"], [data-testid="no-results"]');
      live.textContent = again && count ? count.textContent
        : (progress ? progress.textContent + ": " : "") + step.getAttribute("data-title");
    }
    post({ type: "bw:step", step: name });
    var booked = step.getAttribute("data-booked");
    if (booked) {
      var detail = JSON.parse(booked);
      detail.type = "bw:booked";
      post(detail);
    }
  }

  function show(html, previous, pressed) {
    document.getElementById("bw-slot").innerHTML = html;
    arrived(previous, pressed);
  }

  function send(form, submitter) {
    if (busy) return;
    busy = true;
    root.setAttribute("aria-busy", "true");
    var previous = currentStep() ? currentStep().getAttribute("data-step") : "";
    var data = new FormData(form, submitter);
    // Browsers before 2023 ignore the submitter argument; the pressed button carries the
    // choice (a store, a day, a time), so add it by hand there.
    if (submitter && submitter.name && !data.has(submitter.name)) data.append(submitter.name, submitter.value);
    if (!data.get("tz")) data.set("tz", zone);
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-Bookwidget": "fragment" },
      credentials: "omit",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status >= 500 ? "failed" : "offline");
        return response.text();
      })
      .then(function (html) {
        show(html, previous, submitter && submitter.getAttribute("data-testid"));
      })
      .catch(function (error) {
        // Nothing typed is lost: the form stays as it was; say what happened.
        var notice = form.querySelector("[data-bw-offline]");
        if (!notice) {
          notice = document.createElement("p");
          notice.className = "bw-notice";
          notice.setAttribute("role", "alert");
          notice.setAttribute("data-bw-offline", "");
          form.insertBefore(notice, form.firstChild);
        }
        var failed = error && error.message === "failed";
        notice.textContent = root.getAttribute(failed ? "data-failed" : "data-offline");
      })
      .finally(function () {
        busy = false;
        root.removeAttribute("aria-busy");
      });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-bw-form")) return;
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-bw-locate") && !submitter.bwLocated) {
      locate(form, submitter);
      return;
    }
    if (submitter) submitter.bwLocated = false;
    send(form, submitter);
  });

  function locate(form, button) {
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("[data-bw-lat]").value = position.coords.latitude.toFixed(5);
        form.querySelector("[data-bw-lon]").value = position.coords.longitude.toFixed(5);
        button.bwLocated = true;
        form.requestSubmit(button);
      },
      function () {
        var failed = form.querySelector("[data-bw-locate-failed]");
        if (failed) failed.hidden = false;
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  }

  root.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-bw-close]")) post({ type: "bw:close" });
  });

  // Arrow keys move between the calendar's free days; Home and End go to the first and last.
  root.addEventListener("keydown", function (event) {
    var day = event.target;
    if (!day.classList || !day.classList.contains("bw-day")) return;
    var days = Array.prototype.slice.call(root.querySelectorAll(".bw-day:not([disabled])"));
    var at = days.indexOf(day);
    var target = null;
    var key = event.key;
    if (key === "ArrowRight") target = days[at + 1];
    else if (key === "ArrowLeft") target = days[at - 1];
    else if (key === "Home") target = days[0];
    else if (key === "End") target = days[days.length - 1];
    else if (key === "ArrowDown" || key === "ArrowUp") target = weekAway(days, day, key === "ArrowDown" ? 7 : -7);
    else return;
    event.preventDefault();
    if (target) target.focus();
  });

  // The free day nearest to one week on (or back), in that direction.
  function weekAway(days, from, offset) {
    var wanted = Date.parse(from.value) + offset * 86400000;
    var best = null;
    for (var i = 0; i < days.length; i++) {
      var time = Date.parse(days[i].value);
      var ahead = offset > 0 ? time > Date.parse(from.value) : time < Date.parse(from.value);
      if (ahead && (!best || Math.abs(time - wanted) < Math.abs(Date.parse(best.value) - wanted))) best = days[i];
    }
    return best;
  }

  // The host page sizes the iframe to the content, so the widget never scrolls inside.
  var lastHeight = 0;
  function reportHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "bw:resize", height: height });
    }
  }
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.documentElement);
  window.addEventListener("load", reportHeight);

  window.addEventListener("message", function (event) {
    if (!host || event.origin !== host || event.source !== window.parent) return;
    var data = event.data || {};
    if (data.type !== "bw:open") return;
    // A host reopening the widget with new choices starts it again with them; so does
    // reopening a popup whose last visit ended with a booking (a second booking starts fresh).
    var url = new URL(window.location.href);
    ["channel", "location", "date"].forEach(function (name) {
      if (data[name]) url.searchParams.set(name, data[name]);
    });
    var step = currentStep();
    var finished = step && step.getAttribute("data-step") === "done";
    if (finished || url.href !== window.location.href) window.location.replace(url.href);
  });

  enhance();
  post({ type: "bw:ready", step: currentStep() ? currentStep().getAttribute("data-step") : "" });
  arrived();
  reportHeight();
})();
