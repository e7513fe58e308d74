"""The solver handed out with the assignment: trains a model whose loss(X, y) returns (loss, grads)."""
import numpy as np

from . import optim


class Solver:
    def __init__(self, model, data, update_rule="sgd", learning_rate=1e-2, batch_size=100, num_iterations=100,
                 print_every=10, verbose=True, seed=0):
        self.model, self.X, self.y = model, data["X_train"], data["y_train"]
        self.update_rule = getattr(optim, update_rule)
        self.batch_size, self.num_iterations = batch_size, num_iterations
        self.print_every, self.verbose = print_every, verbose
        self.rng = np.random.default_rng(seed)
        self.configs = {name: {"learning_rate": learning_rate} for name in model.params}
        self.loss_history = []

    def step(self):
        chosen = self.rng.choice(len(self.X), size=min(self.batch_size, len(self.X)), replace=False)
        loss, grads = self.model.loss(self.X[chosen], self.y[chosen])
        self.loss_history.append(float(loss))
        for name, value in self.model.params.items():
            self.model.params[name], self.configs[name] = self.update_rule(value, grads[name], self.configs[name])

    def train(self):
        for t in range(self.num_iterations):
            self.step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {self.num_iterations}) loss: {self.loss_history[-1]:f}")
        return self.loss_history
