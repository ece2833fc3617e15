/*
 * Bookwidget loader: the one script partners put on their pages (DESIGN §6, STYLE 10).
 *
 *   <script async src="https://SERVER/embed.js" data-key="pk_..." data-mode="inline|popup|button"
 *           data-target="#css-selector" data-theme="default" data-locale="de"
 *           data-channel="at_home" data-title="..." data-label="..."></script>
 *
 * It knows nothing of the app: it reads its own data-* attributes, takes the server origin from
 * its own src, puts an iframe on the page and accepts only typed messages from that origin and
 * that iframe. Everything else happens inside the iframe, on the server's origin.
 *
 * Calls made before this script arrives are queued by a stub partners may paste first:
 *
 *   window.Bookwidget=window.Bookwidget||function(){(Bookwidget.q=Bookwidget.q||[]).push(arguments)}
 *   Bookwidget('open', {key: 'pk_...', channel: 'online', location: '12', date: '2027-03-22'})
 *
 * Styles are set through element.style (CSSOM), which a strict Content-Security-Policy on the
 * host allows, unlike a style element. They are few; the host overrides them with !important
 * on the classes bookwidget-frame, bookwidget-dialog, bookwidget-close and bookwidget-button.
 *
 * Rules for this file. The server (server/web/embed.py) serves it minified line by line, which
 * is safe only while these hold; it refuses to serve a file that visibly breaks the first two.
 * 1. Comments stand on lines of their own: a line starting with two slashes, or a block comment
 *    whose opening mark starts a line and whose closing mark ends one. A comment after code is
 *    not removed, so it costs bytes.
 * 2. No literal spans lines: no line ends with a backslash, and a template literal opens and
 *    closes on the same line.
 * 3. Line breaks are kept, so automatic semicolon insertion reads the served form as it reads
 *    this file.
 */
(function () {
  'use strict';

  const FIELDS = ['step', 'reference', 'channel', 'start', 'status', 'campaign'];
  const me = document.currentScript;
  // The same embed.js may run once per script tag; "this embed.js" is its URL without query.
  const base = ((me && me.src) || '').split(/[?#]/)[0];
  // Deep links land on the host page: a campaign token and plain prefills.
  const here = new URLSearchParams(location.search);
  // Every run of this file shares one list, so instance numbers are per page, not per run.
  const prev = window.Bookwidget;
  const all = (prev && prev.all) || [];

  // Copies the string fields named in keys: nothing else crosses to the host or the iframe
  // (so options and message fields are strings).
  const pick = (from, keys, into) => {
    for (const k of keys) if (typeof from[k] == 'string') into[k] = from[k];
    return into;
  };

  // Work that needs the page (its body, a target element) waits until it is parsed: an async
  // script can run before either exists.
  const later = (fn) => {
    if (document.readyState == 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  };

  const make = (tag, name, css) => {
    const el = document.createElement(tag);
    el.className = el.dataset.testid = 'bookwidget-' + name;
    el.style.cssText = css;
    return el;
  };

  // The loader's own two labels, in the widget's language: the tag's, else the page's.
  function label(w, i) {
    const lang = (w.script.dataset.locale || document.documentElement.lang || '').slice(0, 2);
    return (lang == 'de' ? ['Termin buchen', 'Schlie\u00dfen'] : ['Book an appointment', 'Close'])[i];
  }

  function frameSrc(w, o) {
    const d = w.script.dataset;
    // Opening options beat the host URL, which beats the script tag; empty values are left out.
    const values = {
      mode: w.mode,
      theme: d.theme,
      locale: d.locale,
      channel: o.channel || here.get('bw_channel') || d.channel,
      host: location.origin,
      wid: w.wid,
      location: o.location || here.get('bw_location'),
      date: o.date || here.get('bw_date'),
      bw: here.get('bw'),
    };
    const params = new URLSearchParams();
    for (const k in values) if (values[k]) params.set(k, values[k]);
    return `${w.origin}/w/${encodeURIComponent(w.key)}?${params}`;
  }

  function frame(w, o) {
    const f = make('iframe', 'frame', 'width:100%;border:0;min-height:480px');
    f.title = w.script.dataset.title || label(w, 0);
    f.setAttribute('allow', 'geolocation');
    if (w.mode == 'inline') f.setAttribute('loading', 'lazy');
    f.src = frameSrc(w, o);
    return (w.frame = f);
  }

  function onMessage(w, e) {
    const m = e.data;
    // Only the server's origin, and only this instance's iframe: another widget on the page, or
    // this iframe navigated elsewhere, must not move or speak for this one.
    if (e.origin !== w.origin || !w.frame || e.source !== w.frame.contentWindow) return;
    if (!m || typeof m.type != 'string' || m.type.slice(0, 3) != 'bw:') return;
    const kind = m.type.slice(3);
    if (kind == 'resize' && m.height > 0) {
      w.frame.style.minHeight = '';
      w.frame.style.height = Math.min(5000, Math.max(120, m.height)) + 'px';
    } else if (kind == 'close' && w.dialog) {
      w.dialog.close();
    } else if (/^bw:(ready|step|booked)$/.test(m.type)) {
      const detail = pick(m, FIELDS, { key: w.key, mode: w.mode });
      const name = 'bookwidget:' + kind;
      w.box.dispatchEvent(new CustomEvent(name, { bubbles: true, detail }));
      if (Array.isArray(window.dataLayer)) window.dataLayer.push({ event: name, ...detail });
    }
  }

  // Tells an open iframe about new options; it may be still loading, then nothing arrives.
  const send = (w, o) =>
    w.frame.contentWindow.postMessage(pick(o, ['channel', 'location', 'date'], { type: 'bw:open' }), w.origin);

  function open(w, o) {
    later(() => {
      if (w.mode == 'inline') {
        // Already on the page: bring it into view.
        if (w.frame) {
          send(w, o);
          w.frame.scrollIntoView();
        }
        return;
      }
      if (w.dialog) {
        send(w, o);
      } else {
        // Popup and button widgets load nothing until first opened.
        const dialog = (w.dialog = make('dialog', 'dialog', 'padding:0;border:0;width:32rem'));
        const close = make('button', 'close', 'display:block;margin-left:auto;border:0;background:none;font-size:24px');
        close.type = 'button';
        close.textContent = '\u00d7';
        close.setAttribute('aria-label', label(w, 1));
        close.addEventListener('click', () => dialog.close());
        dialog.setAttribute('aria-label', w.script.dataset.title || label(w, 0));
        dialog.append(close, frame(w, o));
        document.body.append(dialog);
      }
      if (!w.dialog.open) w.dialog.showModal();
    });
  }

  function mount(w) {
    const d = w.script.dataset;
    if (w.mode == 'inline') {
      if (!d.target) return w.script.after(frame(w, {}));
      const target = document.querySelector(d.target);
      if (!target) return console.warn('Bookwidget: nothing matches', d.target);
      // Events bubble from the widget's own element, so a host can tell two widgets apart.
      target.append(frame(w, {}));
      w.box = target;
    } else if (w.mode == 'button') {
      const button = make('button', 'button', 'position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:12px 16px');
      button.type = 'button';
      button.textContent = d.label || label(w, 0);
      button.addEventListener('click', () => open(w, {}));
      document.body.append(button);
    }
  }

  function init(script) {
    if (!script || script.bookwidget || !script.dataset.key) return;
    const d = script.dataset;
    const w = (script.bookwidget = {
      script,
      key: d.key,
      mode: /^(popup|button)$/.test(d.mode) ? d.mode : 'inline',
      origin: new URL(script.src).origin,
      wid: String(all.length + 1),
      // Taken now: a tag manager may remove the script element once it has run.
      box: script.parentNode || document,
    });
    all.push(w);
    addEventListener('message', (e) => onMessage(w, e));
    later(() => mount(w));
    if (w.mode == 'popup' && d.target) {
      // Delegated, so buttons the host renders later open the widget too.
      document.addEventListener('click', (e) => {
        if (e.target.closest && e.target.closest(d.target)) {
          e.preventDefault();
          open(w, {});
        }
      });
    }
    // A campaign link landed: open the first popup or button widget by itself, once per page.
    if (here.has('bw') && w.mode != 'inline' && !all.opened) {
      all.opened = true;
      open(w, {});
    }
  }

  function scan() {
    if (!base) return;
    for (const s of document.querySelectorAll('script[data-key]')) {
      if (s.src.split(/[?#]/)[0] == base) init(s);
    }
  }

  function Bookwidget(command, o) {
    o = o || {};
    if (command == 'close') {
      for (const w of all) if (w.dialog) w.dialog.close();
    } else if (command == 'open') {
      const w = o.key ? all.find((x) => x.key == o.key) : all.find((x) => x.mode != 'inline') || all[0];
      if (w) open(w, o);
    }
  }
  Bookwidget.all = all;
  window.Bookwidget = Bookwidget;

  // This tag first, then any other tag for this script that no run has taken yet (a duplicate,
  // or one inserted by innerHTML, which never runs itself); again once the page is parsed.
  init(me);
  scan();
  later(scan);
  // Replay what was queued before this script arrived; a previous run's function has no queue.
  if (prev && prev.q) for (const args of prev.q) Bookwidget(...args);
})();
