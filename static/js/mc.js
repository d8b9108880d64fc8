// MC tablet (#mc) and stage screen (#stage): a cheap versioned poll every 500 ms
// (GET ...state.json?since=TAG answers 204 when nothing changed; never held open).
// MC actions POST {action, version, award_id?, attendee_id?} with the CSRF header; the server
// compares-and-sets the version (409 + fresh state when another tablet acted first).
// All text goes in through textContent (never innerHTML): names are user data.
(function () {
  "use strict";
  var POLL_MS = 500;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function $(id) { return document.getElementById(id); }

  function poller(url, getSince, onData, onHealth) {
    var busy = false;
    function tick() {
      if (busy) return;
      busy = true;
      var since = getSince();
      fetch(url + (since ? "?since=" + encodeURIComponent(since) : ""),
            { cache: "no-store", credentials: "same-origin" })
        .then(function (r) {
          onHealth(r.ok || r.status === 204 || r.status === 304);
          if (r.status === 200) return r.json().then(onData);
          if (r.status === 401) window.location.reload();
        })
        .catch(function () { onHealth(false); })
        .then(function () { busy = false; });
    }
    tick();
    setInterval(tick, POLL_MS);
  }

  // ---------------------------------------------------------------- stage screen
  var stage = $("stage");
  if (stage) {
    var stageVersion = "";
    poller(stage.getAttribute("data-state-url"), function () { return stageVersion; }, function (s) {
      stageVersion = String(s.version);
      stage.setAttribute("data-version", stageVersion);
      $("stage-event").textContent = s.event;
      $("stage-tier").textContent = s.tier || "";
      var list = $("stage-names");
      clear(list);
      list.className = "stage-names n" + Math.min(s.on_stage.length, 12);
      s.on_stage.forEach(function (p) {
        var li = el("li", "stage-person");
        li.appendChild(el("div", "stage-name", p.name));
        if (p.on_behalf_of) li.appendChild(el("div", "stage-behalf", "(" + p.on_behalf_of + ")"));
        (p.products || []).forEach(function (name) { li.appendChild(el("div", "stage-product", name)); });
        li.appendChild(el("div", "stage-entity", p.entity));
        list.appendChild(li);
      });
    }, function () {});
    return;
  }

  // ---------------------------------------------------------------- MC tablet
  var root = $("mc");
  if (!root) return;
  var L = JSON.parse(root.getAttribute("data-labels") || "{}");
  var EN = document.documentElement.lang === "en";
  function title(x) { return (EN && x.title_en) ? x.title_en : x.title; }
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var state = null;
  var subAward = null;

  function fmt(s, n) { return s.replace("{n}", String(n)); }
  function people(n) { return fmt(n === 1 ? L.people_one : L.people_other, n); }
  function awards(n) { return fmt(n === 1 ? L.awards_one : L.awards_other, n); }
  // "7 người · 9 giải": counts in people, with the awards beside them
  function counts(nPeople, nAwards) { return people(nPeople) + " · " + awards(nAwards); }
  function products(c) {
    return c.awards.map(function (a) { return a.product; }).join("; ");
  }

  function presence(p) {
    var span;
    if (!p) return el("span", "presence none", L.no_recipient);
    if (p.cancelled) {
      span = el("span", "presence none", L.cancelled);
    } else if (p.arrived) {
      span = el("span", "presence ok", L.arrived + " · " + (p.seat ? L.seat + " " + p.seat : L.no_seat));
    } else {
      span = el("span", "presence bad", L.missing);
    }
    span.setAttribute("data-arrived", p.arrived ? "1" : "0");
    return span;
  }

  // "Đã vào hậu trường 09:12" / "Chưa vào hậu trường": a scan at a backstage checkpoint; shown
  // only when the event has one (state.backstage.enabled)
  function backstage(p) {
    if (!p || !state || !state.backstage || !state.backstage.enabled || p.cancelled) return null;
    var span = p.backstage_at ? el("span", "presence backstage ok", L.backstage_in.replace("{t}", p.backstage_at))
                              : el("span", "presence backstage bad", L.backstage_out);
    span.setAttribute("data-backstage", p.backstage_at ? "1" : "0");
    return span;
  }

  function personLine(p) {
    return p ? ((p.honorific ? p.honorific + " " : "") + p.name) : "";
  }

  function renderItem(s) {
    var head = $("mc-item-title"), meta = $("mc-item-meta");
    clear(meta);
    if (s.phase === "before") { head.textContent = L.before; return; }
    if (s.phase === "finished") { head.textContent = L.finished; return; }
    var it = s.current_item;
    head.textContent = it ? title(it) : "";
    if (!it) return;
    if (it.speaker) meta.appendChild(el("span", "", it.speaker));
    meta.appendChild(el("span", "", L.planned + " " + (it.planned || L.none) + " (" + it.planned_minutes + "′)"));
    meta.appendChild(el("span", "", L.actual + " " + (it.actual_start || L.none)));
  }

  function lateBadge(s) {
    var b = $("mc-late");
    var it = s.current_item;
    if (!it || s.phase !== "running") { b.hidden = true; return; }
    b.hidden = false;
    var overrun = it.due_ms && Date.now() > it.due_ms;
    var late = it.late_minutes;
    if (overrun) {
      b.textContent = L.overrun + " " + Math.round((Date.now() - it.due_ms) / 60000) + "′";
      b.className = "pill bad";
    } else if (late !== null && late > 0) {
      b.textContent = fmt(L.late, late); b.className = "pill " + (late >= 10 ? "bad" : "warn");
    } else if (late !== null && late < 0) {
      b.textContent = fmt(L.early, -late); b.className = "pill ok";
    } else if (late === 0) { b.textContent = L.on_time; b.className = "pill ok"; }
    else { b.hidden = true; }  // not on the event's day (a rehearsal): no lateness to show
  }

  function renderBatch(s) {
    var box = $("mc-batch"), b = s.batch;
    box.hidden = !b;
    var list = $("mc-recipients");
    clear(list);
    if (!b) return;
    $("mc-batch-no").textContent = L.batch + " " + b.number + "/" + b.of;
    $("mc-batch-tier").textContent = b.tier;
    $("mc-batch-count").textContent = counts(b.people, b.award_count);
    var pr = $("mc-presenter");
    clear(pr);
    pr.appendChild(el("span", "mc-label", L.presenter + ": "));
    pr.appendChild(el("strong", "", b.presenter ? personLine(b.presenter) : L.none));
    if (b.presenter) {
      pr.appendChild(el("span", "mc-small", " " + (b.presenter.position || "")));
      pr.appendChild(presence(b.presenter));
    }
    var bPr = el("button", "small", L.presenter_change);
    bPr.type = "button"; bPr.setAttribute("data-action", "presenter"); bPr.setAttribute("data-batch", b.id);
    pr.appendChild(bPr);
    // one call per person: a recipient with several awards comes up once, every product listed
    b.calls.forEach(function (c, i) {
      var li = el("li", "mc-rec status-" + c.status);
      li.setAttribute("data-award", c.award_id);
      li.setAttribute("data-call", c.key);
      var main = el("div", "mc-rec-main");
      main.appendChild(el("span", "mc-no", String(i + 1)));
      var who = el("div", "mc-who");
      who.appendChild(el("div", "mc-name", c.recipients.length ? (c.recipient && c.recipients.length === 1 ?
        personLine(c.recipient) : c.recipients.join(", ")) : c.entity));
      // one entity: named once above its products; several: each product with its entity
      var oneEntity = c.awards.every(function (a) { return a.entity === c.awards[0].entity; });
      if (oneEntity && c.awards.length > 1) who.appendChild(el("div", "mc-entity", c.awards[0].entity));
      var prods = el("ul", "mc-products" + (oneEntity && c.awards.length > 1 ? " many" : ""));
      c.awards.forEach(function (a) {
        var pli = el("li", "mc-entity", oneEntity && c.awards.length > 1 ? a.product : a.entity + " — " + a.product);
        pli.setAttribute("data-product-award", a.id);
        prods.appendChild(pli);
      });
      who.appendChild(prods);
      if (c.awards.length > 1) who.appendChild(el("div", "mc-small", awards(c.awards.length)));
      if (c.substitute) {
        who.appendChild(el("div", "mc-sub", L.substitute + ": " + personLine(c.substitute)));
      }
      main.appendChild(who);
      var side = el("div", "mc-rec-side");
      side.appendChild(c.status === "absent" && !c.substitute ? el("span", "presence bad", L.status_absent)
                       : presence(c.substitute || c.recipient));
      var bs = c.status === "absent" && !c.substitute ? null : backstage(c.substitute || c.recipient);
      if (bs) side.appendChild(bs);
      var bAbs = el("button", "small", c.status === "absent" ? L.undo_absent : L.absent);
      bAbs.type = "button"; bAbs.setAttribute("data-action", "absent"); bAbs.setAttribute("data-award", c.award_id);
      var bSub = el("button", "small", L.substitute);
      bSub.type = "button"; bSub.setAttribute("data-action", "substitute"); bSub.setAttribute("data-award", c.award_id);
      side.appendChild(bAbs); side.appendChild(bSub);
      li.appendChild(main); li.appendChild(side);
      list.appendChild(li);
    });
  }

  function renderSide(s) {
    var n = $("mc-next-item");
    clear(n);
    if (s.next_item) {
      n.appendChild(el("div", "mc-next-title", title(s.next_item)));
      n.appendChild(el("div", "mc-small", L.planned + " " + (s.next_item.planned || L.none) +
                       (s.next_item.speaker ? " · " + s.next_item.speaker : "")));
    } else { n.textContent = L.none; }
    var cu = $("mc-callup"), nb = s.next_batch;
    clear(cu);
    $("mc-callup-head").textContent = nb ? (L.batch + " " + nb.number + "/" + nb.of + " · " + nb.tier +
      " · " + counts(nb.people, nb.award_count) +
      (nb.presenter ? " · " + L.presenter + ": " + personLine(nb.presenter) : "")) : L.none;
    var head = $("mc-callup-head");
    if (nb) {
      var bNext = el("button", "small", L.presenter_change);
      bNext.type = "button"; bNext.setAttribute("data-action", "presenter"); bNext.setAttribute("data-batch", nb.id);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(bNext);
    }
    if (nb) nb.calls.forEach(function (c) {
      var li = el("li", "");
      li.setAttribute("data-call", c.key);
      li.appendChild(el("span", "", personLine(c.substitute || c.recipient) || c.entity));
      li.appendChild(el("span", "mc-small", " — " + products(c)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(presence(c.substitute || c.recipient));
      var bs = backstage(c.substitute || c.recipient);
      if (bs) { li.appendChild(document.createTextNode(" ")); li.appendChild(bs); }
      cu.appendChild(li);
    });
    var m = $("mc-missing");
    clear(m);
    $("mc-missing-count").textContent = "(" + counts(s.missing.length, s.missing_awards) + ")";
    if (!s.missing.length) m.appendChild(el("li", "ok", L.none_missing));
    s.missing.forEach(function (x) {
      var li = el("li", "bad");
      li.setAttribute("data-missing", x.award_id);
      li.setAttribute("data-call", x.key);
      li.appendChild(el("strong", "", L.batch + " " + x.batches.join(", ") + ": "));
      li.appendChild(document.createTextNode((x.name || L.no_recipient) + " — " + x.entity +
        (x.products.length > 1 ? " (" + awards(x.products.length) + ")" : "")));
      m.appendChild(li);
    });
    var p = $("mc-programme");
    clear(p);
    s.programme.forEach(function (it) {
      var li = el("li", (it.current ? "current" : "") + (it.done ? " done" : ""));
      li.appendChild(el("span", "t", it.planned || ""));
      li.appendChild(el("span", "a", it.actual_start ? "(" + it.actual_start + ")" : ""));
      li.appendChild(el("span", "x", title(it)));
      p.appendChild(li);
    });
    $("mc-count").textContent = s.arrived + "/" + people(s.recipients) + " " + L.arrived_of +
      " · " + awards(s.award_count) +
      (s.backstage && s.backstage.enabled ? " · " + s.backstage.count + " " + L.backstage_of : "");
  }

  function render(s) {
    state = s;
    root.setAttribute("data-version", s.version);
    root.setAttribute("data-tag", s.tag);
    root.setAttribute("data-phase", s.phase);
    renderItem(s); lateBadge(s); renderBatch(s); renderSide(s);
    var start = root.querySelector('[data-action="start"]');
    start.disabled = !s.can.start;
    start.textContent = s.phase === "before" ? L.start : L.start_awards;
    root.querySelector('[data-action="next"]').disabled = !s.can.next;
    root.querySelector('[data-action="back"]').disabled = !s.can.back;
  }

  var toastTimer = null;
  function toast(msg) {
    var t = $("mc-toast");
    t.textContent = msg; t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 3000);
  }

  function act(action, extra) {
    var body = { action: action, version: state ? state.version : Number(root.getAttribute("data-version")) };
    Object.keys(extra || {}).forEach(function (k) { body[k] = extra[k]; });
    return fetch(root.getAttribute("data-action-url"), {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (s) {
        if (s && s.version !== undefined && s.programme) render(s);
        if (r.status === 409) toast(L.conflict);
        else if (!r.ok) toast((s && s.message) || String(r.status));
        return r.ok;
      });
    }).catch(function () { toast(L.offline); return false; });
  }

  // substitute picker
  var dlg = $("mc-sub"), q = $("mc-sub-q"), picks = $("mc-sub-list"), searchTimer = null;
  function openSub(awardId) {
    subAward = awardId;
    var a = null;
    if (state && state.batch) state.batch.calls.forEach(function (x) { if (String(x.award_id) === String(awardId)) a = x; });
    $("mc-sub-for").textContent = a ? (L.on_behalf + " " + (personLine(a.recipient) || a.entity) + " — " + products(a)) : "";
    q.value = ""; clear(picks);
    if (dlg.showModal) dlg.showModal(); else dlg.setAttribute("open", "");
    q.focus();
  }
  function closeSub() { if (dlg.close) dlg.close(); else dlg.removeAttribute("open"); subAward = null; }
  q.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      var text = q.value.trim();
      if (!text) { clear(picks); return; }
      fetch(root.getAttribute("data-people-url") + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (people) {
          clear(picks);
          if (!people.length) picks.appendChild(el("li", "mc-small", L.no_people));
          people.forEach(function (p) {
            var li = el("li", "");
            var b = el("button", "", p.name + " — " + p.organisation + (p.seat ? " · " + p.seat : ""));
            b.type = "button"; b.setAttribute("data-pick", p.id);
            li.appendChild(b); picks.appendChild(li);
          });
        });
    }, 200);
  });
  picks.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-pick]");
    if (!b || subAward === null) return;
    act("substitute", { award_id: Number(subAward), attendee_id: Number(b.getAttribute("data-pick")) })
      .then(function (ok) { if (ok) closeSub(); });
  });
  $("mc-sub-clear").addEventListener("click", function () {
    if (subAward === null) return;
    act("substitute", { award_id: Number(subAward), attendee_id: null }).then(function () { closeSub(); });
  });
  $("mc-sub-close").addEventListener("click", closeSub);

  // presenter picker: leaders (and anyone presenting already) with their presence
  var pdlg = $("mc-pres"), plist = $("mc-pres-list"), presBatch = null;
  function batchById(id) {
    var found = null;
    [state && state.batch, state && state.next_batch].forEach(function (b) {
      if (b && String(b.id) === String(id)) found = b;
    });
    return found;
  }
  function openPresenter(batchId) {
    presBatch = batchId;
    var b = batchById(batchId);
    $("mc-pres-for").textContent = b ? fmt(L.presenter_for, b.number) + " · " + b.tier : "";
    clear(plist);
    if (pdlg.showModal) pdlg.showModal(); else pdlg.setAttribute("open", "");
    fetch(root.getAttribute("data-presenters-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (people) {
        clear(plist);
        people.forEach(function (p) {
          var li = el("li", "");
          var btn = el("button", "mc-pick-person");
          btn.type = "button"; btn.setAttribute("data-pick-presenter", p.id);
          if (b && b.presenter && b.presenter.id === p.id) btn.className += " current";
          if (p.cancelled) btn.disabled = true;
          btn.appendChild(el("strong", "", personLine(p)));
          btn.appendChild(el("span", "mc-small", " " + (p.position || "")));
          if (p.batches.length) btn.appendChild(el("span", "mc-small", " · " + L.presenting + " " + p.batches.join(", ")));
          btn.appendChild(document.createTextNode(" "));
          btn.appendChild(presence(p));
          li.appendChild(btn); plist.appendChild(li);
        });
      })
      .catch(function () { toast(L.offline); });
  }
  function closePresenter() { if (pdlg.close) pdlg.close(); else pdlg.removeAttribute("open"); presBatch = null; }
  plist.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-pick-presenter]");
    if (!b || presBatch === null) return;
    act("presenter", { batch_id: Number(presBatch), attendee_id: Number(b.getAttribute("data-pick-presenter")) })
      .then(function (ok) { if (ok) closePresenter(); });
  });
  $("mc-pres-close").addEventListener("click", closePresenter);

  root.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-action]");
    if (!b || b.disabled || !root.contains(b)) return;
    var action = b.getAttribute("data-action");
    if (action === "substitute") { openSub(b.getAttribute("data-award")); return; }
    if (action === "presenter") { openPresenter(b.getAttribute("data-batch")); return; }
    var extra = {};
    if (b.hasAttribute("data-award")) extra.award_id = Number(b.getAttribute("data-award"));
    b.disabled = true;
    act(action, extra).then(function () { b.disabled = false; if (state) render(state); });
  });

  // the clock in the event's time zone, whatever zone the tablet is set to
  var hhmm = null;
  try {
    hhmm = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                               timeZone: root.getAttribute("data-tz") || "Asia/Ho_Chi_Minh" });
  } catch (e) { hhmm = null; }
  function clock() {
    var d = new Date();
    $("mc-clock").textContent = hhmm ? hhmm.format(d)
      : ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    if (state) lateBadge(state);
  }
  clock(); setInterval(clock, 10000);

  poller(root.getAttribute("data-state-url"), function () { return state ? state.tag : ""; }, render,
         function (ok) { $("mc-conn").hidden = ok; });
})();
