// Simplified Chinese for the catalog's explanations, used when the catalog itself carries no
// Chinese text (i18n.tc prefers the catalog's own `description_zh` / `i18n.zh`). Keyed by the
// catalog's names; an entry missing here falls back to the catalog's English. This is a
// translation table only: the controls are still built from the catalog alone.
//
// The schedules carry their Chinese in the catalog itself (i18n.zh, from the engine's specs).
//
// A parameter's help is looked up in its optimizer's / surface's own `params`
// first, then in the shared `params` by name (only for names whose English help is the same
// everywhere); state quantities likewise (`state` of the optimizer, then the shared `state`).
// Presets are under their optimizer's `presets`, the run settings under `settings`.
// tests/e2e/test_i18n_catalog.py checks that every name in the catalog has an entry here.

export const CATALOG_ZH = {
  optimizers: {
    sgd: {
      description: "随机梯度下降沿梯度的反方向迈步，步长由学习率缩放。加上动量后，它维护过去梯度的累积（缓冲区 b）：梯度方向一致时加速，来回变号时抑制振荡；Nesterov 变体则用梯度加上沿缓冲区的“前瞻”来迈步。用完整梯度时就是普通梯度下降；SGD 与小批量 SGD 使用带噪声或小批量的梯度。",
      state: { momentum_buffer: "动量缓冲区：梯度的累积和" },
      presets: {
        gd: { label: "梯度下降", help: "普通梯度下降：沿梯度的反方向迈步" },
        momentum: { label: "动量法", help: "重球动量，mu = 0.9" },
        nesterov: { label: "Nesterov 动量", help: "Nesterov 加速梯度，mu = 0.9" },
      },
    },
    adagrad: {
      description: "Adagrad 把每个分量的步长除以该分量过去所有梯度平方和的平方根。梯度大的分量变慢，稀少的分量保持大步长；但累积和只增不减，所以有效步长会一直缩小。",
      factors: { clr: "衰减后的学习率 lr / (1 + (t-1) lr_decay)" },
    },
    rmsprop: {
      description: "RMSprop 把每个分量的梯度除以其梯度平方滑动平均的平方根，使陡峭和平缓的方向迈出大小相近的步子。与 Adagrad 不同，这个平均会遗忘（速率 alpha），所以步长不会一直缩小。centered 会减去平均梯度的平方（方差估计）；momentum 为归一化后的步子再加一个缓冲区。",
      params: { alpha: "梯度平方平均的平滑常数" },
      state: { momentum_buffer: "归一化后步子的动量缓冲区" },
    },
    adadelta: {
      description: "Adadelta 原则上不需要学习率：它用最近更新量的均方根与最近梯度的均方根之比来缩放每个梯度，使步子具有参数本身的量纲。开始时非常慢（更新量的平均从零开始），随着更新累积而加快。",
      params: { lr: "更新量 delta 被应用之前乘上的系数" },
      state: { rms_ratio: "过去更新量的均方根与梯度均方根之比，即乘在 g_t 上的系数（为页面保留，不属于 torch 的状态）" },
    },
    adam: {
      description: "Adam 把动量（梯度的滑动平均 m）与 RMSprop 的逐分量缩放（梯度平方的滑动平均 v）结合起来。两者都从零开始，早期的平均值偏向零；除以 1 − β^t 可以纠正这种偏差。于是无论梯度尺度如何，每个分量大约沿 m̂ / √v̂ 的方向移动 lr 的距离。AMSGrad 除以迄今最大的 v，所以步长不会再变大。",
      presets: {
        adam: { label: "Adam", help: "使用 torch 默认参数的 Adam" },
        amsgrad: { label: "AMSGrad", help: "除以迄今见过的最大二阶矩的 Adam" },
      },
    },
    adamw: {
      description: "AdamW 是采用解耦权重衰减的 Adam：它不把 wd·θ 加到梯度上（那样会被 Adam 的缩放削弱），而是每步把参数乘以 1 − lr·wd，使衰减对每个分量同等作用。",
    },
    nadam: {
      description: "NAdam 把 Nesterov 动量放进 Adam：每一步混合当前梯度与即将得到的动量，权重由逐渐升温的动量调度 μ_t 决定（momentum_decay 控制快慢）。遇到转弯时它比 Adam 早一步作出反应。",
    },
    radam: {
      description: "RAdam（修正的 Adam）注意到最初几步中二阶矩估计 v 依据的梯度太少、不可信。在其方差可以处理之前（ρ_t > 5；β2 = 0.999 时从第 6 步开始），它只走普通的动量步；之后才使用 Adam 的自适应步长，并乘以逐渐升向 1 的修正因子 r_t。",
    },
    adamax: {
      description: "Adamax 用梯度绝对值的衰减最大值（无穷范数）代替 Adam 的梯度均方根，不需要偏差校正，对偶尔出现的大梯度也很稳健。",
      factors: { clr: "步长：学习率除以一阶矩的偏差校正" },
    },
    adabound: {
      description: "AdaBound 开始时像 Adam，结束时像 SGD：每个分量的步长 lr/√v 被裁剪到区间 [lower_t, upper_t] 内，该区间从 [0, ∞) 开始，以 gamma 决定的速度向 final_lr 收拢。（按 Luolc/AdaBound 的定义，其偏差校正和 eps 的位置与 torch 的 Adam 略有不同。）",
      params: { gamma: "上下界收拢的速度" },
      factors: { step_size: "除以 √v 并裁剪之前的步长" },
      presets: {
        adabound: { label: "AdaBound", help: "" },
        amsbound: { label: "AMSBound", help: "" },
      },
    },
    lion: {
      description: "Lion（通过程序搜索发现的符号动量方法）每步让每个分量恰好移动 lr，方向是动量与梯度混合后的符号。它的动量使用比混合系数 β1 更慢的速率 β2。由于每步大小相同，它需要比 Adam 更小的学习率（通常小 3–10 倍），而且除非学习率衰减，在极小值附近不会减速。",
    },
    lbfgs: {
      description: "L-BFGS 是拟牛顿法：它根据最近几步的位移和梯度变化构造逆曲率（Hessian 的逆）的近似，沿 −H g 迈步；在二次函数上几乎直奔极小值。使用强 Wolfe 线搜索时，它还会选择步长 t，使损失下降足够多且斜率变平。可视化中的一步对应 torch 中 max_iter = 1 的一次 LBFGS.step，线搜索额外的函数求值都在这一步之内。",
    },
    lookahead: {
      description: "Lookahead 可以包裹任何优化器。内层优化器用“快”权重向前探索 k 步；然后“慢”权重朝快权重到达的位置移动 alpha 的比例，快权重再从慢权重重新出发。这能抑制内层优化器的振荡，并降低它对学习率的敏感性。",
      params: { alpha: "慢权重朝快权重移动的比例" },
    },
  },
  surfaces: {
    quadratic: {
      label: "二次碗",
      description: "最简单的情形：每个方向的弯曲程度相同，所以梯度下降径直走向极小值。lr = 1 时一步到达；lr 大于 2 时发散。",
    },
    ill_conditioned: {
      label: "病态碗",
      description: "一个横向比纵向陡 kappa 倍的碗：普通梯度下降会之字形振荡、缓慢爬行，动量能帮上忙。把它旋转（angle）后，像 Adam 这样逐坐标缩放的方法就失去了优势，因为山谷不再与坐标轴对齐。",
      params: {
        condition_number: "最大曲率与最小曲率之比",
        angle: "山谷相对坐标轴的旋转角度（单位：度）",
      },
    },
    rosenbrock: {
      label: "Rosenbrock 函数",
      description: "一条弯曲、狭窄、谷底几乎平坦的山谷：到达谷底很容易，但没有动量或自适应步长时，沿着它走到 (1, 1) 处的极小值会很慢。",
    },
    beale: {
      label: "Beale 函数",
      description: "平坦的高原紧挨着非常陡峭的壁：梯度的尺度相差好几个数量级，这正是自适应步长大显身手的地方。",
    },
    himmelblau: {
      label: "Himmelblau 函数",
      description: "四个同样好的极小值：优化器最终到达哪一个，取决于它的起点和动量。",
    },
    booth: {
      label: "Booth 函数",
      description: "一个倾斜 45 度、条件数为 9 的二次碗：初步体会在与坐标轴不对齐的山谷中之字形前进。",
    },
    matyas: {
      label: "Matyas 函数",
      description: "一条又长又非常平坦的对角山谷（条件数 25）：普通梯度下降沿谷底前进得很慢。",
    },
    three_hump_camel: {
      label: "三峰骆驼函数",
      description: "一个全局极小值，两侧各有一个较浅的局部极小值：从侧面出发会被困住，除非动量带着它越过山脊。",
    },
    six_hump_camel: {
      label: "六峰骆驼函数",
      description: "两个对称的全局极小值和四个局部极小值：一个用来探索吸引域的小地形。",
    },
    goldstein_price: {
      label: "Goldstein-Price 函数",
      description: "函数值横跨六个数量级，并有多个局部极小值：原始的梯度步要么极小、要么爆炸，所以步长控制至关重要。",
    },
    rastrigin: {
      label: "Rastrigin 函数",
      description: "一个布满规则网格状局部极小值的碗：小步子会卡在最近的凹坑里，大步子或动量则可以跳过它们。",
    },
    ackley: {
      label: "Ackley 函数",
      description: "一个尖锐的漏斗，周围是几乎平坦、坑坑洼洼的高原：远离中心时，梯度几乎无法指明极小值在哪里。",
    },
    styblinski_tang: {
      label: "Styblinski-Tang 函数",
      description: "四个深浅不同的盆地：最深的位于 (-2.90, -2.90)，而梯度下降只会落入它出发时所在的那个盆地。",
    },
    levi_n13: {
      label: "Levi N.13 函数",
      description: "以 (1, 1) 为中心的碗上叠加了波纹：沿途许多小的局部极小值考验优化器能否持续前进。",
    },
    saddle: {
      label: "鞍面",
      description: "一个鞍点，而不是极小值：从几乎位于山脊上的点出发，梯度下降在中心附近慢得像在爬，然后才沿 y 方向滑走。",
    },
    monkey_saddle: {
      label: "猴鞍面",
      description: "一个有三个下坡方向的平坦鞍点：在中心处梯度以二阶速度趋于零，所以逃离需要更长的时间。",
    },
    gaussian_wells: {
      label: "高斯势阱",
      description: "一个又浅又窄的阱紧挨着一个更深更宽的阱：梯度下降停在它先到达的那个里，动量则可以越过势垒滚进更好的那个。",
    },
    linear_regression: {
      label: "线性回归（MSE）",
      description: "用直线 y = w x + b 拟合带噪声的数据：横轴是斜率 w，纵轴是截距 b。小批量使梯度带有噪声。",
    },
    logistic_regression: {
      label: "逻辑回归（交叉熵）",
      description: "用 sigmoid(w x + b) 对一维的点进行分类：横轴是权重 w，纵轴是偏置 b。损失是凸的，但在远离极小值处变得平坦。",
    },
  },
  // Parameter help by name, for names whose English help is the same in every entry using them
  // (an entry's own `params` wins).
  params: {
    // optimizers
    lr: "学习率",
    momentum: "动量因子",
    dampening: "动量的阻尼系数（新梯度以 1 - tau 的比例计入缓冲区）",
    nesterov: "使用 Nesterov 动量",
    weight_decay: "权重衰减",
    maximize: "沿曲面向上爬，而不是向下走",
    lr_decay: "学习率衰减：lr / (1 + (t-1) * lr_decay)",
    initial_accumulator_value: "梯度平方和的初始值",
    eps: "加到分母上以保证数值稳定",
    centered: "用梯度方差的估计值来归一化",
    rho: "两个滑动平均的衰减率",
    beta1: "一阶矩（动量）的衰减率",
    beta2: "二阶矩的衰减率",
    amsgrad: "使用历史二阶矩的最大值",
    amsbound: "使用历史二阶矩的最大值",
    decoupled_weight_decay: "直接对参数施加权重衰减（即 AdamW 的做法）",
    momentum_decay: "动量调度的衰减",
    final_lr: "上下界最终收拢到的 SGD 学习率",
    history_size: "保留的（位移, 梯度变化）对的数量",
    line_search_fn: "线搜索：none（固定步长 lr）或 strong_wolfe",
    tolerance_grad: "当 max |g| 不超过此值时停止迈步",
    tolerance_change: "当方向斜率大于 −tolerance_change 时不迈步",
    max_eval: "每步的函数求值次数，包括线搜索在内（torch 的默认值 max_iter*5/4 在这里等于 1，线搜索将没有可用的求值次数）",
    k: "两次同步之间的内层步数",
    // surfaces
    n_samples: "生成的数据点个数",
    data_seed: "生成数据集所用随机数生成器的种子",
  },
  // Help of the optimizers' state quantities by name (an optimizer's own `state` wins).
  state: {
    sum: "梯度平方之和",
    square_avg: "梯度平方的滑动平均",
    grad_avg: "梯度的滑动平均（仅 centered）",
    acc_delta: "更新量平方的滑动平均",
    exp_avg: "一阶矩：梯度的滑动平均",
    exp_avg_sq: "二阶矩：梯度平方的滑动平均",
    max_exp_avg_sq: "迄今最大的二阶矩（AMSGrad）",
    m_hat: "偏差校正后的一阶矩 m / (1 - beta1^t)",
    v_hat: "偏差校正后的二阶矩 v / (1 - beta2^t)",
    mu_product: "动量系数 mu_t 的乘积",
    rect: "修正因子 r_t（尚未修正时为 0）",
    exp_inf: "指数加权的无穷范数",
    lower_bound: "步长的下界",
    upper_bound: "步长的上界",
    d: "搜索方向 -H g",
    t: "沿 d 方向的步长",
    H_diag: "初始逆 Hessian 的尺度 y's / y'y",
    history: "内存中保存的曲率对个数",
    func_evals: "迄今的函数求值次数",
    slow_param: "慢权重（以及内层优化器的状态）",
    step_scale: "步长尺度：每个分量的更新沿其方向所乘的正系数",
  },
  // Help of the step's scalar factors by name (an optimizer's own `factors` wins).
  factors: {
    bias_correction1: "一阶矩的偏差校正",
    bias_correction2: "二阶矩的偏差校正",
    step_size: "步长：学习率除以一阶矩的偏差校正",
    mu: "本步的动量系数",
    mu_next: "下一步的动量系数",
    rho_t: "近似简单移动平均的长度",
  },
  // Help of the run settings.
  settings: {
    steps: "优化器的步数",
    noise: "加到每个梯度分量上的高斯噪声的标准差",
    seed: "梯度噪声和小批量的随机种子",
    batch_size: "数据曲面上的小批量大小（null：使用整个数据集）",
  },
};
