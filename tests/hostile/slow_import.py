# Takes an hour to import.
import time

time.sleep(3600)


def rnn_cell_forward(xt, a_prev, parameters):
    return xt
