// The trajectory data of one answer of the server, filled block by block from the stream.
// Arrays are typed and preallocated to the configured steps; index i holds step i + 1.

const num = (v) => (v === null || v === undefined ? NaN : v);

function copyInto(target, offset, values) {
  const n = Math.min(values.length, target.length - offset);
  for (let i = 0; i < n; i += 1) target[offset + i] = num(values[i]);
}

export class RunTrace {
  constructor(steps) {
    this.capacity = steps;
    this.n = 0; // steps received so far
    this.status = null; // "completed" | "diverged" once its end record arrived
    this.x = new Float64Array(steps);
    this.y = new Float64Array(steps);
    this.loss = new Float64Array(steps);
    this.lr = new Float64Array(steps);
    this.gx = new Float64Array(steps);
    this.gy = new Float64Array(steps);
    this.state = {}; // name -> {x: Float64Array, y: Float64Array}
    this.stateOrder = [];
    this.factors = {}; // name -> Float64Array: the step's scalar factors (bias corrections, ...)
  }

  add(rec) {
    const off = rec.first - 1;
    const len = rec.x.length;
    copyInto(this.x, off, rec.x);
    copyInto(this.y, off, rec.y);
    copyInto(this.loss, off, rec.loss);
    copyInto(this.lr, off, rec.lr);
    copyInto(this.gx, off, rec.grad_x);
    copyInto(this.gy, off, rec.grad_y);
    this.addState(off, rec.state);
    for (const [name, values] of Object.entries(rec.factors || {})) {
      if (!this.factors[name]) this.factors[name] = new Float64Array(this.capacity).fill(NaN);
      copyInto(this.factors[name], off, values);
    }
    this.n = Math.max(this.n, Math.min(off + len, this.capacity));
  }

  /** A points record: the path and its companion paths only (the other series stay empty). */
  addPoints(rec) {
    const off = rec.first - 1;
    copyInto(this.x, off, rec.x);
    copyInto(this.y, off, rec.y);
    this.addState(off, rec.state);
    this.n = Math.max(this.n, Math.min(off + rec.x.length, this.capacity));
  }

  /** A record's state quantities ({name: {x, y}} or {name: [values]}) from index `off`. */
  addState(off, state) {
    for (const [name, value] of Object.entries(state || {})) {
      if (!this.state[name]) {
        this.state[name] = {
          x: new Float64Array(this.capacity).fill(NaN),
          y: new Float64Array(this.capacity).fill(NaN),
        };
        this.stateOrder.push(name);
      }
      const xs = Array.isArray(value) ? value : value.x;
      const ys = Array.isArray(value) ? value : (value.y ?? value.x);
      copyInto(this.state[name].x, off, xs);
      copyInto(this.state[name].y, off, ys);
    }
  }
}

export class Dataset {
  /**
   * `config`: the server's filled config; `reuse[i]`: a complete RunTrace of an identical run
   * from an earlier answer (only the other runs are streamed); `index[k]`: the run index in this
   * dataset of run k of the stream (identity when the whole config was sent).
   */
  constructor(config, query, seq, { reuse = null, index = null } = {}) {
    this.config = config;
    this.query = query;
    this.seq = seq;
    this.start = config.start;
    this.steps = config.steps;
    this.runs = config.runs.map((_, i) => (reuse && reuse[i]) || new RunTrace(config.steps));
    this.index = index;
    this.done = false;
    this.sent = null; // the config as the page sent it (keys for reuse)
    this.pointsOnly = false; // streamed as points only (a drag or a held slider): paths only
    this.version = 0; // bumped on every change so views know when to redraw
  }

  add(rec) {
    const run = this.runs[this.index ? this.index[rec.run] : rec.run];
    if (!run) return;
    if (rec.type === "steps") run.add(rec);
    else if (rec.type === "points") run.addPoints(rec);
    else if (rec.type === "end") run.status = rec.status;
    this.version += 1;
  }

  /** The longest run's recorded steps (the scrubber's maximum once complete). */
  get maxSteps() {
    let m = 0;
    for (const r of this.runs) m = Math.max(m, r.n);
    return m;
  }

  /** θ at step `s` of run `i` (s = 0: the start), clamped to what has arrived. */
  point(i, s) {
    const r = this.runs[i];
    const k = Math.min(s, r.n);
    if (k <= 0) return [this.start[0], this.start[1]];
    return [r.x[k - 1], r.y[k - 1]];
  }
}

/**
 * Min/max decimation of a line for drawing: keeps the first/last point and, for each of
 * `buckets` buckets, its smallest and largest value in order. Returns {x, y} typed arrays.
 * `xs` may be null for x = 1..n.
 */
export function decimate(ys, n, buckets = 1500, xs = null) {
  if (n <= buckets * 2) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i += 1) x[i] = xs ? xs[i] : i + 1;
    return { x, y: ys.subarray(0, n) };
  }
  const ox = new Float64Array(buckets * 2 + 2);
  const oy = new Float64Array(buckets * 2 + 2);
  let k = 0;
  const size = n / buckets;
  for (let b = 0; b < buckets; b += 1) {
    const lo = Math.floor(b * size);
    const hi = Math.min(n, Math.floor((b + 1) * size));
    let imin = -1;
    let imax = -1;
    for (let i = lo; i < hi; i += 1) {
      const v = ys[i];
      if (Number.isNaN(v)) continue;
      if (imin < 0 || v < ys[imin]) imin = i;
      if (imax < 0 || v > ys[imax]) imax = i;
    }
    if (imin < 0) continue;
    const [a, c] = imin <= imax ? [imin, imax] : [imax, imin];
    ox[k] = xs ? xs[a] : a + 1;
    oy[k] = ys[a];
    k += 1;
    if (c !== a) {
      ox[k] = xs ? xs[c] : c + 1;
      oy[k] = ys[c];
      k += 1;
    }
  }
  return { x: ox.subarray(0, k), y: oy.subarray(0, k) };
}
