"""A convolutional classifier for Fashion-MNIST, written as ordinary PyTorch code.

Run:  python examples/pytorch_style/mnist_cnn.py [--epochs 2] [--limit 60000]
"""

import argparse
import gzip
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
import chainrule.optim as optim
from chainrule.optim.lr_scheduler import StepLR
from chainrule.utils.data import DataLoader, TensorDataset

DATA = Path("/usr/share/datasets/fashion-mnist")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format): magic, sizes, then the values as unsigned bytes."""
    raw = gzip.decompress(path.read_bytes())
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split: str, limit: int):
    images = read_idx(DATA / f"{split}-images-idx3-ubyte.gz")[:limit]
    labels = read_idx(DATA / f"{split}-labels-idx1-ubyte.gz")[:limit]
    x = torch.from_numpy(((images / 255.0 - 0.2860) / 0.3530).astype(np.float32)[:, None])
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, device, loader, optimizer, epoch):
    model.train()
    for batch, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if batch % 100 == 0:
            print(f"epoch {epoch} batch {batch}: loss {loss.item():.4f}", flush=True)


def test(model, device, loader):
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            total_loss += F.nll_loss(output, target, reduction="sum").item()
            prediction = output.argmax(dim=1, keepdim=True)
            correct += prediction.eq(target.view_as(prediction)).sum().item()
    size = len(loader.dataset)
    print(f"test: average loss {total_loss / size:.4f}, accuracy {correct}/{size} "
          f"({correct / size:.4f})")
    return correct / size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    torch.manual_seed(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader = DataLoader(load("train", args.limit), batch_size=args.batch_size,
                              shuffle=True)
    test_loader = DataLoader(load("t10k", max(args.limit // 6, 100)), batch_size=1000)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        train(model, device, train_loader, optimizer, epoch)
        accuracy = test(model, device, test_loader)
        scheduler.step()
    return accuracy


if __name__ == "__main__":
    main()
