// crossdock console: progressive enhancement only. Every page works without this script (forms
// post and redirect, pages show the figures of the moment); with it:
// - an element with data-refresh="<url>" and data-every="<ms>" has its content replaced by the
//   fragment that URL answers, every so often, while the tab is visible (live figures, a replay's
//   progress); it stops when the fragment says data-final, and says so to screen readers only
//   through the aria-live the page gave it;
// - a form with data-confirm="<question>" asks before it is sent, and so does a submit button with
//   its own data-confirm (one button of a form with several: discard among the dead-letter actions).
'use strict';
(function () {
  function refresh(el) {
    var url = el.getAttribute('data-refresh');
    var every = Number(el.getAttribute('data-every')) || 2000;
    var timer = null;
    function tick() {
      if (document.hidden) {
        timer = setTimeout(tick, every);
        return;
      }
      fetch(url, { headers: { 'x-console-fragment': '1' }, credentials: 'same-origin' })
        .then(function (res) {
          if (res.status === 401) {
            window.location.reload();
            return null;
          }
          return res.ok ? res.text() : null;
        })
        .then(function (text) {
          if (text !== null && text !== undefined) {
            el.innerHTML = text;
            el.setAttribute('data-updated', String(Date.now()));
            if (el.querySelector('[data-final]')) return;
          }
          timer = setTimeout(tick, every);
        })
        .catch(function () {
          timer = setTimeout(tick, every * 2);
        });
    }
    timer = setTimeout(tick, every);
    return function () {
      if (timer) clearTimeout(timer);
    };
  }
  document.addEventListener('DOMContentLoaded', function () {
    var live = document.querySelectorAll('[data-refresh]');
    for (var i = 0; i < live.length; i++) if (!live[i].querySelector('[data-final]')) refresh(live[i]);
    document.addEventListener('submit', function (e) {
      var form = e.target;
      var button = e.submitter;
      var q =
        (button && button.getAttribute && button.getAttribute('data-confirm')) ||
        (form && form.getAttribute && form.getAttribute('data-confirm'));
      if (q && !window.confirm(q)) e.preventDefault();
    });
  });
})();
