"""`chainrule.keras.layers`: Keras's layers by their Keras names."""

from .conv_layers import (
    GRU,
    LSTM,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Embedding,
    GlobalAveragePooling2D,
    LayerNormalization,
    MaxPooling2D,
    Reshape,
    SimpleRNN,
)
from .core_layers import Activation, Dense, Dropout, Flatten
from .layer import Layer

__all__ = ["GRU", "LSTM", "Activation", "Add", "AveragePooling2D", "BatchNormalization",
           "Concatenate", "Conv1D", "Conv2D", "Dense", "Dropout", "Embedding", "Flatten",
           "GlobalAveragePooling2D", "Layer", "LayerNormalization", "MaxPooling2D", "Reshape",
           "SimpleRNN"]
