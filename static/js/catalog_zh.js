// Simplified Chinese for the catalog's explanations, used when the catalog itself carries no
// Chinese text (i18n.tc prefers the catalog's own `description_zh` / `i18n.zh`). Keyed by the
// catalog's names; an entry missing here falls back to the catalog's English. This is a
// translation table only: the controls are still built from the catalog alone.

export const CATALOG_ZH = {
  optimizers: {
    sgd: {
      description: "随机梯度下降沿梯度的反方向迈步，步长由学习率缩放。加上动量后，它维护过去梯度的累积（缓冲区 b）：梯度方向一致时加速，来回变号时抑制振荡；Nesterov 变体则用梯度加上沿缓冲区的“前瞻”来迈步。用完整梯度时就是普通梯度下降；SGD 与小批量 SGD 使用带噪声或小批量的梯度。",
    },
    adagrad: {
      description: "Adagrad 把每个分量的步长除以该分量过去所有梯度平方和的平方根。梯度大的分量变慢，稀少的分量保持大步长；但累积和只增不减，所以有效步长会一直缩小。",
    },
    rmsprop: {
      description: "RMSprop 把每个分量的梯度除以其梯度平方滑动平均的平方根，使陡峭和平缓的方向迈出大小相近的步子。与 Adagrad 不同，这个平均会遗忘（速率 alpha），所以步长不会一直缩小。centered 会减去平均梯度的平方（方差估计）；momentum 为归一化后的步子再加一个缓冲区。",
    },
    adadelta: {
      description: "Adadelta 原则上不需要学习率：它用最近更新量的均方根与最近梯度的均方根之比来缩放每个梯度，使步子具有参数本身的量纲。开始时非常慢（更新量的平均从零开始），随着更新累积而加快。",
    },
    adam: {
      description: "Adam 把动量（梯度的滑动平均 m）与 RMSprop 的逐分量缩放（梯度平方的滑动平均 v）结合起来。两者都从零开始，早期的平均值偏向零；除以 1 − β^t 可以纠正这种偏差。于是无论梯度尺度如何，每个分量大约沿 m̂ / √v̂ 的方向移动 lr 的距离。AMSGrad 除以迄今最大的 v，所以步长不会再变大。",
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
      description: "Adamax 用梯度绝对值的衰减最大值（无穷范数）代替 Adam 的梯度均方根，不需要偏差修正，对偶尔出现的大梯度也很稳健。",
    },
    adabound: {
      description: "AdaBound 开始时像 Adam，结束时像 SGD：每个分量的步长 lr/√v 被裁剪到区间 [lower_t, upper_t] 内，该区间从 [0, ∞) 开始，以 gamma 决定的速度向 final_lr 收拢。（按 Luolc/AdaBound 的定义，其偏差修正和 eps 的位置与 torch 的 Adam 略有不同。）",
    },
    lion: {
      description: "Lion（通过程序搜索发现的符号动量方法）每步让每个分量恰好移动 lr，方向是动量与梯度混合后的符号。它的动量使用比混合系数 β1 更慢的速率 β2。由于每步大小相同，它需要比 Adam 更小的学习率（通常小 3–10 倍），而且除非学习率衰减，在极小值附近不会减速。",
    },
    lbfgs: {
      description: "L-BFGS 是拟牛顿法：它根据最近几步的位移和梯度变化构造逆曲率（Hessian 的逆）的近似，沿 −H g 迈步；在二次函数上几乎直奔极小值。使用强 Wolfe 线搜索时，它还会选择步长 t，使损失下降足够多且斜率变平。可视化中的一步对应 torch 中 max_iter = 1 的一次 LBFGS.step，线搜索额外的函数求值都在这一步之内。",
    },
    lookahead: {
      description: "Lookahead 可以包裹任何优化器。内层优化器用“快”权重向前探索 k 步；然后“慢”权重朝快权重到达的位置移动 alpha 的比例，快权重再从慢权重重新出发。这能抑制内层优化器的振荡，并降低它对学习率的敏感性。",
    },
  },
  schedules: {
    LambdaLR: {
      label: "Lambda（公式）",
      description: "学习率等于基础学习率乘以你输入的关于 k（调度器已走的步数）的公式。试试 0.95**k 得到指数衰减，或 min(1, (k+1)/10) 得到线性预热；任何能写成 k 的函数的式子都可以成为调度。",
    },
    StepLR: {
      label: "阶梯衰减",
      description: "每隔 step_size 步，学习率乘以 gamma，形成阶梯。早期的大步子进展快；每次下降都让优化器在已找到的山谷里沉得更深。",
    },
    MultiStepLR: {
      label: "多阶梯衰减",
      description: "在你列出的每个里程碑步，学习率乘以 gamma，就像台阶位置由你亲手放置的阶梯（经典做法是在训练的 50% 和 75% 处下降）。",
    },
    ConstantLR: {
      label: "先乘常数，再恢复",
      description: "前 total_iters 步学习率保持为基础学习率乘以 factor，之后跳回基础学习率：一种简单的预热。",
    },
    LinearLR: {
      label: "线性变化",
      description: "基础学习率的乘数在 total_iters 步内从 start_factor 线性变到 end_factor，然后保持不变。start_factor 较小时就是标准的线性预热。",
    },
    ExponentialLR: {
      label: "指数衰减",
      description: "每一步学习率都乘以 gamma，按几何级数衰减：gamma = 0.99 时大约每 69 步减半。",
    },
    PolynomialLR: {
      label: "多项式衰减",
      description: "学习率在 total_iters 步内按剩余比例的幂降到零：power 为 1 是直线，更大的幂先快速下降再缓慢爬行，更小的幂先保持较高再骤降。",
    },
    CosineAnnealingLR: {
      label: "余弦退火",
      description: "学习率在 T_max 步内沿半个余弦波从基础学习率降到 eta_min：先保持较高，中间下降最快，最后平缓落地。超过 T_max 后它会再次上升（torch 不做截断）。T_max 留空表示整个运行的长度（在 SequentialLR 中为所在阶段的长度）。",
    },
    CosineAnnealingWarmRestarts: {
      label: "带热重启的余弦退火（SGDR）",
      description: "余弦退火在 T_0 步后跳回基础学习率，每个新周期比上一个长 T_mult 倍。重启能把优化器踢出尖锐的山谷；T_mult = 2 时各周期长度为 T_0、2T_0、4T_0……",
    },
    ReduceLROnPlateau: {
      label: "平台期降低",
      description: "每步之后观察损失，若超过 patience 步没有改善（幅度超过 threshold），就把学习率乘以 factor，然后等待 cooldown 步再继续观察。这是唯一会对运行情况作出反应的调度。",
    },
    CyclicLR: {
      label: "循环学习率",
      description: "学习率在 step_size_up 步内从 base_lr 升到 max_lr，再在 step_size_down 步内降回来，周而复始；triangular2 每个周期把幅度减半，exp_range 每步把幅度乘以 gamma。动量（或 Adam 的 β1）朝相反方向摆动。base_lr 留空表示使用运行的学习率；max_lr 留空表示 10 × base_lr。",
    },
    OneCycleLR: {
      label: "单周期（1cycle 策略）",
      description: "整个运行只有一个大周期：在前 pct_start 比例的步数里从 max_lr/div_factor 预热到 max_lr，然后退火到远低于起点的位置（由 final_div_factor 决定），动量则反向变化。三阶段模式会先回到起点再最终下降。max_lr 留空表示运行的学习率；total_steps 留空表示运行的步数。",
    },
    SequentialLR: {
      label: "顺序组合（先预热再……）",
      description: "依次运行多个调度：到达每个里程碑时，下一个调度从它自己的第 0 步开始。经典用法是先线性预热，再余弦退火。",
    },
    ChainedScheduler: {
      label: "链式组合（调度相乘）",
      description: "让多个调度同时作用于同一个学习率，效果相乘：例如在指数衰减之上再叠加一个常数预热因子。",
    },
  },
};
