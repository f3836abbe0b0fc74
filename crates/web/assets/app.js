// xinfang staff interface: the little script the pages need. Ours, no third-party code.
// Everything works without it; it adds keyboard saving, more petitioner rows, and checks as you type.
(function () {
  "use strict";
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var C = "10X98765432";

  // The same rules as the server (GB 11643 check digit; mobile or landline); the server decides.
  function idProblem(v) {
    v = v.trim().toUpperCase();
    if (!v) return "";
    if (v.length === 15) return /^\d{15}$/.test(v) ? "" : "15 位旧号码只能是数字";
    if (v.length !== 18) return "身份证号码应为 18 位，现为 " + v.length + " 位";
    if (!/^\d{17}[\dX]$/.test(v)) return "只能是数字，最后一位可以是 X";
    var s = 0;
    for (var i = 0; i < 17; i++) s += (v.charCodeAt(i) - 48) * W[i];
    var c = C.charAt(s % 11);
    return c === v.charAt(17) ? "" : "校验位应为「" + c + "」，请核对";
  }
  function phoneProblem(v) {
    v = v.replace(/[\s()]/g, "").replace(/^(\+86|0086)-?/, "");
    if (!v) return "";
    if (/^1[3-9]\d{9}$/.test(v) || /^0\d{2,3}-?\d{7,8}$/.test(v)) return "";
    return "手机号 11 位，固定电话如 0351-1234567";
  }
  function watch(input, check) {
    input.addEventListener("blur", function () {
      var err = input.parentNode.querySelector(".js-err");
      if (err) err.textContent = check(input.value);
    });
  }
  function wireRow(row) {
    row.querySelectorAll("input.idnum").forEach(function (i) { watch(i, idProblem); });
    row.querySelectorAll("input.phone").forEach(function (i) { watch(i, phoneProblem); });
  }

  // Portal: ask for the one-time code without leaving the form (files chosen stay chosen).
  function wirePortalCode(button) {
    button.addEventListener("click", function (ev) {
      if (!window.fetch) return; // the plain form submit sends the code instead
      ev.preventDefault();
      var form = button.form;
      var status = document.getElementById("code-status");
      var body = new URLSearchParams();
      body.append("_form", form.elements["_form"].value);
      body.append("phone", form.elements["phone"].value);
      button.disabled = true;
      fetch("/portal/code", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (a) {
          status.hidden = false;
          status.textContent = a.message;
          status.className = a.ok ? "notice" : "errors";
          var wait = a.ok ? 60 : 3;
          var left = wait;
          var label = button.getAttribute("data-label") || button.textContent;
          button.setAttribute("data-label", label);
          var t = setInterval(function () {
            left -= 1;
            button.textContent = left > 0 ? label + "（" + left + "）" : label;
            if (left <= 0) { clearInterval(t); button.disabled = false; }
          }, 1000);
        })
        .catch(function () { button.disabled = false; form.requestSubmit(button); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-portal-code]").forEach(wirePortalCode);
    document.querySelectorAll("tr.person").forEach(wireRow);
    var add = document.getElementById("add-person");
    if (add) {
      add.addEventListener("click", function () {
        var body = document.querySelector("#people tbody");
        var rows = body.querySelectorAll("tr.person");
        var next = rows.length;
        var copy = rows[rows.length - 1].cloneNode(true);
        copy.querySelectorAll("input").forEach(function (i) {
          i.name = i.name.replace(/^p\d+_/, "p" + next + "_");
          if (i.type === "checkbox") i.checked = false; else i.value = "";
          i.removeAttribute("autofocus");
        });
        copy.querySelectorAll(".err").forEach(function (e) { e.textContent = ""; });
        body.appendChild(copy);
        wireRow(copy);
        copy.querySelector("input").focus();
      });
    }
    // Ctrl+Enter (or Cmd+Enter) saves the form being typed in.
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        var form = e.target.form || document.querySelector("form.register");
        if (form) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      }
    });
    var first = document.querySelector(".err:not(:empty)");
    if (first) {
      var field = first.parentNode.querySelector("input, select, textarea");
      if (field) field.focus();
    }
  });
})();

// The hall display follows the calls live: on each server-sent event it fetches the board.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board || !board.dataset.live || !window.EventSource) return;
    var source = new EventSource(board.dataset.live);
    function refresh() {
      fetch("/hall/display?fragment=1").then(function (r) { return r.text(); }).then(function (html) {
        board.innerHTML = html;
      });
    }
    source.addEventListener("call", refresh);
    // A call made between loading the page and (re)connecting is not sent as an event.
    source.addEventListener("open", refresh);
  });
})();

// After an audited reveal the page was answered to a POST: put the case's own address back, so a
// reload does not reveal (and log) again.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-canonical]");
    if (el && window.history && history.replaceState) history.replaceState(null, "", el.dataset.canonical);
  });
})();

// Print buttons (the pages carry no inline script: the Content-Security-Policy forbids it).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".print-button").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();

// 分流建议: as the clerk types the statement, ask the server for the top categories (debounced)
// and show them with their confidence, unit and the words that weighed; a click fills in the
// category, and the place when it is still empty. The clerk's choice is what the system learns.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("triage");
    var statement = document.getElementById("statement");
    if (!panel || !statement || !window.fetch) return;
    var list = document.getElementById("triage-list");
    var placeLine = document.getElementById("triage-place");
    var category = document.getElementById("category");
    var county = document.getElementById("county");
    var timer = null;
    var asked = "";
    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text) e.textContent = text;
      return e;
    }
    function choose(s, place) {
      if (category) category.value = s.category;
      if (county && !county.value && place) county.value = place;
      list.querySelectorAll("button").forEach(function (b) {
        b.classList.toggle("chosen", b.getAttribute("data-category") === s.category);
      });
    }
    function show(a) {
      list.textContent = "";
      if (!a.suggestions.length) { panel.hidden = true; return; }
      a.suggestions.forEach(function (s) {
        var li = el("li");
        var b = el("button", "link triage-pick");
        b.type = "button";
        b.setAttribute("data-category", s.category);
        b.appendChild(el("strong", "", s.category_name || s.category));
        b.appendChild(el("span", "score", " " + Math.round(s.score * 100) + "%"));
        b.appendChild(el("span", "unit", " → " + (s.unit_name || s.unit || panel.dataset.byPlace)));
        if (category && category.value === s.category) b.classList.add("chosen");
        b.addEventListener("click", function () { choose(s, a.place); });
        li.appendChild(b);
        if (s.words && s.words.length) {
          li.appendChild(el("span", "meta", " " + panel.dataset.words + "：" + s.words.join("、")));
        }
        list.appendChild(li);
      });
      placeLine.textContent = a.place ? panel.dataset.place + "：" + (a.place_name || a.place) : "";
      panel.hidden = false;
    }
    function ask() {
      var text = statement.value.trim();
      var place = county ? county.value : "";
      if (text + "|" + place === asked) return;
      asked = text + "|" + place;
      if (!text) { panel.hidden = true; return; }
      fetch("/api/v1/triage", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": panel.dataset.csrf },
        body: JSON.stringify({ statement: text, county: place || null })
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (a) { if (a && asked === text + "|" + place) show(a); })
        .catch(function () { /* suggestions are a help, never in the way */ });
    }
    statement.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
    if (county) county.addEventListener("change", ask);
    ask();
  });
})();
