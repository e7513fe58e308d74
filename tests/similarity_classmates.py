"""A class of independent students who are alike the way a real class is, for tests/test_similarity.py: every one
filled in the same handout skeleton (tests/similarity_styles.py's TEXTBOOK keeps the handout's lines, names and
order) following the same hints, so they converge on the obvious lines. Where the hints leave a choice open, most
take the obvious way, some another that many take (`@` for np.dot, the terms in the other order, np.vstack,
np.square, ...), and a few a way of their own that hardly anyone else writes (RARE), each choice on its own.
Written here for these tests; no real student's file.
"""
import random

from similarity_styles import TEXTBOOK

# (the obvious way, other ways students write it): each a fragment of TEXTBOOK, replaced where it appears.
CHOICES = [
    ("np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
     ["np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)", "np.tanh(Waa @ a_prev + Wax @ xt + ba)"]),
    ("softmax(np.dot(Wya, a_next) + by)", ["softmax(Wya @ a_next + by)", "softmax(np.matmul(Wya, a_next) + by)"]),
    ("a = np.zeros((n_a, m, T_x))\n    y_pred = np.zeros((n_y, m, T_x))",
     ["y_pred = np.zeros((n_y, m, T_x))\n    a = np.zeros((n_a, m, T_x))"]),
    ("a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)",
     ["xt = x[:, :, t]\n        a_next, yt_pred, cache = rnn_cell_forward(xt, a_next, parameters)"]),
    ("np.concatenate((a_prev, xt), axis=0)", ["np.vstack((a_prev, xt))", "np.concatenate([a_prev, xt])"]),
    ("sigmoid(np.dot(Wf, concat) + bf)", ["sigmoid(Wf @ concat + bf)"]),
    ("sigmoid(np.dot(Wi, concat) + bi)", ["sigmoid(Wi @ concat + bi)"]),
    ("np.tanh(np.dot(Wc, concat) + bc)", ["np.tanh(Wc @ concat + bc)"]),
    ("c_next = ft * c_prev + it * cct", ["c_next = it * cct + ft * c_prev",
                                         "c_next = np.multiply(ft, c_prev) + np.multiply(it, cct)"]),
    ("a_next = ot * np.tanh(c_next)", ["a_next = np.multiply(ot, np.tanh(c_next))"]),
    ("c = np.zeros((n_a, m, T_x))\n    y = np.zeros((n_y, m, T_x))",
     ["y = np.zeros((n_y, m, T_x))\n    c = np.zeros((n_a, m, T_x))"]),
    ("c_next = np.zeros((n_a, m))", ["c_next = np.zeros(a0.shape)", "c_next = np.zeros_like(a0)"]),
    ("(1 - a_next ** 2) * da_next", ["(1 - np.square(a_next)) * da_next", "da_next * (1 - a_next ** 2)"]),
    ("np.dot(Wax.T, dtanh)", ["Wax.T @ dtanh", "Wax.T.dot(dtanh)"]),
    ("np.dot(dtanh, xt.T)", ["dtanh @ xt.T", "dtanh.dot(xt.T)"]),
    ("np.dot(Waa.T, dtanh)", ["Waa.T @ dtanh"]),
    ("np.sum(dtanh, axis=1, keepdims=True)", ["np.sum(dtanh, 1, keepdims=True)", "dtanh.sum(axis=1, keepdims=True)"]),
    ("da_prevt = np.zeros((n_a, m))", ["da_prevt = np.zeros_like(da0)"]),
    ("reversed(range(T_x))", ["range(T_x - 1, -1, -1)"]),
    ("dWax += dWaxt\n        dWaa += dWaat", ["dWaa += dWaat\n        dWax += dWaxt"]),
]
# Ways of one's own at some of the choices above (by the obvious way's text): few students write these.
RARE = {
    "np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)": [
        "np.tanh(np.einsum('ij,jk->ik', Waa, a_prev) + np.einsum('ij,jk->ik', Wax, xt) + ba)",
        "np.tanh(np.add(np.add(np.dot(Waa, a_prev), np.dot(Wax, xt)), ba))",
        "np.tanh(np.dot(np.hstack((Waa, Wax)), np.vstack((a_prev, xt))) + ba)",
        "np.tanh(sum([Waa.dot(a_prev), Wax.dot(xt), ba]))"],
    "softmax(np.dot(Wya, a_next) + by)": ["softmax(np.add(np.dot(Wya, a_next), by.reshape(-1, 1)))",
                                          "softmax(np.einsum('ij,jk->ik', Wya, a_next) + by)",
                                          "softmax(by + Wya.dot(a_next))"],
    "np.concatenate((a_prev, xt), axis=0)": ["np.row_stack((a_prev, xt))", "np.r_[a_prev, xt]",
                                             "np.append(a_prev, xt, axis=0)", "np.block([[a_prev], [xt]])"],
    "c_next = ft * c_prev + it * cct": ["c_next = np.add(np.multiply(c_prev, ft), np.multiply(cct, it))",
                                        "c_next = c_prev * ft + cct * it", "c_next = sum((ft * c_prev, it * cct))"],
    "(1 - a_next ** 2) * da_next": ["np.multiply(da_next, 1.0 - np.power(a_next, 2))",
                                    "da_next - da_next * np.square(a_next)", "da_next * (1 + a_next) * (1 - a_next)",
                                    "(1.0 - a_next * a_next) * da_next"],
    "np.dot(Wax.T, dtanh)": ["np.matmul(np.transpose(Wax), dtanh)", "np.einsum('ji,jk->ik', Wax, dtanh)",
                             "np.dot(dtanh.T, Wax).T"],
    "np.sum(dtanh, axis=1, keepdims=True)": ["np.sum(dtanh, axis=-1).reshape(-1, 1)",
                                             "np.expand_dims(dtanh.sum(axis=1), 1)",
                                             "np.dot(dtanh, np.ones((dtanh.shape[1], 1)))",
                                             "np.mean(dtanh, axis=1, keepdims=True) * dtanh.shape[1]"],
    "reversed(range(T_x))": ["range(T_x)[::-1]", "sorted(range(T_x), reverse=True)", "list(range(T_x))[::-1]"],
    "a_next = ot * np.tanh(c_next)": ["a_next = np.tanh(c_next) * ot", "a_next = np.multiply(np.tanh(c_next), ot)"],
}
OBVIOUS, OWN = 0.6, 0.15  # the shares of students who take the obvious way, and a way of their own, at a choice


def student(rng):
    """One student's file: TEXTBOOK with each open choice taken the obvious way or another."""
    text = TEXTBOOK
    for obvious, others in CHOICES:
        assert obvious in text, obvious  # the fragment must still be in the skeleton
        draw = rng.random()
        if draw >= 1 - OWN and obvious in RARE:
            text = text.replace(obvious, rng.choice(RARE[obvious]))
        elif draw >= OBVIOUS:
            text = text.replace(obvious, rng.choice(others))
    return text


def classmates(count=16, seed=2):
    """{name: text} of `count` independent students."""
    rng = random.Random(seed)
    return {f"student_{i:02d}": student(rng) for i in range(count)}


def unusual(text):
    """How many of the open choices a file took another way than the obvious."""
    return sum(obvious not in text for obvious, _ in CHOICES)


# Comments that many students of a class write in their own words alike (a lecture's phrasing): evidence of nothing.
SHARED_COMMENTS = ["# as in the lecture", "# vectorized over the batch", "# same as before"]
WORDS = ["gate", "tricky", "careful", "axis", "shape", "bias", "transpose", "carry", "hidden", "memory", "slice",
         "check", "broadcast", "stack", "order", "state", "formula", "again", "batch", "sum"]


def common_way(count=14, seed=7):
    """{name: text} of `count` independent students who all wrote every function the obvious way (TEXTBOOK's code,
    token for token), each with a surface of their own: a few comments in their own words, one line laid out their
    own way (`np.dot(Wax,xt)`, two spaces before `=`), and one or two comments that many classmates also write."""
    rng = random.Random(seed)
    found = {}
    for i in range(count):
        lines = TEXTBOOK.splitlines()
        code = [k for k, line in enumerate(lines) if " = " in line and not line.strip().startswith("#")]
        for k in rng.sample(code, 4):
            lines[k] += f"  # {' '.join(rng.sample(WORDS, 3))} {i}"
        for k in rng.sample(code, 2):
            lines[k] += "  " + rng.choice(SHARED_COMMENTS)
        for k in rng.sample(code, 2):
            lines[k] = lines[k].replace(", ", ",", 2) if rng.random() < 0.5 else lines[k].replace(" = ", "  = ", 1)
        found[f"student_{i:02d}"] = "\n".join(lines) + "\n"
    return found
