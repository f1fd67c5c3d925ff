"""REINFORCE (Williams, 1992): a policy gradient on a corridor written right here.

The agent starts in the middle of a corridor of 9 cells and moves left or right; it
is rewarded 1 for reaching the right end and 0 for the left end, and each step costs
0.01. The policy is a small network from the one-hot position to action logits; the
gradient of the expected return is estimated as Σ ∇log π(a|s) · G, with G the
discounted return from that step (minus its mean, a baseline that lowers variance).

Run:  python examples/pytorch_style/reinforce.py [--episodes 300]
"""

import argparse

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.optim as optim
from chainrule.distributions import Categorical

CELLS, START, MAX_STEPS = 9, 4, 40


class Corridor:
    def reset(self):
        self.position, self.steps = START, 0
        return self.position

    def step(self, action):
        self.position += 1 if action == 1 else -1
        self.steps += 1
        if self.position == CELLS - 1:
            return self.position, 1.0, True
        if self.position == 0 or self.steps >= MAX_STEPS:
            return self.position, 0.0, True
        return self.position, -0.01, False


def one_hot(position):
    state = torch.zeros(CELLS)
    state[position] = 1.0
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--gamma", type=float, default=0.99)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    policy = nn.Sequential(nn.Linear(CELLS, 32), nn.Tanh(), nn.Linear(32, 2))
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    env, recent = Corridor(), []
    for episode in range(1, args.episodes + 1):
        position, done, log_probs, rewards = env.reset(), False, [], []
        while not done:
            distribution = Categorical(logits=policy(one_hot(position)))
            action = distribution.sample()
            log_probs.append(distribution.log_prob(action))
            position, reward, done = env.step(action.item())
            rewards.append(reward)
        returns, running = [], 0.0
        for reward in reversed(rewards):
            running = reward + args.gamma * running
            returns.insert(0, running)
        returns = torch.tensor(returns)
        if len(returns) > 1:
            returns = returns - returns.mean()
        loss = -(torch.stack(log_probs) * returns).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        recent = (recent + [sum(rewards)])[-50:]
        if episode % 50 == 0:
            print(f"episode {episode}: mean return of the last 50 episodes "
                  f"{np.mean(recent):.3f}", flush=True)
    return float(np.mean(recent))


if __name__ == "__main__":
    main()
