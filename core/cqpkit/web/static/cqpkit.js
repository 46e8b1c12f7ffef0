// cqpkit's pages: the one script. A form with data-live is checked as it is typed: its fields are sent
// (action=verifier, header X-Cqpkit-Fragment) and the findings the server answers replace #constats.
// Without JavaScript the « Vérifier » button does the same with a page load.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live]");
  if (!form) return;
  var target = document.getElementById("constats");
  var timer = null;
  var seq = 0;
  function check() {
    var data = new FormData(form);
    data.set("action", "verifier");
    var mine = ++seq;
    fetch(form.getAttribute("data-live"), {method: "POST", body: data, headers: {"X-Cqpkit-Fragment": "1"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && mine === seq) target.innerHTML = html; })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(check, 300); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
