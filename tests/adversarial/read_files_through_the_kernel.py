# Adversarial payload: raise a SyntaxError naming a file of the grader's and a line; where
# the check's kernel shows a SyntaxError, IPython reads that line from that file. The kernel
# must never read a file a student names.
# verdict: ok; passes: scale-two scale-three


def add(a, b):
    raise SyntaxError("read", ("/proc/self/cwd/../../grader/kernel.json", 2, 1, None, 2, 2))
