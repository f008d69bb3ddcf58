// The page's own words in English and Simplified Chinese. Every name and text of the catalog
// (optimizers, schedules, surfaces, parameters, state and common quantities, run colours) comes
// from the server in both languages (`i18n.zh.<field>` beside the English field; tc() picks it).

const STRINGS = {
  en: {
    "app.title": "Optimizer trajectories",
    "app.subtitle": "Watch optimizers and learning-rate schedules walk across a loss surface.",
    "lang.label": "Language",
    "link.copy": "Copy link",
    "link.copied": "Link copied to the clipboard.",
    "link.copyFailed": "Could not copy; the link is in the address bar.",
    "export.title": "Export",
    "export.trajectory": "Trajectory",
    "export.figure": "Figure",
    "export.python": "Python",
    "export.download": "Download .py",
    "export.copy": "Copy",
    "export.copied": "Python script copied to the clipboard.",
    "export.copyFailed": "Could not copy; use Download .py instead.",
    "export.saved": "Saved {name}.",
    "export.wait": "Wait until the runs are computed, then export.",
    "export.failed": "Export failed: {msg}",
    "export.mapCsv": "Map CSV",
    "export.mapWait": "Compute this map in the Maps card first, then export.",
    "export.mapSubtitle": "{metric}; {steps} steps; {nx} × {ny} cells",
    "notice.title": "Some values in the link were not valid and fell back to their defaults:",
    "notice.dismiss": "Dismiss",
    "notice.serverError": "The server could not compute this configuration:",
    "section.surface": "Surface",
    "surface.label": "Loss surface",
    "surface.custom": "Custom formula…",
    "formula.label": "Formula f(x, y)",
    "formula.hint": "e.g. x**2 + 10*y**2",
    "formula.ok": "Formula accepted.",
    "view.label": "View box",
    "view.xmin": "x min",
    "view.xmax": "x max",
    "view.ymin": "y min",
    "view.ymax": "y max",
    "view.reset": "Reset view",
    "start.label": "Start point",
    "start.x": "start x",
    "start.y": "start y",
    "start.hint": "Or click on the contour plot, or drag its start marker.",
    "section.runs": "Runs",
    "run.add": "Add run",
    "run.duplicate": "Duplicate",
    "run.remove": "Remove",
    "run.show": "Show",
    "run.select": "Explain",
    "run.color": "Colour",
    "run.optimizer": "Optimizer",
    "run.inner": "Inner optimizer",
    "picker.search": "Search…",
    "picker.searchLabel": "Search the {name} list",
    "picker.searchHint": "Type a name, family, author or year; Enter picks the first match",
    "picker.matches": "{n} matching",
    "run.schedule": "LR schedule",
    "run.title": "Run {n}",
    "run.diverged": "diverged at step {n}",
    "run.maxRuns": "This server computes at most {n} runs at once.",
    "run.maxBudget": "This server computes at most {budget} steps × runs: lower the steps to {steps} to add a run.",
    "schedule.none": "Constant (no schedule)",
    "param.auto": "auto",
    "param.value": "{name} value",
    "param.slider": "{name} slider",
    "section.training": "Training",
    "steps.label": "Steps",
    "noise.label": "Gradient noise σ",
    "batch.label": "Batch size",
    "batch.full": "full batch",
    "seed.label": "Seed",
    "seed.new": "New seed",
    "play.play": "Play",
    "play.pause": "Pause",
    "play.back": "Step back",
    "play.forward": "Step forward",
    "play.reset": "Back to step 0",
    "play.speed": "Speed",
    "play.stepsPerSecond": "{n} steps/s",
    "play.scrubber": "Step",
    "play.stepOf": "step {t} / {n}",
    "play.keys": "Keys: space plays or pauses, ← → step, Shift+← → ten steps, Home / End.",
    "plot.contour": "Paths on the loss surface",
    "plot.mode2d": "2D",
    "plot.mode3d": "3D",
    "plot.modeLabel": "Surface view",
    "plot.lr": "Learning rate",
    "plot.loss": "Loss",
    "plot.logAxis": "Log axis",
    "plot.state": "Optimizer state",
    "plot.stateHint": "x coordinate solid, y coordinate dashed.",
    "plot.step": "step",
    "plot.noState": "This optimizer keeps no state to show.",
    "legend.grad": "−∇f (direction)",
    "legend.update": "step taken Δθ",
    "legend.start": "start",
    "legend.minimum": "minimum",
    "legend.saddle": "saddle point",
    "teach.title": "How the selected run takes its step",
    "teach.equations": "Update rule",
    "teach.numbers": "Numbers at step {t}",
    "teach.atStart": "Step 0 is the start point: move the cursor forward to see a step.",
    "teach.schedule": "Learning-rate schedule",
    "teach.quantity": "quantity",
    "teach.coordX": "x",
    "teach.coordY": "y",
    "teach.reference": "Reference",
    "teach.notReached": "This run ended at step {n}.",
    "status.computing": "Computing…",
    "status.ready": "Ready.",
    "status.error": "Error",
    "skip": "Skip to the plots",
    "plot.stretch": "Stretch to fill",
    "plot.rightAxis": "right axis",
    "plot.companions": "Companion paths",
    "plot.companionsHint": "Points an optimizer keeps beside its own (an average, a perturbed point): dashed, a hollow mark at the current step",
    "plot.stretchHint": "Off: one unit of x is as long as one unit of y.",
    "plot.noRuns": "No run is shown.",
    "plot.stateLater": "The state appears once the run has taken a step.",
    "run.divergedAt": "diverged at step {n}",
    "run.divergedNotice": "{name} diverged at step {n}",
    "status.undefinedStart": "f is not defined at the start point ({x}, {y}): choose another start point or formula.",
    "param.info": "About {name}",
  },
  zh: {
    "app.title": "优化器轨迹",
    "app.subtitle": "观察优化器与学习率调度在损失曲面上的行走过程。",
    "lang.label": "语言",
    "link.copy": "复制链接",
    "link.copied": "链接已复制到剪贴板。",
    "link.copyFailed": "无法复制；链接就在地址栏中。",
    "export.title": "导出",
    "export.trajectory": "轨迹数据",
    "export.figure": "图表",
    "export.python": "Python",
    "export.download": "下载 .py",
    "export.copy": "复制",
    "export.copied": "Python 脚本已复制到剪贴板。",
    "export.copyFailed": "无法复制；请改用“下载 .py”。",
    "export.saved": "已保存 {name}。",
    "export.wait": "请等运行计算完成后再导出。",
    "export.failed": "导出失败：{msg}",
    "export.mapCsv": "全局图 CSV",
    "export.mapWait": "请先在“全局图”卡片中算完该图，再导出。",
    "export.mapSubtitle": "{metric}；{steps} 步；{nx} × {ny} 格",
    "notice.title": "链接中有些取值无效，已改用默认值：",
    "notice.dismiss": "关闭",
    "notice.serverError": "服务器无法计算这个配置：",
    "section.surface": "曲面",
    "surface.label": "损失曲面",
    "surface.custom": "自定义公式…",
    "formula.label": "公式 f(x, y)",
    "formula.hint": "例如 x**2 + 10*y**2",
    "formula.ok": "公式有效。",
    "view.label": "视窗范围",
    "view.xmin": "x 最小值",
    "view.xmax": "x 最大值",
    "view.ymin": "y 最小值",
    "view.ymax": "y 最大值",
    "view.reset": "重置视窗",
    "start.label": "起点",
    "start.x": "起点 x",
    "start.y": "起点 y",
    "start.hint": "也可以直接在等高线图上点击，或拖动起点标记。",
    "section.runs": "运行",
    "run.add": "添加运行",
    "run.duplicate": "复制",
    "run.remove": "删除",
    "run.show": "显示",
    "run.select": "讲解",
    "run.color": "颜色",
    "run.optimizer": "优化器",
    "run.inner": "内层优化器",
    "picker.search": "搜索…",
    "picker.searchLabel": "搜索{name}列表",
    "picker.searchHint": "输入名称、类别、作者或年份；按回车选择第一个匹配项",
    "picker.matches": "{n} 个匹配",
    "run.schedule": "学习率调度",
    "run.title": "运行 {n}",
    "run.diverged": "在第 {n} 步发散",
    "run.maxRuns": "本服务器一次最多计算 {n} 个运行。",
    "run.maxBudget": "本服务器最多计算 {budget} 步 × 运行数：把步数降到 {steps} 即可再添加运行。",
    "schedule.none": "恒定（无调度）",
    "param.auto": "自动",
    "param.value": "{name} 数值",
    "param.slider": "{name} 滑块",
    "section.training": "训练设置",
    "steps.label": "步数",
    "noise.label": "梯度噪声 σ",
    "batch.label": "批大小",
    "batch.full": "全批量",
    "seed.label": "随机种子",
    "seed.new": "换个种子",
    "play.play": "播放",
    "play.pause": "暂停",
    "play.back": "后退一步",
    "play.forward": "前进一步",
    "play.reset": "回到第 0 步",
    "play.speed": "速度",
    "play.stepsPerSecond": "每秒 {n} 步",
    "play.scrubber": "步数",
    "play.stepOf": "第 {t} / {n} 步",
    "play.keys": "快捷键：空格播放或暂停，← → 单步，Shift+← → 十步，Home / End。",
    "plot.contour": "损失曲面上的路径",
    "plot.mode2d": "二维",
    "plot.mode3d": "三维",
    "plot.modeLabel": "曲面视图",
    "plot.lr": "学习率",
    "plot.loss": "损失",
    "plot.logAxis": "对数坐标",
    "plot.state": "优化器内部状态",
    "plot.stateHint": "x 分量为实线，y 分量为虚线。",
    "plot.step": "步",
    "plot.noState": "这个优化器没有可显示的内部状态。",
    "legend.grad": "−∇f（方向）",
    "legend.update": "实际更新 Δθ",
    "legend.start": "起点",
    "legend.minimum": "极小值",
    "legend.saddle": "鞍点",
    "teach.title": "所选运行如何迈出这一步",
    "teach.equations": "更新规则",
    "teach.numbers": "第 {t} 步的数值",
    "teach.atStart": "第 0 步是起点：把游标向前移动即可查看一步的计算。",
    "teach.schedule": "学习率调度",
    "teach.quantity": "量",
    "teach.coordX": "x",
    "teach.coordY": "y",
    "teach.reference": "参考文献",
    "teach.notReached": "该运行在第 {n} 步结束。",
    "status.computing": "计算中…",
    "status.ready": "就绪。",
    "status.error": "错误",
    "skip": "跳到图表",
    "plot.stretch": "拉伸填满",
    "plot.rightAxis": "右轴",
    "plot.companions": "伴随路径",
    "plot.companionsHint": "优化器在自身迭代点之外保留的点（平均点、扰动点）：虚线，空心标记为当前步",
    "plot.stretchHint": "关闭时，x 与 y 的单位长度相同。",
    "plot.noRuns": "没有显示任何运行。",
    "plot.stateLater": "运行走出第一步后显示内部状态。",
    "run.divergedAt": "在第 {n} 步发散",
    "run.divergedNotice": "{name} 在第 {n} 步发散",
    "status.undefinedStart": "f 在起点 ({x}, {y}) 处没有定义：请换一个起点或公式。",
    "param.info": "关于 {name}",
  },
};

let current = "en";

export function setLang(lang) {
  current = STRINGS[lang] ? lang : "en";
  document.documentElement.lang = current === "zh" ? "zh-Hans" : "en";
}

/** Add strings of a module (`{en: {...}, zh: {...}}`); the module's own keys, one table. */
export function extendStrings(tables) {
  for (const [lang, table] of Object.entries(tables)) {
    STRINGS[lang] = { ...(STRINGS[lang] || {}), ...table };
  }
}

export function getLang() {
  return current;
}

/** The string for `key` in the current language with {name} placeholders filled. */
export function t(key, vars = {}) {
  const table = STRINGS[current] || STRINGS.en;
  const text = table[key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** Catalog text in the current language when the catalog offers it. */
export function tc(item, field) {
  if (!item) return "";
  if (current !== "en") {
    const direct = item[`${field}_${current}`];
    if (typeof direct === "string") return direct;
    const nested = item.i18n && item.i18n[current] && item.i18n[current][field];
    if (typeof nested === "string") return nested;
  }
  const v = item[field];
  return typeof v === "string" ? v : "";
}

/** Fill every element carrying data-i18n (text), data-i18n-label (aria-label) or -title. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  document.title = t("app.title");
}
