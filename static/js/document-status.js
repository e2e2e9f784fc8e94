// Keeps the contract documents table up to date while documents are being prepared,
// by polling the documents API. Without JavaScript the page offers a refresh link.
const section = document.querySelector("[data-document-status]");

const TAGS = {
  queued: ["govuk-tag--grey", "Queued"],
  rendering: ["govuk-tag--blue", "Rendering"],
  done: ["govuk-tag--green", "Done"],
  failed: ["govuk-tag--red", "Failed"],
};

function renderStatus(cell, doc) {
  const [colour, label] = TAGS[doc.status] || TAGS.queued;
  const tag = document.createElement("strong");
  tag.className = `govuk-tag ${colour}`;
  tag.textContent = label;
  cell.replaceChildren(tag);
  if (doc.status === "rendering") {
    const bar = document.createElement("progress");
    bar.className = "nc-progress";
    bar.max = 100;
    bar.value = doc.progress;
    bar.setAttribute("aria-label", `${doc.number} progress`);
    bar.textContent = `${doc.progress}%`;
    cell.append(" ", bar);
  }
}

async function refresh() {
  const response = await fetch(`/api/v1/documents/?order=${section.dataset.order}&page_size=100`, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return false;
  const data = await response.json();
  let pending = false;
  let changedToDone = false;
  for (const doc of data.results) {
    const row = section.querySelector(`[data-document="${doc.id}"]`);
    if (!row) continue;
    const cell = row.querySelector('[data-field="status"]');
    const before = cell.textContent.trim();
    renderStatus(cell, doc);
    if (doc.status === "done" && !before.startsWith("Done")) changedToDone = true;
    if (doc.status === "queued" || doc.status === "rendering") pending = true;
  }
  // Download links and hashes appear with a reload once a document is done.
  if (changedToDone && !pending) window.location.reload();
  return pending;
}

async function poll() {
  const pending = await refresh().catch(() => true);
  if (pending) window.setTimeout(poll, 1500);
}

if (section && section.querySelector("[data-document]")) {
  poll();
}
