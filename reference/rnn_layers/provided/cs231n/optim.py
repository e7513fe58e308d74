"""Update rules handed out with the assignment: `next_w, config = rule(w, dw, config)`."""


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent; config["learning_rate"] (default 1e-2)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config
