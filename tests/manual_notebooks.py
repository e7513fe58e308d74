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
