"""Notebooks with the answers people grade, written the way students write them: the handout's headings, answers
typed under them or tagged, Keras logs in the outputs, a plot, and claims in markdown that may not match."""
import base64
import io

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import CORRECT


def png():
    """A small real PNG (a training curve), drawn with matplotlib."""
    from matplotlib.figure import Figure
    figure = Figure(figsize=(2, 1.5))
    figure.add_subplot().plot([0.61, 0.74, 0.82, 0.85])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    return base64.b64encode(buffer.getvalue()).decode()


KERAS_LOG = ("Epoch 1/3\n391/391 [==============================] - 41s 102ms/step - loss: 0.6012 - accuracy: 0.6644"
             " - val_loss: 0.4711 - val_accuracy: 0.7902\nEpoch 3/3\n391/391 [==============================] - 39s"
             " - loss: 0.2420 - accuracy: 0.9071 - val_loss: 0.3301 - val_accuracy: 0.8604\n")


def notebook(bonus=True, written=True, claims="LSTM: 86.0%, GRU 0.851, SimpleRNN accuracy = 0.79", tagged=False):
    cells = [new_markdown_cell("## Assignment 4 Building Recurrent Neural Network"), new_code_cell(CORRECT)]
    if written:
        cells += [new_markdown_cell("### Why do gradients vanish?\n\nIn BPTT, dWaa sums over t the products of "
                                    "da<t>/da<t-1> = diag(1 - a^2) Waa; with tanh saturating these shrink.")]
        if tagged:
            cells[-1]["metadata"]["tags"] = ["vanishing_gradients"]
            cells[-1].source = "my answer: the Jacobians multiply and shrink"
    if bonus:
        fit = new_code_cell("history = model.fit(x_train, y_train, epochs=3, validation_split=0.2)\n"
                            "print('test accuracy:', model.evaluate(x_test, y_test)[1])")
        fit.outputs = [new_output("stream", name="stdout", text=KERAS_LOG + "test accuracy: 0.8521\n"),
                       new_output("display_data", data={"image/png": png(), "text/plain": "<Figure>"})]
        cells += [new_markdown_cell("## 6 BONUS: Sentiment Analysis\n\nWe train on IMDB with tf.keras."),
                  new_code_cell("from tensorflow.keras.datasets import imdb\n(x_train, y_train), (x_test, y_test) ="
                                " imdb.load_data(num_words=10000)"), fit,
                  new_markdown_cell(f"Best accuracy of each alternative: {claims}")]
    cells += [new_markdown_cell("## 7 Notes\n\n- based on the course")]
    made = new_notebook(cells=cells)
    made.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(made)


# A written answer in the style of the students' reports (seeds 000 and 004): prose with inline and display
# formulas, a LaTeX environment, a table, a list, code, and a plot pasted into the cell as an attachment.
WRITTEN = r"""### Why do gradients vanish?

**Forward.** The hidden state is $a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a)$.

**BPTT.** The loss is a sum over time steps, so the gradient of $W_{aa}$ is a sum too:

$$\frac{\partial \mathcal{L}}{\partial W_{aa}} = \sum_{t=1}^{T_x} \frac{\partial \mathcal{L}_t}{\partial a^{\langle t \rangle}} \prod_{k=2}^{t} \frac{\partial a^{\langle k \rangle}}{\partial a^{\langle k-1 \rangle}} \frac{\partial a^{\langle 1 \rangle}}{\partial W_{aa}}$$

Each factor is a Jacobian, and their product shrinks geometrically:

$$\begin{aligned}
\frac{\partial a^{\langle k \rangle}}{\partial a^{\langle k-1 \rangle}} &= \operatorname{diag}\left(1 - \tanh^2(z_k)\right) W_{aa} \\
\left\| \prod_{k} J_k \right\| &\le \left(\gamma \, \sigma_{\max}(W_{aa})\right)^{t-1}
\end{aligned}$$

\begin{align}
c^{\langle t \rangle} = \Gamma_f \odot c^{\langle t-1 \rangle} + \Gamma_u \odot \tilde{c}^{\langle t \rangle}
\end{align}

| cell | gradient path | vanishes? |
|------|---------------|-----------|
| vanilla RNN | product of $J_k$ | yes, geometrically |
| LSTM | additive cell state $c^{\langle t \rangle}$ | much less |

1. tanh saturates: $1 - \tanh^2 \to 0$
2. a small $W_{aa}$: $\sigma_{\max} < 1$

`np.clip` only helps with *exploding* gradients. The norm of $\partial \mathcal{L} / \partial a^{\langle t \rangle}$ per step:

![gradient norm per step](attachment:grad_norm.png)
"""

# What an attacker writes: scripts, handlers, remote images and styles, a form aimed at the app, a fake math
# element. None of it may run or load anything.
HOSTILE = """### Why do gradients vanish?

<script>window.pwned = 1</script>
<img src="x" onerror="window.pwned = 2"> <img src="http://127.0.0.1:9/beacon.png">
<a id="evil-link" href="javascript:window.pwned = 3">click</a> <iframe src="https://example.com"></iframe>
<style>body { background: url(http://127.0.0.1:9/bg.png) }</style><div style="background:url(http://127.0.0.1:9/s)">styled</div>
<form action="/publish" method="post"><button id="evil-button">go</button></form>
<svg><script>window.pwned = 4</script></svg><math><mtext><img src=x onerror="window.pwned = 5"></mtext></math>
![remote](http://127.0.0.1:9/md.png) $x</script><script>window.pwned = 6</script>$

The answer: gradients vanish.
"""


def images():
    """The same small plot as PNG, JPEG, GIF (base64) and SVG (text), as Jupyter stores each in an output."""
    from matplotlib.figure import Figure
    figure = Figure(figsize=(2, 1.5))
    figure.add_subplot().plot([1.0, 0.4, 0.1, 0.02])
    made = {}
    for kind, mime in (("png", "image/png"), ("jpeg", "image/jpeg"), ("svg", "image/svg+xml")):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=kind, dpi=40)
        made[mime] = buffer.getvalue().decode() if kind == "svg" else base64.b64encode(buffer.getvalue()).decode()
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 40, 40)).save(buffer, format="GIF")
    made["image/gif"] = base64.b64encode(buffer.getvalue()).decode()
    return made


def written_notebook(answer=WRITTEN, outputs=True):
    """A notebook whose written answer is `answer` (with a plot attached), followed by a code cell whose outputs
    are an image of every common type and an HTML table."""
    cell = new_markdown_cell(answer)
    cell["attachments"] = {"grad_norm.png": {"image/png": images()["image/png"]}}
    cells = [new_markdown_cell("## Assignment 4 Building Recurrent Neural Network"), new_code_cell(CORRECT), cell]
    if outputs:
        code = new_code_cell("import numpy as np\nnorms = [np.linalg.norm(g) for g in grads]  # per step\nplot(norms)")
        code.outputs = [new_output("display_data", data={mime: value, "text/plain": "<Figure>"})
                        for mime, value in images().items()]
        code.outputs.append(new_output("execute_result", execution_count=3, data={
            "text/html": "<table class='dataframe'><tr><th>step</th><th>norm</th></tr><tr><td>1</td><td>0.02</td></tr>"
                         "</table>", "text/plain": "   step  norm"}))
        cells.append(code)
    cells.append(new_markdown_cell("## 7 Notes\n\n- based on the course"))
    made = new_notebook(cells=cells)
    made.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(made)
