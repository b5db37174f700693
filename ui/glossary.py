"""The words of this app in English and in Chinese, as the five seed tutorials write them.

The glossary is bilingual data, not text to translate: each entry holds the
English term, the Chinese term the seeds use (前向传播, 反向传播, 学习率, 指数衰减,
正则化, 归一化, 标准化, 交叉熵, 梯度检验…) and a one-line meaning in each language,
so a learner reading a seed in Chinese and this app in English (or the other
way round) can match the two. Formulas stay as the seeds write them.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.charts import show_table
from ui.i18n import _, language


@dataclass(frozen=True)
class Term:
    """One glossary entry: the term and its meaning in each language."""

    english: str
    chinese: str
    meaning_en: str
    meaning_zh: str

    def meaning(self, lang: str) -> str:
        """The meaning in ``lang`` ('zh' for Chinese, English otherwise)."""
        return self.meaning_zh if lang == "zh" else self.meaning_en


TERMS: tuple[Term, ...] = (
    Term("forward propagation (forward pass)", "前向传播",
         "Computing z = XW + b and a = f(z) layer by layer, from the pixels to the output.",
         "从像素到输出，逐层计算 z = XW + b 和 a = f(z)。"),
    Term("backpropagation (backward pass)", "反向传播",
         "Applying the chain rule from the loss back to every weight to get the gradients.",
         "从损失出发，用链式法则逐层求出每个权重的梯度。"),
    Term("chain rule", "链式法则",
         "The derivative of a composition is the product of the derivatives of its parts.",
         "复合函数的导数等于各部分导数的乘积。"),
    Term("gradient", "梯度",
         "How much the loss changes when one parameter changes a little: dL/dW.",
         "参数发生微小变化时损失的变化率：dL/dW。"),
    Term("gradient descent", "梯度下降",
         "Updating each parameter against its gradient: W := W − η·dW.",
         "沿梯度的反方向更新参数：W := W − η·dW。"),
    Term("stochastic gradient descent (SGD)", "随机梯度下降",
         "Gradient descent on one image (or a small batch) at a time instead of the whole training set.",
         "每次只用一张图片（或一小批）而不是整个训练集来做梯度下降。"),
    Term("mini-batch", "小批量 (mini-batch)",
         "A small random group of training images used for one update step.",
         "一次参数更新所用的一小组随机训练图片。"),
    Term("batch size", "批大小 (batch size)",
         "How many images one update step averages over.",
         "一次更新所平均的图片数量。"),
    Term("full-batch gradient descent", "全批量梯度下降",
         "Every update uses all training images: one precise step per epoch.",
         "每次更新都使用全部训练图片：每轮只走一步，但方向准确。"),
    Term("epoch", "轮 (epoch)",
         "One pass over the whole training set.",
         "把整个训练集完整地过一遍。"),
    Term("iteration (step)", "迭代",
         "One update of the parameters.",
         "参数的一次更新。"),
    Term("learning rate", "学习率",
         "η, the size of each update step.",
         "η，每次更新步子的大小。"),
    Term("learning-rate schedule", "学习率下降策略",
         "A rule that changes the learning rate during training.",
         "在训练过程中改变学习率的规则。"),
    Term("exponential decay", "指数衰减",
         "η_t = η·β^⌊t/k⌋: the learning rate shrinks by the factor β every k steps.",
         "η_t = η·β^⌊t/k⌋：每 k 步学习率乘以衰减系数 β。"),
    Term("momentum", "动量",
         "Each update keeps part of the previous one, which smooths the path.",
         "每次更新保留上一次更新的一部分，使下降路径更平滑。"),
    Term("loss function", "损失函数",
         "The number training makes small: how wrong the network is on a batch.",
         "训练要减小的量：网络在一批数据上错得有多厉害。"),
    Term("cross-entropy", "交叉熵",
         "L = −Σ y·log(a): the loss for probabilities, small when the true digit gets a high probability.",
         "L = −Σ y·log(a)：用于概率输出的损失，正确数字的概率越高，损失越小。"),
    Term("mean squared error (MSE)", "均方误差",
         "The mean of (a − y)² over the outputs.",
         "输出与标签之差的平方 (a − y)² 的平均值。"),
    Term("regularisation (L2)", "正则化 (L2)",
         "Adding λ·ΣW² to the loss, which pulls the weights towards zero and fights overfitting.",
         "在损失中加入 λ·ΣW²，把权重拉向零，防止过拟合。"),
    Term("overfitting", "过拟合",
         "Doing much better on the training images than on new ones.",
         "在训练图片上的表现远好于新图片。"),
    Term("normalisation", "归一化",
         "Scaling the pixels from 0…255 into [0, 1].",
         "把像素值从 0…255 缩放到 [0, 1] 区间。"),
    Term("standardisation", "标准化",
         "Shifting and scaling the pixels to mean 0 and variance 1.",
         "把像素变换为均值为 0、方差为 1。"),
    Term("gradient check", "梯度检验",
         "Comparing backpropagation's gradients with numerical ones; they must agree to about 1e-7.",
         "把反向传播的梯度与数值梯度相比较，二者应相差约 1e-7 以内。"),
    Term("numerical gradient", "数值梯度",
         "(L(w + h) − L(w − h)) / 2h: slow, but needs no calculus.",
         "(L(w + h) − L(w − h)) / 2h：计算慢，但不需要求导公式。"),
    Term("activation function", "激活函数",
         "The non-linear function f in a = f(z): ReLU, sigmoid, tanh…",
         "a = f(z) 中的非线性函数 f：ReLU、sigmoid、tanh……"),
    Term("softmax", "softmax",
         "Turns the ten output scores into probabilities that sum to 1.",
         "把十个输出分数变成和为 1 的概率。"),
    Term("weight", "权重",
         "An entry of W: how strongly one unit's input drives the next unit.",
         "W 中的一个元素：一个单元的输入对下一个单元的影响有多大。"),
    Term("bias", "偏置",
         "b in z = XW + b: a unit's own offset.",
         "z = XW + b 中的 b：每个单元自己的偏移量。"),
    Term("weight initialisation", "权重初始化",
         "The random starting weights; all zeros would make every hidden unit identical.",
         "训练开始时的随机权重；全部为零会让所有隐藏单元完全相同。"),
    Term("input layer / hidden layer / output layer", "输入层 / 隐藏层 / 输出层",
         "The 784 pixels, the layers in between, and the 10 digit scores.",
         "784 个像素、中间各层，以及 10 个数字的分数。"),
    Term("unit (neuron)", "神经元",
         "One number of a layer: a weighted sum of the layer below, then the activation.",
         "层中的一个数：对下一层的加权求和，再经过激活函数。"),
    Term("parameters / hyperparameters", "参数 / 超参数",
         "What training learns (W, b) / what you choose before training (learning rate, sizes…).",
         "训练学到的量（W、b）/ 训练前由你选定的量（学习率、层宽……）。"),
    Term("one-hot label", "one-hot 标签",
         "The digit 3 as the vector (0,0,0,1,0,0,0,0,0,0).",
         "数字 3 表示为向量 (0,0,0,1,0,0,0,0,0,0)。"),
    Term("training / validation / test set", "训练集 / 验证集 / 测试集",
         "Images to learn from / to watch during training / to measure at the end.",
         "用来学习的图片 / 训练中用来观察的图片 / 最后用来评估的图片。"),
    Term("accuracy", "准确率",
         "The share of images whose predicted digit is right.",
         "预测数字正确的图片所占的比例。"),
    Term("confusion matrix", "混淆矩阵",
         "Counts of (true digit, predicted digit) pairs; the diagonal holds the right answers.",
         "(真实数字, 预测数字) 组合的计数；对角线上是预测正确的。"),
    Term("precision / recall", "精确率 / 召回率",
         "Of the images called 7, the share that are 7s / of the real 7s, the share found.",
         "被判为 7 的图片中真正是 7 的比例 / 真正的 7 中被找出来的比例。"),
    Term("flatten", "展平",
         "Turning a 28×28 image into one row of 784 numbers.",
         "把 28×28 的图片变成一行 784 个数。"),
    Term("centre of mass", "质心",
         "The ink-weighted average position; MNIST puts it at the middle of the image.",
         "按墨迹深浅加权的平均位置；MNIST 把它放在图片正中。"),
)


def matches(term: Term, query: str) -> bool:
    """True when ``query`` (case-insensitive) occurs in the term or its meaning, in either language."""
    needle = query.strip().lower()
    return not needle or any(needle in text.lower()
                             for text in (term.english, term.chinese, term.meaning_en, term.meaning_zh))


def show_glossary(*, key: str = "glossary") -> None:
    """A filter box and the glossary as a table: English, 中文, and the meaning in the visitor's language."""
    query = st.text_input(_("Find a term (English or 中文)"), key=f"{key}.filter", max_chars=40)
    shown = [term for term in TERMS if matches(term, query)]
    if not shown:
        st.info(_("No term matches that."))
        return
    lang = language()
    show_table({"English": [t.english for t in shown], "中文": [t.chinese for t in shown],
                _("Meaning"): [t.meaning(lang) for t in shown]}, key=f"{key}.table")
