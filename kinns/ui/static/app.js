// kinns ui: draws the snapshot the server pushes over /ws, and the hops of a trace between two clicked things.
"use strict";

let state = null;
let selected = null;   // the pod a trace starts from: {namespace, name}
let lastTrace = null;  // the last trace's JSON, drawn again after each redraw

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
  '"': "&quot;", "'": "&#39;"}[c]));

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => { $("#live").textContent = "live"; };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "state") { state = msg.state; render(); }
  };
  ws.onclose = () => { $("#live").textContent = "disconnected, retrying…"; setTimeout(connect, 1000); };
}

function podKey(p) { return `${p.namespace}/${p.name}`; }

function render() {
  const c = state.cluster;
  $("#cluster").textContent = `cluster ${c.name} · ${c.backend}`;
  $("#host").innerHTML = `<b>the machine</b> · bridge <span class="mono">${esc(c.bridge)}</span> ` +
    `<span class="mono">${esc(c.gateway)}</span> · node network <span class="mono">${esc(c.subnet)}</span>`;
  $("#nodes").innerHTML = state.nodes.map(renderNode).join("");
  $("#services").innerHTML = state.services.map((s) =>
    `<tr data-service="${esc(s.namespace)}/${esc(s.name)}"><td><b>${esc(s.name)}</b><br>` +
    `<span class="hint">${esc(s.namespace)} · ${esc(s.type)}</span></td>` +
    `<td class="mono">${esc(s.clusterIP)}${s.external.length ? "<br>" + s.external.map(esc).join(" ") : ""}<br>` +
    s.ports.map((p) => `${p.port}${p.nodePort ? ":" + p.nodePort : ""}/${esc(p.protocol)}`).join(" ") +
    `</td><td class="mono">${s.endpoints.map(esc).join("<br>") || "<span class='hint'>no endpoints</span>"}</td></tr>`
  ).join("");
  $("#ingresses").innerHTML = state.ingresses.map((i) =>
    `<li data-ingress="${esc(i.namespace)}/${esc(i.name)}"><b>${esc(i.name)}</b> <span class="hint">` +
    `${esc(i.class)}</span><br><span class="mono">${i.rules.map(esc).join("<br>")}</span></li>`).join("") ||
    "<li class='hint'>none</li>";
  $("#routes").innerHTML = state.routes.map((r) =>
    `<li data-route="${esc(r.namespace)}/${esc(r.name)}"><b>${esc(r.name)}</b> <span class="hint">` +
    `${esc(r.kind)} on ${r.parents.map(esc).join(", ")}</span><br><span class="mono">` +
    `${(r.hostnames.length ? r.hostnames : ["*"]).map(esc).join(" ")} -> ${r.backends.map(esc).join(" ")}` +
    `</span></li>`).join("") || "<li class='hint'>none</li>";
  $("#dns").innerHTML = state.dns.service ?
    `kube-dns <span class="mono">${esc(state.dns.service)}:53</span> → ` +
    `<span class="mono">${state.dns.endpoints.map(esc).join(" ")}</span>` : "<span class='hint'>no kube-dns</span>";
  for (const el of document.querySelectorAll(".pod")) el.onclick = () => clickPod(el.dataset.pod);
  for (const el of document.querySelectorAll("tr[data-service]")) el.onclick = () => clickService(el.dataset.service);
  if (selected) mark(`[data-pod="${cssEsc(podKey(selected))}"]`, "selected");
  requestAnimationFrame(drawWires);
}

function renderNode(n) {
  const pods = state.pods.filter((p) => p.node === n.name && !p.hostNetwork);
  const host = state.pods.filter((p) => p.node === n.name && p.hostNetwork);
  const tunnels = n.tunnels.map((t) => `<div class="tunnel" data-tunnel="${esc(t.name)}">${esc(t.name)} ` +
    `${esc(t.kind)}${t.id != null ? " id " + esc(t.id) : ""}${t.port ? " :" + esc(t.port) : ""}` +
    `${t.master ? " on " + esc(t.master) : ""}</div>`).join("");
  const bridge = n.bridge ? `<div class="bridge" data-bridge="${esc(n.bridge.name)}">${esc(n.bridge.name)} ` +
    `${n.bridge.addresses.map(esc).join(" ")}</div>` : `<div class="bridge hint">no bridge: no pod network on this node yet</div>`;
  return `<div class="node${n.ready ? "" : " notready"}" data-node="${esc(n.name)}" data-netns="${esc(n.netns)}">` +
    `<div class="node-head">${esc(n.name)} <span class="cidr">${esc(n.podCIDR)}${n.ready ? "" : " · NotReady"}` +
    `</span></div><div class="dev" data-dev="eth0">eth0 ${n.eth0.map(esc).join(" ")}</div>${tunnels}${bridge}` +
    `<div class="pods">${pods.map(renderPod).join("")}</div>` +
    (host.length ? `<div class="hostnet">node network: ${host.map((p) => esc(p.name)).join(", ")}</div>` : "") +
    `<details class="routes"><summary>routes (${n.routes.length})</summary><pre>` +
    n.routes.map((r) => `${esc(r.dst)}${r.via ? " via " + esc(r.via) : ""} dev ${esc(r.dev)}`).join("\n") +
    `</pre></details></div>`;
}

function renderPod(p) {
  return `<div class="pod${p.ip ? "" : " pending"}" data-pod="${esc(podKey(p))}" data-netns="${esc(p.netns)}">` +
    `<b>${esc(p.name)}</b><div class="ns">${esc(p.namespace)} · ${esc(p.phase)}</div>` +
    `<div class="ip">${esc(p.ip || "no IP yet")}</div><div class="veth">${esc(p.veth)}</div></div>`;
}

function cssEsc(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s; }
function mark(sel, cls) { for (const el of document.querySelectorAll(sel)) el.classList.add(cls); }

function centre(el, box) {
  const r = el.getBoundingClientRect();
  return {x: r.left - box.left + r.width / 2, y: r.top - box.top + r.height / 2, r};
}

function drawWires() {
  const svg = $("#wires");
  const box = $("#net").getBoundingClientRect();
  let out = "";
  const host = $("#host").getBoundingClientRect();
  for (const node of document.querySelectorAll(".node")) {
    const eth0 = centre(node.querySelector(".dev"), box);
    out += `<line x1="${eth0.x}" y1="${host.bottom - box.top}" x2="${eth0.x}" y2="${eth0.r.top - box.top}"/>`;
    const bridge = node.querySelector(".bridge");
    if (!bridge) continue;
    const b = bridge.getBoundingClientRect();
    const bus = b.left - box.left + 11;  // the bridge's ports: a wire down its left side, a veth to each pod
    let last = b.bottom - box.top;
    for (const pod of node.querySelectorAll(".pod")) {
      const p = centre(pod, box);
      out += `<line x1="${bus}" y1="${p.y}" x2="${p.r.left - box.left}" y2="${p.y}"/>`;
      last = p.y;
    }
    out += `<line x1="${bus}" y1="${b.bottom - box.top}" x2="${bus}" y2="${last}"/>`;
  }
  if (lastTrace) out += drawTrace(box);
  svg.innerHTML = out;
}

// Where a hop happened on the picture: the pod, or inside a node the device it names (eth0, the tunnel, the
// bridge and its veths); between an encapsulation and a decapsulation the datagram crosses the machine's bridge.
function stopOf(hop) {
  if (hop.netns === "host") return $("#host");
  const el = document.querySelector(`[data-netns="${cssEsc(hop.netns)}"]`);
  if (!el || !el.classList.contains("node")) return el;
  const iface = hop.interface || "";
  if (iface === "eth0") return el.querySelector('[data-dev="eth0"]') || el;
  const tunnel = el.querySelector(`[data-tunnel="${cssEsc(iface)}"]`);
  if (tunnel) return tunnel;
  return el.querySelector(".bridge") || el;
}

function drawTrace(box) {
  const stops = [];
  for (const hop of lastTrace.hops) {
    if (["answer", "conntrack", "dns", "ingress"].includes(hop.event)) continue;
    const owner = hop.netns === "host" ? $("#host") : document.querySelector(`[data-netns="${cssEsc(hop.netns)}"]`);
    if (owner) owner.classList.add("on-path");
    const el = stopOf(hop);
    if (el && (!stops.length || stops[stops.length - 1].el !== el)) stops.push({el, ...centre(el, box)});
    if (hop.event === "encapsulate") {
      const host = $("#host"), last = stops[stops.length - 1];
      const r = host.getBoundingClientRect();
      stops.push({el: host, x: last.x, y: r.top - box.top + r.height / 2});
    }
  }
  if (!stops.length) return "";
  const points = stops.map((s) => `${s.x},${s.y}`).join(" ");
  return `<polyline class="trace-path" points="${points}"/>` + stops.map((s, i) =>
    `<g class="stop"><circle cx="${s.x}" cy="${s.y}" r="8"/><text x="${s.x}" y="${s.y}">${i + 1}</text></g>`).join("");
}

function clickPod(key) {
  const [namespace, name] = key.split("/");
  if (!selected) {
    selected = {namespace, name};
    lastTrace = null;
    $("#trace").innerHTML = `<p class="hint">from <b>${esc(key)}</b>: now click a pod or a Service.</p>`;
    render();
    return;
  }
  const pod = state.pods.find((p) => podKey(p) === key);
  const to = pod.ports.length ? `${pod.ip}:${pod.ports[0]}` : pod.ip;
  runTrace(to, pod.ports.length ? null : "icmp", key);
}

function clickService(key) {
  if (!selected) {
    $("#trace").innerHTML = `<p class="hint">Click the pod to trace from first.</p>`;
    return;
  }
  const [namespace, name] = key.split("/");
  const svc = state.services.find((s) => s.namespace === namespace && s.name === name);
  runTrace(`${name}.${namespace}:${svc.ports.length ? svc.ports[0].port : 80}`, null, key);
}

async function runTrace(to, proto, label) {
  const from = selected;
  selected = null;
  $("#trace").innerHTML = `<p class="hint">tracing ${esc(podKey(from))} → ${esc(label)}…</p>`;
  const response = await fetch("/api/trace", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({namespace: from.namespace, from: from.name, to, proto})});
  const result = await response.json();
  if (!response.ok) {
    lastTrace = null;
    $("#trace").innerHTML = `<p class="verdict bad">${esc(result.error)}</p>`;
    render();
    return;
  }
  lastTrace = result;
  $("#trace").innerHTML = `<p><b>${esc(result.from)}</b> → ${esc(result.to)} <span class="hint">` +
    `(${esc(result.protocol)}, ${result.seconds}s)</span></p><ol>` + result.hops.map((h) =>
      `<li><span class="ev">${esc(h.event)}</span> <span class="where">${esc(h.node)} ${esc(h.interface)}</span> ` +
      `${esc(h.detail)}</li>`).join("") + `</ol><p class="verdict${result.delivered ? "" : " bad"}">` +
    `${esc(result.verdict)}</p>`;
  render();
}

window.addEventListener("resize", () => state && drawWires());
connect();
