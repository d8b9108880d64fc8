// The phone scanner's durable state in IndexedDB (issue 24), the browser's counterpart of the kiosk's
// snapshot.json and queue.sqlite3 (kiosk/queue.py):
//   snapshot  the last snapshot from the server and its ETag (event, keys, revoked codes, roster)
//   queue     every scan, written BEFORE it is sent; removed when the server has answered it,
//             kept as "rejected" when the server refused the request itself (never resent)
//   arrivals  people this phone has seen accepted (and, for an entry/exit checkpoint, which way),
//             so a badge shown twice while offline gets "already" instead of a second "ok"

const DB_NAME = "ek-scan";
const DB_VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

function upgrade(db) {
  if (!db.objectStoreNames.contains("snapshot")) db.createObjectStore("snapshot", { keyPath: "id" });
  if (!db.objectStoreNames.contains("queue")) {
    const q = db.createObjectStore("queue", { keyPath: "scan_id" });
    q.createIndex("seq", "seq");
  }
  if (!db.objectStoreNames.contains("arrivals")) db.createObjectStore("arrivals", { keyPath: "attendee_id" });
}

export async function openStore() {
  const req = indexedDB.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => upgrade(req.result);
  return new ScanStore(await request(req));
}

class ScanStore {
  constructor(db) {
    this.db = db;
  }

  async get(store, key) {
    return request(this.db.transaction(store).objectStore(store).get(key));
  }

  // durable on return: the transaction has committed
  async put(store, value) {
    const tx = this.db.transaction(store, "readwrite");
    tx.objectStore(store).put(value);
    await done(tx);
  }

  async remove(store, key) {
    const tx = this.db.transaction(store, "readwrite");
    tx.objectStore(store).delete(key);
    await done(tx);
  }

  async snapshot() {
    return (await this.get("snapshot", "current")) || null;
  }

  async saveSnapshot(doc, etag) {
    await this.put("snapshot", { id: "current", doc, etag, saved_at: Date.now() });
  }

  async addScan(scan) {
    await this.put("queue", scan);
  }

  async updateScan(scan) {
    await this.put("queue", scan);
  }

  async forgetScan(scanId) {
    await this.remove("queue", scanId);
  }

  // every queued scan, oldest first
  async scans() {
    const index = this.db.transaction("queue").objectStore("queue").index("seq");
    return request(index.getAll());
  }

  async pending() {
    return (await this.scans()).filter((s) => s.state === "pending");
  }

  async arrival(attendeeId) {
    return (await this.get("arrivals", Number(attendeeId))) || null;
  }

  async noteArrival(record) {
    await this.put("arrivals", { ...record, attendee_id: Number(record.attendee_id) });
  }
}

// a new event on the server: the people seen before belong to the old one
ScanStore.prototype.forgetArrivals = async function forgetArrivals() {
  const tx = this.db.transaction("arrivals", "readwrite");
  tx.objectStore("arrivals").clear();
  await done(tx);
};
