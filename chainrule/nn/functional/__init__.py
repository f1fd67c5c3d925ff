"""chainrule.nn.functional: the math of layers and losses as functions (PyTorch's names).

Modules in chainrule.nn hold parameters and state and call these.
"""

from ...ops import linear
from .activation import (
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    rrelu,
    selu,
    sigmoid,
    softmax,
    softmin,
    softplus,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .attention import causal_mask, multi_head_attention, scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose2d
from .ctc import ctc_loss
from .distance import (
    bilinear,
    cosine_similarity,
    normalize,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
)
from .dropout import dropout, dropout2d
from .embedding import embedding
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .margin_loss import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    triplet_margin_loss,
)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .padding import pad
from .pooling import (
    adaptive_avg_pool2d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)
